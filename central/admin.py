"""Admin endpoints (users, audit) and the audited phone reveal.

- `GET/POST /api/v1/admin/users`, `PATCH /api/v1/admin/users/{username}`: the same operations as
  `calldesk central users ...` (central.users); admin only (central.policy.ENDPOINTS).
- `POST /api/v1/customers/{id}/reveal` {"call_id"?, "event_id"?}: the customer's phone numbers
  in full, for any signed-in role, written to the audit log (who, which customer, when, from
  which call) before they are sent. `event_id` is the desktop's id for the same event, which it
  also queues in its outbox: the pushed copy then finds it recorded (one row, not two).
- `GET /api/v1/admin/audit?username=&customer_id=&action=&call_id=&since=&until=&limit=` and
  `/admin/audit.csv`: the audit log, newest first; events the API saw (`source` "server") and
  those desktops pushed through the outbox (`source` "desktop", central.audit_push).

No `from __future__ import annotations`: FastAPI resolves the route annotations at import time.
"""

import csv
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import sqlalchemy as sa
from fastapi import FastAPI, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from calldesk_domain.models import format_ts
from central import auth, queries
from central.route_deps import RouteDeps
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
    # the desktop's audit event id for this reveal: the copy it pushes through the outbox later
    # is then recorded once (central.audit_push answers "already recorded")
    event_id: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_-]*$")


class EventIdTaken(Exception):
    """The event id names another user's audit event."""


def record_audit(
    conn: Connection, who: Any, action: str, customer_id: str, call_id: str = "", event_id: str = ""
) -> None:
    """One audit row as the token's user. With `event_id`: once (a retried reveal, or the
    desktop's outbox copy, finds it recorded); EventIdTaken if another user's event has it."""
    if event_id:
        known = conn.execute(
            sa.select(audit_events.c.user_id).where(audit_events.c.event_id == event_id)
        ).first()
        if known is not None:
            if known.user_id != who.user_id:
                raise EventIdTaken(event_id)
            return
    now = datetime.now(UTC)
    row = audit_events.insert().values(
        at=now,
        received_at=now,
        source="server",
        user_id=who.user_id,
        username=who.username,
        action=action,
        customer_id=customer_id,
        call_id=call_id,
        event_id=event_id or None,
    )
    try:
        with conn.begin_nested():  # a concurrent retry with the same id: recorded once
            conn.execute(row)
    except sa.exc.IntegrityError:
        if event_id:
            return record_audit(conn, who, action, customer_id, call_id, event_id)
        raise


AUDIT_COLUMNS = ("at", "username", "action", "customer_id", "call_id", "source", "received_at")


def _utc_text(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_ts(value if value.tzinfo else value.replace(tzinfo=UTC)) or ""


def audit_rows(
    conn: Connection,
    username: str,
    customer_id: str,
    since: datetime | None,
    limit: int,
    *,
    action: str = "",
    call_id: str = "",
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Audit events, newest first (by the time they happened: a desktop pushes offline views
    late). `since`/`until` bound `at`."""
    query = sa.select(audit_events).order_by(audit_events.c.at.desc(), audit_events.c.id.desc()).limit(limit)
    for column, value in (
        (audit_events.c.username, username),
        (audit_events.c.customer_id, customer_id),
        (audit_events.c.action, action),
        (audit_events.c.call_id, call_id),
    ):
        if value:
            query = query.where(column == value)
    if since is not None:
        query = query.where(audit_events.c.at >= since)
    if until is not None:
        query = query.where(audit_events.c.at < until)
    return [
        {
            "at": _utc_text(row.at),
            "username": row.username,
            "action": row.action,
            "customer_id": row.customer_id,
            "call_id": row.call_id,
            "source": row.source,
            "received_at": _utc_text(row.received_at),
        }
        for row in conn.execute(query)
    ]


def install_routes(app: FastAPI, deps: RouteDeps) -> None:
    if TYPE_CHECKING:
        # what create_app passes: Annotated[auth.Principal, Depends(principal)], built there at run time
        Principal: TypeAlias = auth.Principal
    else:
        Principal = deps.principal
    not_found: dict[int | str, dict[str, Any]] = {
        404: {"model": ErrorResponse, "description": "no such user / customer"}
    }
    user_responses: dict[int | str, dict[str, Any]] = {
        **deps.errors,
        **not_found,
        409: {"model": ErrorResponse, "description": "the username is taken"},
    }
    csv_responses: dict[int | str, dict[str, Any]] = {
        **deps.errors,
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "the audit log as CSV"},
    }

    def _user_error(exc: UserError) -> Exception:
        status = 409 if "already exists" in str(exc) else 404 if str(exc).startswith("no user") else 422
        code = {409: "conflict", 404: "user_not_found"}.get(status, "validation_error")
        return deps.api_error(status, code, str(exc), exc.field)

    @app.get("/api/v1/admin/users", response_model=None, responses=deps.errors)
    def admin_users(_who: Principal) -> JSONResponse:
        with deps.engine.connect() as conn:
            return JSONResponse({"users": list_users(conn)})

    @app.post("/api/v1/admin/users", status_code=201, response_model=None, responses=user_responses)
    def admin_add_user(_who: Principal, body: NewUser) -> JSONResponse:
        try:
            with deps.engine.begin() as conn:
                created = add_user(conn, **body.model_dump())
        except UserError as exc:
            raise _user_error(exc) from exc
        return JSONResponse({"user": created}, status_code=201)

    @app.patch("/api/v1/admin/users/{username}", response_model=None, responses=user_responses)
    def admin_change_user(_who: Principal, username: Username, body: UserChange) -> JSONResponse:
        try:
            with deps.engine.begin() as conn:
                changed = update_user(conn, username, **body.model_dump(exclude_unset=True))
        except UserError as exc:
            raise _user_error(exc) from exc
        return JSONResponse({"user": changed})

    CustomerId = Annotated[str, Path(min_length=1, max_length=32, pattern=NO_CONTROL)]

    @app.post(
        "/api/v1/customers/{customer_id}/reveal",
        response_model=None,
        responses={
            **deps.errors,
            **not_found,
            409: {"model": ErrorResponse, "description": "the event id names another user's event"},
        },
    )
    def reveal(who: Principal, customer_id: CustomerId, body: RevealRequest | None = None) -> JSONResponse:
        with deps.engine.begin() as conn:
            detail = queries.customer_summary(conn, customer_id)
            if detail is None:
                raise deps.api_error(404, "customer_not_found", f"no customer {customer_id}", "customer_id")
            call_id, event_id = (body.call_id, body.event_id) if body else ("", "")
            try:
                record_audit(conn, who, "reveal", customer_id, call_id, event_id)
            except EventIdTaken as exc:
                raise deps.api_error(
                    409, "conflict", "event_id: already used by another user", "event_id"
                ) from exc
        phones = detail["customer"].get("phones", [])
        return JSONResponse({"customer_id": customer_id, "phones": phones})

    AuditLimit = Annotated[int, Query(ge=1, le=10000)]
    AuditName = Annotated[str, Query(max_length=64, pattern=NO_CONTROL)]
    AuditAction = Annotated[str, Query(pattern="^(|view|reveal)$")]
    AuditSince = Annotated[datetime | None, Query()]

    def _query(
        username: str, customer_id: str, action: str, call_id: str, since, until, limit: int
    ) -> list[dict[str, Any]]:
        with deps.engine.connect() as conn:
            return audit_rows(
                conn,
                username,
                customer_id,
                deps.to_utc(since, "since"),
                limit,
                action=action,
                call_id=call_id,
                until=deps.to_utc(until, "until"),
            )

    @app.get("/api/v1/admin/audit", response_model=None, responses=deps.errors)
    def audit(
        _who: Principal,
        username: AuditName = "",
        customer_id: AuditName = "",
        action: AuditAction = "",
        call_id: AuditName = "",
        since: AuditSince = None,
        until: AuditSince = None,
        limit: AuditLimit = 500,
    ) -> JSONResponse:
        rows = _query(username, customer_id, action, call_id, since, until, limit)
        return JSONResponse({"events": rows})

    @app.get("/api/v1/admin/audit.csv", response_model=None, responses=csv_responses)
    def audit_csv(
        _who: Principal,
        username: AuditName = "",
        customer_id: AuditName = "",
        action: AuditAction = "",
        call_id: AuditName = "",
        since: AuditSince = None,
        until: AuditSince = None,
        limit: AuditLimit = 10000,
    ) -> Response:
        rows = _query(username, customer_id, action, call_id, since, until, limit)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(AUDIT_COLUMNS))
        writer.writeheader()
        for row in rows:
            # a cell starting with = + - @ would run as a formula in a spreadsheet
            writer.writerow({k: ("'" + v if v[:1] in "=+-@" else v) for k, v in row.items()})
        return Response(
            out.getvalue().encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="calldesk-audit.csv"'},
        )
