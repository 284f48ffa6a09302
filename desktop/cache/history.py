"""This desktop's own history (issue #14): agent-state intervals and finished calls.

Each write is one transaction: the row and, for what the central API must learn, its outbox row
(entity `agent_interval` for a closed interval, `agent_call` for a finished call; central/
history_push.py stores them under the agent of the token). The open interval is stored but not
pushed: it is pushed once, closed. Rows are kept a few days so "today" survives a restart, then
pruned (never while their push is still queued).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from desktop.cache import outbox
from desktop.cache.statements import Transaction

INTERVAL_ENTITY = "agent_interval"
CALL_ENTITY = "agent_call"


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _put_interval(conn: sqlite3.Connection, record: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO agent_intervals (id, start_ts, end_ts, data) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET start_ts = excluded.start_ts, end_ts = excluded.end_ts,"
        " data = excluded.data",
        (record["id"], record["start_ts"], record.get("end_ts"), _dumps(record)),
    )


def record_interval_change(
    conn: sqlite3.Connection, closed: dict[str, Any] | None, opened: dict[str, Any] | None
) -> None:
    """Store the interval a change closed (and queue its push) and the one it opened, together.
    Each record is StateInterval.to_dict() plus `id`, `start_ts` and `end_ts` (epoch seconds)."""
    with Transaction(conn):
        if closed is not None:
            _put_interval(conn, closed)
            outbox.enqueue(conn, INTERVAL_ENTITY, closed["id"], "upsert", _wire(closed), None)
        if opened is not None:
            _put_interval(conn, opened)


def _wire(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("start_ts", "end_ts")}


def record_call(conn: sqlite3.Connection, call: dict[str, Any]) -> None:
    """A finished call (`id` = the PBX's call id, `ended_ts`, what "Calls today" shows) and its push."""
    with Transaction(conn):
        conn.execute(
            "INSERT INTO call_log (id, ended_ts, data) VALUES (?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET ended_ts = excluded.ended_ts, data = excluded.data",
            (call["id"], call["ended_ts"], _dumps(call)),
        )
        outbox.enqueue(conn, CALL_ENTITY, call["id"], "upsert", call, None)


def queue_records(conn: sqlite3.Connection, entity: str, records: list[dict[str, Any]]) -> int:
    """Queue pushes of records this desktop keeps no copy of (a supervisor's queue calls)."""
    with Transaction(conn):
        for record in records:
            outbox.enqueue(conn, entity, record["id"], "upsert", record, None)
    return len(records)


def intervals_since(conn: sqlite3.Connection, since_ts: float) -> list[dict[str, Any]]:
    """Intervals still open or ended after `since_ts`, oldest first."""
    rows = conn.execute(
        "SELECT data FROM agent_intervals WHERE end_ts IS NULL OR end_ts > ? ORDER BY start_ts, rowid",
        (since_ts,),
    )
    return [json.loads(row[0]) for row in rows]


def calls_since(conn: sqlite3.Connection, since_ts: float) -> list[dict[str, Any]]:
    """Calls that ended at or after `since_ts`, oldest first."""
    rows = conn.execute("SELECT data FROM call_log WHERE ended_ts >= ? ORDER BY ended_ts, rowid", (since_ts,))
    return [json.loads(row[0]) for row in rows]


def prune_history(conn: sqlite3.Connection, before_ts: float) -> int:
    """Forget intervals and calls that ended before `before_ts` and whose push has gone out."""
    with Transaction(conn):
        gone = conn.execute(
            "DELETE FROM agent_intervals WHERE end_ts IS NOT NULL AND end_ts < ? AND id NOT IN"
            " (SELECT entity_id FROM outbox WHERE entity = ?)",
            (before_ts, INTERVAL_ENTITY),
        ).rowcount
        gone += conn.execute(
            "DELETE FROM call_log WHERE ended_ts < ? AND id NOT IN"
            " (SELECT entity_id FROM outbox WHERE entity = ?)",
            (before_ts, CALL_ENTITY),
        ).rowcount
    return gone
