"""A day of central history, read back (issue #15): agent intervals, queue calls, and the per-queue
15-minute statistics computed from those calls by the same pure functions as the live panel and
`calldesk cti stats` (calldesk_domain.metrics, calldesk_domain.queue_stats_rows).

A day is the centre's calendar day in the time zone the caller names (local midnight to the next
local midnight, so a DST day is 23 or 25 hours). A call counts in the day it entered the queue; an
interval counts with the part of it inside the day.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from calldesk_domain.metrics import Outcome, QueueCall
from calldesk_domain.queue_stats_rows import STATS_KEYS, stats_rows
from central.tables import agent_intervals, queue_calls

INTERVAL_KEYS = ("agent_id", "start", "end", "state", "reason", "call_id", "seconds_in_day")


FIRST_YEAR, LAST_YEAR = 1971, 2100  # outside: a day with no history (no platform trouble with epochs)


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    zone: tzinfo

    @property
    def possible(self) -> bool:
        return FIRST_YEAR <= self.day.year <= LAST_YEAR

    @property
    def start_ts(self) -> float:
        return datetime.combine(self.day, time(0), self.zone).timestamp()

    @property
    def end_ts(self) -> float:
        return datetime.combine(self.day + timedelta(days=1), time(0), self.zone).timestamp()


def day_queue_calls(conn: Connection, day: Day) -> list[QueueCall]:
    if not day.possible:
        return []
    rows = conn.execute(
        sa.select(queue_calls)
        .where(queue_calls.c.join_ts >= day.start_ts, queue_calls.c.join_ts < day.end_ts)
        .order_by(queue_calls.c.join_ts, queue_calls.c.id)
    )
    return [
        QueueCall(
            call_id=row.id,
            queue=row.queue,
            join_ts=row.join_ts,
            outcome=Outcome(row.outcome) if row.outcome else None,
            wait_s=row.wait_s,
            handle_s=row.handle_s,
            wrap_s=row.wrap_s,
        )
        for row in rows
    ]


def day_queue_stats(
    conn: Connection, day: Day, sl_threshold_s: float, short_abandon_s: float | None
) -> list[dict[str, Any]]:
    return stats_rows(day_queue_calls(conn, day), day.zone, sl_threshold_s, short_abandon_s)


def day_intervals(conn: Connection, day: Day, agent: str | None, now: float) -> list[dict[str, Any]]:
    """Every interval overlapping the day, by agent then start; `seconds_in_day` is the part of it
    inside the day (an open interval counts up to `now`)."""
    if not day.possible:
        return []
    table = agent_intervals
    query = sa.select(table).where(
        table.c.start_ts < day.end_ts, sa.or_(table.c.end_ts.is_(None), table.c.end_ts > day.start_ts)
    )
    if agent:
        query = query.where(table.c.agent_id == agent)
    found: list[dict[str, Any]] = []
    for row in conn.execute(query.order_by(table.c.agent_id, table.c.start_ts, table.c.id)):
        end = row.end_ts if row.end_ts is not None else now
        inside = max(0.0, min(end, day.end_ts) - max(row.start_ts, day.start_ts))
        found.append(
            {
                "agent_id": row.agent_id,
                "id": row.id,
                "start": datetime.fromtimestamp(row.start_ts, day.zone).isoformat(),
                "end": None
                if row.end_ts is None
                else datetime.fromtimestamp(row.end_ts, day.zone).isoformat(),
                "state": row.state,
                "reason": row.reason,
                "call_id": row.call_id,
                "seconds_in_day": round(inside, 3),
            }
        )
    return found


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is written as text (a reason is agent-typed)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(keys), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in keys})
    return out.getvalue()


STATS_CSV_KEYS = STATS_KEYS[1:]  # "kind" says nothing in a file of one kind
