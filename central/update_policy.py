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
from central.tables import update_policy

log = logging.getLogger(__name__)

MODES = ("off", "notify", "require")
VERSION_PATTERN = r"^[0-9]{1,5}(\.[0-9]{1,5}){1,3}$"
# In the schema itself, so that a client (and the contract test) knows every body that is refused.
# No class shortcuts: `\s` means different sets in JSON Schema (ECMA-262: no U+0085), Python's re
# and pydantic's Rust regex (both with U+0085), so the schema accepted a URL the server refused.
# Spelled out, the set is the same everywhere: C0 and C1 controls, space, DEL and every other
# Unicode space / line or paragraph separator / BOM.
_NOT_IN_URL = r"\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
URL_PATTERN = "^(https?://[^" + _NOT_IN_URL + "]{1,500})?$"
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"

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
