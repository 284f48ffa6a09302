"""This agent's history (issue #14): state intervals and finished calls, stored in the local cache
(on the worker thread, through CacheOps) and pushed to the central API through the outbox.

`AgentHistory.change(...)` follows IntervalLog: a change of state, reason or call closes the open
interval (stored and queued for push) and opens the next (stored, pushed once closed). `load_today`
reads back today's intervals (the open one included: the PBX kept the agent's state while the
desktop was away, so the next change closes it) and calls, on the centre's clock.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calldesk_domain.agent_intervals import AgentState, IntervalLog, StateInterval
from desktop.cache.store import CacheStore
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)

KEEP_DAYS = 7  # local rows older than this (and already pushed) are pruned at start


@dataclass(frozen=True, slots=True)
class TodayCall:
    """A finished call as "Calls today" lists it (and as it is pushed: entity agent_call)."""

    call_id: str
    ended_ts: float
    direction: str = "inbound"  # inbound | outbound
    caller: str = ""  # the number as shown (empty: withheld)
    customer_id: str | None = None
    customer_name: str | None = None
    queue: str | None = None
    answered_ts: float | None = None
    outcome: str = "ended"

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": self.call_id, "ended_ts": self.ended_ts, "direction": self.direction,
            "caller": self.caller, "outcome": self.outcome,
        }  # fmt: skip
        for key in ("customer_id", "customer_name", "queue", "answered_ts"):
            value = getattr(self, key)
            if value is not None:
                record[key] = value
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> TodayCall:
        def text(key: str) -> str | None:
            value = record.get(key)
            return value if isinstance(value, str) else None

        answered = record.get("answered_ts")
        return cls(
            call_id=str(record["id"]),
            ended_ts=float(record["ended_ts"]),
            direction=text("direction") or "inbound",
            caller=text("caller") or "",
            customer_id=text("customer_id"),
            customer_name=text("customer_name"),
            queue=text("queue"),
            answered_ts=float(answered) if isinstance(answered, int | float) else None,
            outcome=text("outcome") or "ended",
        )


def _record(interval_id: str, interval: StateInterval) -> dict[str, Any]:
    return {
        **interval.to_dict(),
        "id": interval_id,
        "start_ts": interval.start.timestamp(),
        "end_ts": None if interval.end is None else interval.end.timestamp(),
    }


def centre_zone(name: str, fallback: str = "Asia/Shanghai") -> tzinfo:
    """The centre's time zone (settings `timezone`); an unknown name is logged and `fallback` used
    (the supervisor desk names the problem in its start-up notice)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        log.warning("time zone %r unknown (%s); days are counted in %s", name, exc, fallback)
        return ZoneInfo(fallback)


def local_midnight(ts: float, zone: tzinfo) -> float:
    moment = datetime.fromtimestamp(ts, zone)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class AgentHistory:
    def __init__(self, ops: CacheOps, zone: tzinfo, clock: Callable[[], float] = time.time) -> None:
        self.ops = ops
        self.zone = zone
        self.clock = clock
        self.log = IntervalLog()
        self._open_id: str | None = None

    async def load_today(self) -> list[TodayCall]:
        """Today's intervals into `self.log`; today's calls, oldest first. Bad rows are logged
        and skipped (a damaged row costs that row, not the day)."""
        now = self.clock()
        midnight = local_midnight(now, self.zone)
        await self.ops.run(CacheStore.prune_history, now - KEEP_DAYS * 86_400)
        rows = await self.ops.run(CacheStore.intervals_since, midnight)
        intervals: list[StateInterval] = []
        open_id: str | None = None
        for row in rows:
            try:
                interval = StateInterval.from_dict(row)
            except ValueError as exc:
                log.warning("stored interval %s skipped: %s", row.get("id"), exc)
                continue
            if interval.end is None:
                if open_id is not None:  # only the newest may stay open: an older one ended here
                    intervals[-1] = StateInterval(intervals[-1].start, interval.start, *_rest(intervals[-1]))
                open_id = str(row.get("id"))
            intervals.append(interval)
        self.log = IntervalLog(intervals)
        self._open_id = open_id if self.log.current is not None else None
        calls: list[TodayCall] = []
        for record in await self.ops.run(CacheStore.calls_since, midnight):
            try:
                calls.append(TodayCall.from_record(record))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("stored call %s skipped: %s", record.get("id"), exc)
        log.info("history: %d intervals and %d calls of today reloaded", len(intervals), len(calls))
        return calls

    def change(
        self, at: float, state: AgentState, reason: str = "", call_id: str | None = None
    ) -> tuple[dict[str, Any] | None, dict[str, Any]] | None:
        """Apply a change to the log: (closed record or None, opened record), or None for a
        repeat. Pure bookkeeping; `store` writes it."""
        moment = datetime.fromtimestamp(at, self.zone)
        before = self.log.current
        closed = self.log.change(moment, state, reason, call_id)
        opened = self.log.current
        if opened is None or opened is before:
            return None
        closed_record = None if closed is None else _record(self._open_id or str(uuid.uuid4()), closed)
        self._open_id = str(uuid.uuid4())
        return closed_record, _record(self._open_id, opened)

    async def store(self, change: tuple[dict[str, Any] | None, dict[str, Any]]) -> None:
        await self.ops.run(CacheStore.record_interval_change, change[0], change[1])

    async def record_call(self, call: TodayCall) -> None:
        await self.ops.run(CacheStore.record_call, call.to_record())

    def total(self, state: AgentState, reason: str | None = None) -> timedelta:
        """Time in `state` today (with `reason`, when given), up to now."""
        now = datetime.fromtimestamp(self.clock(), self.zone)
        since = datetime.fromtimestamp(local_midnight(now.timestamp(), self.zone), self.zone)
        return self.log.total(state, reason, now=now, since=since)


def _rest(interval: StateInterval) -> tuple[AgentState, str, str | None]:
    return interval.state, interval.reason, interval.call_id
