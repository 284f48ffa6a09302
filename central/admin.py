"""Admin endpoints (users, audit) and the audited phone reveal.

- `GET/POST /api/v1/admin/users`, `PATCH /api/v1/admin/users/{username}`: the same operations as
  `calldesk central users ...` (central.users); admin only (central.policy.ENDPOINTS).
- `POST /api/v1/customers/{id}/reveal` {"call_id"?}: the customer's phone numbers in full, for
  any signed-in role, written to the audit log (who, which customer, when, from which call).
- `GET /api/v1/admin/audit?username=&customer_id=&since=&limit=` and `/admin/audit.csv`: the
  audit log, newest first.

No `from __future__ import annotations`: FastAPI resolves the route annotations at import time.
"""

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import FastAPI, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine

from calldesk_domain.models import format_ts
from central import queries
from central.schemas import ErrorResponse
from central.tables import audit_events
from central.users import UserError, add_user, list_users, update_user

NO_CONTROL = r"^[^\x00-\x1f]*$"
Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
AUDIT_ACTIONS = ("view", "reveal")
# The same rules as central.users checks, published so clients (and the contract test) know them.
_NAME = r"^[A-Za-z0-9_.@-]+$"
_GROUP = r"^[A-Za-z0-9_.-]+$"
_INTERFACE = r"^[A-Za-z0-9_./@:-]+$"
_DISPLAY = r"^[^\x00-\x1f]*[^\s\x00-\x1f][^\x00-\x1f]*$"  # something visible, no controls
Queue = Annotated[str, Field(min_length=1, max_length=32, pattern=_GROUP)]


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=_NAME)
    password: str = Field(min_length=8, max_length=256)
    role: str = Field(pattern="^(agent|supervisor|admin)$")
    agent_id: str | None = Field(default=None, min_length=1, max_length=32, pattern=_NAME)
    display_name: str | None = Field(default=None, min_length=1, max_length=64, pattern=_DISPLAY)
    pbx_interface: str | None = Field(default=None, min_length=1, max_length=64, pattern=_INTERFACE)
    queues: list[Queue] = Field(default_factory=list, max_length=50)
    team: str | None = Field(default=None, min_length=1, max_length=32, pattern=_GROUP)


class UserChange(BaseModel):
    active: bool | None = None
    role: str | None = Field(default=None, pattern="^(agent|supervisor|admin)$")
    password: str | None = Field(default=None, min_length=8, max_length=256)
    display_name: str | None = Field(default=None, min_length=1, max_length=64, pattern=_DISPLAY)
    pbx_interface: str | None = Field(default=None, min_length=1, max_length=64, pattern=_INTERFACE)
    queues: list[Queue] | None = Field(default=None, max_length=50)
    team: str | None = Field(default=None, min_length=1, max_length=32, pattern=_GROUP)


class RevealRequest(BaseModel):
    call_id: str = Field(default="", max_length=64, pattern=NO_CONTROL)


def record_audit(conn: Connection, who: Any, action: str, customer_id: str, call_id: str = "") -> None:
    conn.execute(
        audit_events.insert().values(
            at=datetime.now(UTC),
            user_id=who.user_id,
            username=who.username,
            action=action,
            customer_id=customer_id,
            call_id=call_id,
        )
    )


def audit_rows(
    conn: Connection, username: str, customer_id: str, since: datetime | None, limit: int
) -> list[dict[str, Any]]:
    query = sa.select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
    if username:
        query = query.where(audit_events.c.username == username)
    if customer_id:
        query = query.where(audit_events.c.customer_id == customer_id)
    if since is not None:
        query = query.where(audit_events.c.at >= since)
    return [
        {
            "at": format_ts(row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)),
            "username": row.username,
            "action": row.action,
            "customer_id": row.customer_id,
            "call_id": row.call_id,
        }
        for row in conn.execute(query)
    ]


def install_routes(
    app: FastAPI,
    engine: Engine,
    principal_type: Any,
    api_error: Callable[..., Exception],
    responses: dict[int | str, dict[str, Any]],
    parse_since: Callable[[datetime | None], datetime | None],
) -> None:
    Principal = principal_type
    not_found = {404: {"model": ErrorResponse, "description": "no such user / customer"}}
    user_responses: dict[int | str, dict[str, Any]] = {
        **responses,
        **not_found,
        409: {"model": ErrorResponse, "description": "the username is taken"},
    }
    csv_responses: dict[int | str, dict[str, Any]] = {
        **responses,
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "the audit log as CSV"},
    }

    def _user_error(exc: UserError) -> Exception:
        status = 409 if "already exists" in str(exc) else 404 if str(exc).startswith("no user") else 422
        code = {409: "conflict", 404: "user_not_found"}.get(status, "validation_error")
        return api_error(status, code, str(exc), exc.field)

    @app.get("/api/v1/admin/users", response_model=None, responses=responses)
    def admin_users(_who: Principal) -> JSONResponse:
        with engine.connect() as conn:
            return JSONResponse({"users": list_users(conn)})

    @app.post("/api/v1/admin/users", status_code=201, response_model=None, responses=user_responses)
    def admin_add_user(_who: Principal, body: NewUser) -> JSONResponse:
        try:
            with engine.begin() as conn:
                created = add_user(conn, **body.model_dump())
        except UserError as exc:
            raise _user_error(exc) from exc
        return JSONResponse({"user": created}, status_code=201)

    @app.patch("/api/v1/admin/users/{username}", response_model=None, responses=user_responses)
    def admin_change_user(_who: Principal, username: Username, body: UserChange) -> JSONResponse:
        try:
            with engine.begin() as conn:
                changed = update_user(conn, username, **body.model_dump(exclude_unset=True))
        except UserError as exc:
            raise _user_error(exc) from exc
        return JSONResponse({"user": changed})

    CustomerId = Annotated[str, Path(min_length=1, max_length=32, pattern=NO_CONTROL)]

    @app.post(
        "/api/v1/customers/{customer_id}/reveal", response_model=None, responses={**responses, **not_found}
    )
    def reveal(who: Principal, customer_id: CustomerId, body: RevealRequest | None = None) -> JSONResponse:
        with engine.begin() as conn:
            detail = queries.customer_summary(conn, customer_id)
            if detail is None:
                raise api_error(404, "customer_not_found", f"no customer {customer_id}", "customer_id")
            record_audit(conn, who, "reveal", customer_id, body.call_id if body else "")
        phones = detail["customer"].get("phones", [])
        return JSONResponse({"customer_id": customer_id, "phones": phones})

    AuditLimit = Annotated[int, Query(ge=1, le=10000)]
    AuditName = Annotated[str, Query(max_length=64, pattern=NO_CONTROL)]
    AuditSince = Annotated[datetime | None, Query()]

    @app.get("/api/v1/admin/audit", response_model=None, responses=responses)
    def audit(
        _who: Principal,
        username: AuditName = "",
        customer_id: AuditName = "",
        since: AuditSince = None,
        limit: AuditLimit = 500,
    ) -> JSONResponse:
        with engine.connect() as conn:
            rows = audit_rows(conn, username, customer_id, parse_since(since), limit)
        return JSONResponse({"events": rows})

    @app.get("/api/v1/admin/audit.csv", response_model=None, responses=csv_responses)
    def audit_csv(
        _who: Principal,
        username: AuditName = "",
        customer_id: AuditName = "",
        since: AuditSince = None,
        limit: AuditLimit = 10000,
    ) -> Response:
        with engine.connect() as conn:
            rows = audit_rows(conn, username, customer_id, parse_since(since), limit)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["at", "username", "action", "customer_id", "call_id"])
        writer.writeheader()
        for row in rows:
            # a cell starting with = + - @ would run as a formula in a spreadsheet
            writer.writerow({k: ("'" + v if v[:1] in "=+-@" else v) for k, v in row.items()})
        return Response(
            out.getvalue().encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="calldesk-audit.csv"'},
        )
