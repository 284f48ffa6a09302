"""Pushed history records: agent-state intervals, an agent's calls, queue calls (issues #14, #15).

They arrive through POST /api/v1/sync/push like any outbox write (same client_id replay, same
Idempotency-Key), but they are history, not CRM records: no version, no change-feed row (no
desktop replicates another agent's day), and an upsert simply replaces the row it names, so a
re-sent interval or a call pushed again with its wrap-up time changes nothing else.

Who may write what is `central.policy.HISTORY_WRITERS`; an interval or call is stored under the
agent id of the TOKEN (`policy.authorize_history`), so an agent can neither write nor overwrite
another agent's rows: the key it would need is not theirs to choose.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from calldesk_domain.agent_intervals import StateInterval
from calldesk_domain.metrics import Outcome
from central import policy
from central.push import answer, register_handler
from central.tables import agent_calls, agent_intervals, queue_calls

log = logging.getLogger(__name__)

Row = dict[str, Any]
# A day's records only: anything dated before 2000 or after 2100 is a broken clock, not history.
_EARLIEST, _LATEST = 946_684_800.0, 4_102_444_800.0
CALL_TEXT_FIELDS = {
    "direction": 16, "caller": 64, "customer_id": 32, "customer_name": 64, "queue": 64, "outcome": 24,
}  # fmt: skip


class Refused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _epoch(value: Any, field: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused(field, f"{field} must be a time in epoch seconds")
    if not _EARLIEST <= float(value) <= _LATEST:
        raise Refused(field, f"{field} is not a plausible time")
    return float(value)


def _seconds(value: Any, field: str, *, optional: bool) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused(field, f"{field} must be a number of seconds")
    if not 0 <= value <= 86_400 * 2:
        raise Refused(field, f"{field} must be between 0 and 172800 seconds")
    return float(value)


def _text(data: Row, field: str, width: int, *, required: bool = False) -> str | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise Refused(field, f"{field} is required")
        return None if value is None else ""
    if not isinstance(value, str) or len(value) > width or any(ord(c) < 0x20 for c in value):
        raise Refused(field, f"{field} must be text of at most {width} characters")
    return value


def _field_of(message: str) -> str:
    """The field a StateInterval.from_dict message is about (it names it in words)."""
    first = message.split(" ", 1)[0]
    if first in ("start", "end"):
        return first
    if "end before" in message:
        return "end"
    return next((f for f in ("state", "reason") if f in message), "data")


def interval_row(data: Row) -> Row:
    try:
        interval = StateInterval.from_dict(data)
    except ValueError as exc:
        raise Refused(_field_of(str(exc)), str(exc)) from None
    _text(data, "reason", 64)
    _text(data, "call_id", 64)
    start = _epoch(interval.start.timestamp(), "start")
    end = _epoch(interval.end.timestamp(), "end") if interval.end else None
    return {
        "start_ts": start, "end_ts": end, "state": interval.state.value,
        "reason": interval.reason, "call_id": interval.call_id,
    }  # fmt: skip


def call_row(data: Row) -> Row:
    ended = _epoch(data.get("ended_ts"), "ended_ts")
    record: Row = {"ended_ts": ended}
    for field in ("started_ts", "answered_ts"):
        record[field] = _epoch(data.get(field), field, optional=True)
    for field, width in CALL_TEXT_FIELDS.items():
        record[field] = _text(data, field, width)
    if record["direction"] not in (None, "inbound", "outbound"):
        raise Refused("direction", "direction must be inbound or outbound")
    return {"ended_ts": ended, "data": {k: v for k, v in record.items() if v is not None}}


def queue_call_row(data: Row) -> Row:
    outcome = data.get("outcome")
    if outcome is not None and (not isinstance(outcome, str) or outcome not in {o.value for o in Outcome}):
        raise Refused("outcome", f"outcome must be one of {sorted(o.value for o in Outcome)} or null")
    return {
        "queue": _text(data, "queue", 64, required=True),
        "join_ts": _epoch(data.get("join_ts"), "join_ts"),
        "outcome": outcome,
        "wait_s": _seconds(data.get("wait_s"), "wait_s", optional=True),
        "handle_s": _seconds(data.get("handle_s"), "handle_s", optional=True),
        "wrap_s": _seconds(data.get("wrap_s", 0.0), "wrap_s", optional=False),
    }


def _upsert(conn: Connection, table: sa.Table, key: Row, values: Row) -> None:
    where = sa.and_(*(table.c[name] == value for name, value in key.items()))
    if conn.execute(sa.update(table).where(where).values(**values)).rowcount == 0:
        conn.execute(sa.insert(table).values(**key, **values))


def _handler(table: sa.Table, to_row: Callable[[Row], Row], self_keyed: bool) -> Callable[..., Row]:
    def apply(conn: Connection, mutation: Row, actor: policy.Actor) -> Row:
        client_id, entity, record_id = mutation["client_id"], mutation["entity"], mutation["id"]
        data = mutation.get("data")
        decision = policy.authorize_history(actor, entity, mutation.get("op", ""), data)
        if not decision.allowed or decision.data is None:
            log.warning(
                "push: %s %s refused for %s (%s): forbidden %s",
                entity, record_id, actor.username, actor.role, decision.field,
            )  # fmt: skip
            return answer(client_id, "rejected", message=policy.FORBIDDEN, field=decision.field)
        if any(ord(c) < 0x20 for c in record_id):
            return answer(client_id, "rejected", message="id must not contain control characters", field="id")
        if decision.data.get("id", record_id) != record_id:
            return answer(client_id, "rejected", message="data.id differs from the mutation id", field="id")
        try:
            values = to_row(decision.data)
        except Refused as exc:
            return answer(client_id, "rejected", message=str(exc), field=exc.field)
        values["received_at"] = datetime.now(UTC)
        if self_keyed:
            _upsert(conn, table, {"agent_id": actor.agent_id, "id": record_id}, values)
        else:
            _upsert(conn, table, {"id": record_id}, {**values, "reported_by": actor.agent_id})
        return answer(client_id, "applied")

    return apply


HANDLED = {
    "agent_interval": _handler(agent_intervals, interval_row, self_keyed=True),
    "agent_call": _handler(agent_calls, call_row, self_keyed=True),
    "queue_call": _handler(queue_calls, queue_call_row, self_keyed=False),
}
for _name, _apply in HANDLED.items():
    register_handler(_name, _apply)
