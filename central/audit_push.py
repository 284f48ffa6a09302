"""Audit events pushed by desktops through the outbox (entity "audit", docs/security.md "Audit").

A desktop records each customer view and each phone reveal it shows from its cache as an outbox
row `{"entity": "audit", "op": "upsert", "id": <event uuid>, "data": {"action": "view"|"reveal",
"customer_id", "call_id", "at"}}`. The server writes it to `audit_events` as the token's user:
the event never needs its user, and one that names a user other than the caller is refused by
central.policy (`rejected`/"forbidden", field `username`, `user_id` or `agent_id`). Audit
events are append-only (no update, no delete) and never enter the change feed. `at` is the
desktop's clock (the view may have happened offline hours ago); `received_at` is the server's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from calldesk_domain.models import parse_ts
from central import policy
from central.tables import audit_events

ENTITY = "audit"
ACTIONS = ("view", "reveal")
# A desktop clock a little ahead is fine; a view "next week" is not.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
_CONTROL = re.compile(r"[\x00-\x1f]")


def event_time(value: object) -> datetime | None:
    """The event's time in UTC, or None if it is not a usable ISO 8601 time (no UTC equivalent,
    before 2000, not text)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = parse_ts(value)
        at = None if parsed is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return at if at is not None and at.year >= 2000 else None


def validate(data: dict[str, Any], now: datetime) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if data.get("action") not in ACTIONS:
        errors.append(("action", f"action must be one of {list(ACTIONS)}"))
    for key, width, required in (("customer_id", 32, True), ("call_id", 64, False)):
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > width or _CONTROL.search(value):
            errors.append((key, f"{key} must be text of at most {width} characters"))
        elif required and not value.strip():
            errors.append((key, f"{key} is required"))
    at = event_time(data.get("at"))
    if at is None:
        errors.append(("at", "at must be an ISO 8601 time"))
    elif at > now + MAX_CLOCK_AHEAD:
        errors.append(("at", "at is in the future"))
    return errors


def apply(conn: Connection, actor: policy.Actor, event_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Record one pushed event as `actor`; returns {status, message, field}. A second push of
    the same event id (another client_id) is answered applied without a second row."""
    now = datetime.now(UTC)
    errors = validate(data, now)
    if errors:
        field, message = errors[0]
        return {"status": "rejected", "message": message, "field": field}
    known = conn.execute(sa.select(audit_events.c.user_id).where(audit_events.c.event_id == event_id)).first()
    if known is not None:
        if known.user_id != actor.user_id:
            return {"status": "rejected", "message": policy.FORBIDDEN, "field": "id"}
        return {"status": "applied", "message": "already recorded", "field": None}
    conn.execute(
        audit_events.insert().values(
            at=event_time(data["at"]),
            user_id=actor.user_id,
            username=actor.username,
            action=data["action"],
            customer_id=data["customer_id"],
            call_id=data.get("call_id") or "",
            source="desktop",
            event_id=event_id,
            received_at=now,
        )
    )
    return {"status": "applied", "message": "", "field": None}
