"""Tickets to and from an external ticket system.

Out: every ticket create/update is queued in `webhook_deliveries` in the same transaction as the
ticket (central.writes change listener), then POSTed, signed, to CALLDESK_TICKET_WEBHOOK_URL as
`{"event": "ticket.upserted", "ticket": {...}, "version": n}`. A failed delivery is retried with
exponential backoff and jitter; after `max_attempts` it is dead, listed for admins
(GET /api/v1/admin/integrations/deliveries?status=dead) and replayable (POST .../{id}/replay).
Deliveries of one ticket go out in version order; a receiver keeps the highest version it saw.

Back: POST /api/v1/integrations/tickets/{id}/actions, signed with the same secret,
`{"action": "assign|start|wait_customer|resume|resolve|...", "note": "...", "by": "name"}` applies the
ticket workflow's action (calldesk_domain.tickets.apply_action); a change that came from the
ticket system is not sent back to it (no echo loop).
"""

# No `from __future__ import annotations` here: FastAPI must see the `principal` dependency type
# the routes below are annotated with as an object, not as a name it cannot resolve.
import asyncio
import contextlib
import contextvars
import json
import logging
import random
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

import httpx
import sqlalchemy as sa
from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Connection, Engine

from calldesk_domain.backoff import backoff_delay
from calldesk_domain.tickets import Ticket, TransitionError, allowed_actions, apply_action
from central import auth
from central.integrations.oms import SIGNED_RESPONSES, error, signed_json
from central.integrations.settings import IntegrationSettings
from central.integrations.signing import signed_headers
from central.route_deps import RouteDeps
from central.tables import tickets, webhook_deliveries
from central.writes import add_change_listener

log = logging.getLogger(__name__)

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
_BATCH = 20
_TIMEOUT_S = 10.0

# Engines whose app sends tickets out (a test process runs many apps, configured differently).
_SENDING: weakref.WeakSet[Engine] = weakref.WeakSet()
# Set while a change from the ticket system itself is written: it is not echoed back.
_from_ticket_system: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "from_ticket_system", default=False
)


def _queue_ticket_changes(conn: Connection, entity: str, changes: list[tuple[str, str, int, Any]]) -> None:
    if entity != "ticket" or conn.engine not in _SENDING or _from_ticket_system.get():
        return
    now = datetime.now(UTC)
    rows = [
        {
            "entity": entity,
            "entity_id": entity_id,
            "version": version,
            "payload": {"event": "ticket.upserted", "ticket": data, "version": version},
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for entity_id, op, version, data in changes
        if op == "upsert" and data is not None
    ]
    if rows:
        conn.execute(webhook_deliveries.insert(), rows)


add_change_listener(_queue_ticket_changes)


def retry_delay(attempt: int, settings: IntegrationSettings, rng: random.Random) -> float:
    """Seconds before attempt `attempt + 1`: doubling from backoff_initial up to backoff_max,
    stretched by up to backoff_jitter at random so a receiver back from an outage is not hit by
    every queued delivery at once."""
    return backoff_delay(attempt, settings, rng)


class TicketWebhookSender:
    """Delivers due webhook rows; one asyncio task in the API process (`start` / `stop`)."""

    def __init__(
        self,
        engine: Engine,
        settings: IntegrationSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_s: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.poll_s = poll_s
        self.rng = rng or random.Random()
        self._client = httpx.AsyncClient(timeout=_TIMEOUT_S, transport=transport)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._client.aclose()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.deliver_due()
            except Exception:  # a database hiccup must not end deliveries for good
                log.exception("ticket webhook: delivery round failed")
                sent = 0
            if not sent:
                await asyncio.sleep(self.poll_s)

    def _due(self, now: datetime) -> Sequence[Any]:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(webhook_deliveries)
                .where(webhook_deliveries.c.status == PENDING, webhook_deliveries.c.next_attempt_at <= now)
                .order_by(webhook_deliveries.c.id)
                .limit(_BATCH)
            ).all()

    async def deliver_due(self, now: datetime | None = None) -> int:
        """Try every due delivery once; returns how many were attempted."""
        rows = await asyncio.to_thread(self._due, now or datetime.now(UTC))
        blocked: set[str] = set()  # a ticket whose older version failed waits: order is kept
        for row in rows:
            if row.entity_id in blocked:
                continue
            problem = await self._post(row.payload)
            if problem is not None:
                blocked.add(row.entity_id)
            await asyncio.to_thread(self._record, row, problem)
        return len(rows)

    async def _post(self, payload: dict[str, Any]) -> str | None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        assert self.settings.ticket_webhook_url and self.settings.ticket_webhook_secret
        headers = {
            "Content-Type": "application/json",
            **signed_headers(self.settings.ticket_webhook_secret, body),
        }
        try:
            response = await self._client.post(
                self.settings.ticket_webhook_url, content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:200]}"

    def _record(self, row: Any, problem: str | None) -> None:
        now = datetime.now(UTC)
        attempts = row.attempts + 1
        if problem is None:
            values: dict[str, Any] = {
                "status": DELIVERED,
                "attempts": attempts,
                "delivered_at": now,
                "last_error": None,
            }
        elif attempts >= self.settings.max_attempts:
            values = {"status": DEAD, "attempts": attempts, "last_error": problem}
            log.error(
                "ticket webhook: delivery %s of ticket %s is dead after %d attempts: %s",
                row.id,
                row.entity_id,
                attempts,
                problem,
            )
        else:
            delay = retry_delay(row.attempts, self.settings, self.rng)
            values = {
                "attempts": attempts,
                "last_error": problem,
                "next_attempt_at": now + timedelta(seconds=delay),
            }
            log.warning("ticket webhook: delivery %s failed (%s); retry in %.0f s", row.id, problem, delay)
        with self.engine.begin() as conn:
            conn.execute(
                webhook_deliveries.update().where(webhook_deliveries.c.id == row.id).values(**values)
            )


def _delivery(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "entity_id": row.entity_id,
        "version": row.version,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


def install_routes(
    app: FastAPI, deps: RouteDeps, settings: IntegrationSettings
) -> TicketWebhookSender | None:
    """Add the ticket-sync routes; returns the sender to start with the app (None: not configured)."""
    if TYPE_CHECKING:
        principal: TypeAlias = auth.Principal  # deps.principal is Annotated[auth.Principal, Depends(...)]
    else:
        principal = deps.principal
    from central.tickets import save_record

    sender = None
    if settings.sends_tickets:
        _SENDING.add(deps.engine)
        sender = TicketWebhookSender(deps.engine, settings)

    admin_errors = {
        **deps.errors,
        403: {"description": "only an admin may manage integration deliveries"},
        404: {"description": "no dead delivery with that id"},
    }

    def require_admin(who: Any) -> None:
        if getattr(who, "role", None) != "admin":
            raise deps.api_error(403, "forbidden", "only an admin may manage integration deliveries")

    @app.get(
        "/api/v1/admin/integrations/deliveries",
        response_model=None,
        tags=["integrations"],
        responses=admin_errors,
    )
    def list_deliveries(
        who: principal,
        status: str = Query(DEAD, pattern="^(pending|delivered|dead)$"),
        limit: int = Query(100, ge=1, le=1000),
    ) -> JSONResponse:
        require_admin(who)
        with deps.engine.connect() as conn:
            rows = conn.execute(
                sa.select(webhook_deliveries)
                .where(webhook_deliveries.c.status == status)
                .order_by(webhook_deliveries.c.id.desc())
                .limit(limit)
            ).all()
        return JSONResponse({"deliveries": [_delivery(row) for row in rows]})

    @app.post(
        "/api/v1/admin/integrations/deliveries/{delivery_id}/replay",
        response_model=None,
        tags=["integrations"],
        responses=admin_errors,
    )
    def replay_delivery(
        who: principal,
        delivery_id: int = Path(ge=1, le=2**31 - 1),  # the column is a 32-bit integer on PostgreSQL
    ) -> JSONResponse:
        require_admin(who)
        with deps.engine.begin() as conn:
            done = conn.execute(
                webhook_deliveries.update()
                .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == DEAD)
                .values(status=PENDING, attempts=0, next_attempt_at=datetime.now(UTC))
            )
        if done.rowcount != 1:
            raise deps.api_error(404, "not_found", f"no dead delivery {delivery_id}")
        log.info("ticket webhook: delivery %s replayed by %s", delivery_id, getattr(who, "username", "?"))
        return JSONResponse({"id": delivery_id, "status": PENDING})

    @app.post(
        "/api/v1/integrations/tickets/{ticket_id}/actions",
        response_model=None,
        tags=["integrations"],
        responses=SIGNED_RESPONSES,
    )
    async def ticket_action(request: Request, ticket_id: str) -> JSONResponse:
        data = await signed_json(request, settings.ticket_webhook_secret, "ticket system")
        if isinstance(data, JSONResponse):
            return data
        texts = {
            key: data.get(key, "") for key in ("action", "note", "by", "assignee_group", "assignee_agent")
        }
        for key, value in texts.items():
            limit = 2000 if key == "note" else 64
            if not isinstance(value, str) or len(value) > limit:
                return error(
                    422, "validation_error", f"{key} must be a text of at most {limit} characters", key
                )
        return await asyncio.to_thread(_apply_external_action, deps.engine, save_record, ticket_id, texts)

    return sender


def _apply_external_action(
    engine: Engine, save_record: Any, ticket_id: str, texts: dict[str, str]
) -> JSONResponse:
    from central.tickets import RecordInvalid, record_from_row

    token = _from_ticket_system.set(True)
    try:
        with engine.begin() as conn:
            row = conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
            if row is None:
                return error(404, "not_found", f"no ticket {ticket_id}")
            ticket = Ticket.from_dict(record_from_row("ticket", row))
            action = texts["action"]
            if action not in allowed_actions(ticket):
                allowed = ", ".join(allowed_actions(ticket))
                return error(
                    409, "not_allowed", f"{action!r} is not allowed now; allowed: {allowed}", "action"
                )
            for key in ("assignee_group", "assignee_agent"):
                if texts[key]:
                    setattr(ticket, key, texts[key])
            who = f"ticket-system:{texts['by'] or 'external'}"
            try:
                changed = apply_action(ticket, action, who, datetime.now(UTC), texts["note"])
                stored = save_record(conn, "ticket", changed.to_dict())
            except TransitionError as exc:
                return error(409, "not_allowed", str(exc), "action")
            except RecordInvalid as exc:
                first = exc.issues[0]
                return error(422, "validation_error", first.message, first.field)
    finally:
        _from_ticket_system.reset(token)
    return JSONResponse({"id": ticket_id, "status": stored["status"], "version": stored["version"]})
