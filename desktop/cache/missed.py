"""Missed calls of the agent's queues (issue #14), kept so a restart keeps the list and the
unseen count. Local only: the queue events reach every desktop of the queue, and "seen" is this
agent's own mark. A call is stored once; a replayed event never clears its seen mark.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from desktop.cache.statements import Transaction


def record_missed(conn: sqlite3.Connection, record: dict[str, Any]) -> bool:
    """Store one missed call (`id`, `ended_ts`, the rest as listed); False if already stored."""
    with Transaction(conn):
        cursor = conn.execute(
            "INSERT INTO missed_calls (id, ended_ts, seen_ts, data) VALUES (?, ?, NULL, ?)"
            " ON CONFLICT(id) DO NOTHING",
            (record["id"], record["ended_ts"], json.dumps(record, ensure_ascii=False, separators=(",", ":"))),
        )
        return cursor.rowcount > 0


def mark_missed_seen(conn: sqlite3.Connection, call_ids: Iterable[str], seen_ts: float) -> int:
    """Mark calls seen (those not seen yet); how many changed."""
    ids = list(call_ids)
    with Transaction(conn):
        return sum(
            conn.execute(
                "UPDATE missed_calls SET seen_ts = ? WHERE id = ? AND seen_ts IS NULL", (seen_ts, call_id)
            ).rowcount
            for call_id in ids
        )


def missed_since(conn: sqlite3.Connection, since_ts: float, unseen_since_ts: float) -> list[dict[str, Any]]:
    """Calls that ended at or after `since_ts`, and unseen ones since `unseen_since_ts`, oldest
    first; each is its stored record with `seen` (bool)."""
    rows = conn.execute(
        "SELECT data, seen_ts FROM missed_calls WHERE ended_ts >= ? OR (seen_ts IS NULL AND ended_ts >= ?)"
        " ORDER BY ended_ts, rowid",
        (since_ts, unseen_since_ts),
    )
    return [{**json.loads(data), "seen": seen_ts is not None} for data, seen_ts in rows]


def prune_missed(conn: sqlite3.Connection, before_ts: float) -> int:
    with Transaction(conn):
        return conn.execute("DELETE FROM missed_calls WHERE ended_ts < ?", (before_ts,)).rowcount
