"""The desktop update policy an administrator sets: which version is current, where to get it, and
whether the desktop says nothing (off), tells the agent (notify) or requires the update (require).

The desktop is never replaced by the server: it only reads this policy and tells the agent; the
installation itself goes through the IT department's MSI deployment (docs/admin-guide.md).
GET is open to every signed-in user; PUT is for admins only.
"""

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

import sqlalchemy as sa
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from central import auth
from central.route_deps import RouteDeps
from central.tables import metadata

log = logging.getLogger(__name__)

MODES = ("off", "notify", "require")
VERSION_PATTERN = r"^[0-9]{1,5}(\.[0-9]{1,5}){1,3}$"
# In the schema itself, so that a client (and the contract test) knows every body that is refused.
URL_PATTERN = r"^(https?://[^\s\x00-\x1f\x7f]{1,500})?$"
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"

update_policy = sa.Table(
    "update_policy",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1: one policy per server
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("current_version", sa.String(32), nullable=False),
    sa.Column("download_url", sa.String(512), nullable=False),
    sa.Column("message", sa.String(500), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)

DEFAULT_POLICY: dict[str, str] = {
    "mode": "off",
    "current_version": "0.0.0",
    "download_url": "",
    "message": "",
    "updated_by": "",
    "updated_at": "",
}


class UpdatePolicyBody(BaseModel):
    mode: Literal["off", "notify", "require"]
    current_version: str = Field(pattern=VERSION_PATTERN)
    download_url: str = Field(default="", max_length=512, pattern=URL_PATTERN)
    message: str = Field(default="", max_length=500, pattern=TEXT_PATTERN)


class UpdatePolicyResponse(UpdatePolicyBody):
    updated_by: str
    updated_at: str


def read_policy(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(update_policy).where(update_policy.c.id == 1)).mappings().first()
    if row is None:
        return dict(DEFAULT_POLICY)
    return {key: row[key] for key in DEFAULT_POLICY}


def write_policy(engine: Engine, body: UpdatePolicyBody, username: str) -> dict[str, str]:
    values = {
        "mode": body.mode,
        "current_version": body.current_version,
        "download_url": body.download_url,
        "message": body.message,
        "updated_by": username,
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with engine.begin() as conn:
        done = conn.execute(sa.update(update_policy).where(update_policy.c.id == 1).values(**values))
        if done.rowcount == 0:
            conn.execute(sa.insert(update_policy).values(id=1, **values))
    log.info("update policy set by %s: %s %s", username, body.mode, body.current_version)
    return values


def install_routes(app: FastAPI, deps: RouteDeps) -> None:
    """`principal` is the app's authenticated-user dependency type, `deps.api_error` its ApiError."""
    if TYPE_CHECKING:
        principal: TypeAlias = auth.Principal  # deps.principal is Annotated[auth.Principal, Depends(...)]
    else:
        principal = deps.principal

    @app.get(
        "/api/v1/update-policy",
        response_model=None,
        responses={200: {"model": UpdatePolicyResponse}, **deps.errors},
    )
    def get_update_policy(_who: principal) -> JSONResponse:
        return JSONResponse(read_policy(deps.engine))

    @app.put(
        "/api/v1/update-policy",
        response_model=None,
        responses={
            200: {"model": UpdatePolicyResponse},
            403: {"model": deps.errors[401]["model"], "description": "not an admin"},
            **deps.errors,
        },
    )
    def put_update_policy(
        who: principal,
        body: Annotated[UpdatePolicyBody, Body()],
    ) -> JSONResponse:
        if who.role != "admin":
            raise deps.api_error(403, "forbidden", "only an admin sets the update policy")
        return JSONResponse(write_policy(deps.engine, body, who.username))
