"""The supervisor's side of the central history (issue #15).

- `today_calls()`: the queue calls of today the central API holds, so a restarted supervisor
  desktop shows today's totals at once (SupervisorBoard.seed).
- `today_intervals()`: the agents' state intervals of today the central API holds (pushed by the
  agents' own desktops), so the agent grid and an agent's day come back too (SupervisorBoard.seed_agents).
- `report(facts)`: finished queue calls this desktop watched, queued in the outbox as `queue_call`
  records (sent with the next push; the server keeps one row per call, so supervisors watching
  the same floor send the same facts without doubling them). Only new or changed facts are queued.
- `export_day(day, path)`: a day's interval statistics to `path` and the agents' intervals to
  `<stem>-agents.csv` beside it, both as the central API writes them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from calldesk_domain.agent_intervals import AgentState
from calldesk_domain.agent_metrics import Activity, AgentInterval
from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S, Outcome, QueueCall
from calldesk_domain.queue_stats_rows import queue_call_record
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)

ENTITY = "queue_call"


@dataclass(frozen=True, slots=True)
class Exported:
    queue_stats: Path
    agent_intervals: Path


def _number(value: Any, optional: bool = True) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def call_from_wire(data: Any) -> QueueCall:
    """One entry of GET /history/queue-calls; ValueError for anything malformed."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("id"), str)
        or not isinstance(data.get("queue"), str)
    ):
        raise ValueError("a queue call needs a text id and queue")
    outcome = data.get("outcome")
    return QueueCall(
        call_id=data["id"],
        queue=data["queue"],
        join_ts=float(_number(data.get("join_ts"), optional=False) or 0.0),
        outcome=None if outcome is None else Outcome(outcome),
        wait_s=_number(data.get("wait_s")),
        handle_s=_number(data.get("handle_s")),
        wrap_s=_number(data.get("wrap_s"), optional=False) or 0.0,
    )


# the agent's own desktop records AgentState; the board reads Activity
ACTIVITY_OF_STATE = {
    AgentState.READY: Activity.READY,
    AgentState.NOT_READY: Activity.PAUSED,
    AgentState.TALKING: Activity.TALK,
    AgentState.WRAPUP: Activity.WRAP,
    AgentState.LOGGED_OUT: Activity.LOGGED_OUT,
}


def _moment(value: Any, key: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError(f"{key} must be an ISO time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{key} has no time zone")
    return moment.timestamp()


def interval_from_wire(data: Any) -> tuple[AgentInterval, str | None]:
    """One entry of GET /history/agent-intervals, with its call id; ValueError if malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("agent_id"), str) or not data["agent_id"]:
        raise ValueError("an agent interval needs a text agent_id")
    start = _moment(data.get("start"), "start")
    if start is None:
        raise ValueError("an agent interval needs a start")
    end = _moment(data.get("end"), "end")
    if end is not None and end < start:
        raise ValueError("an agent interval ends before it starts")
    reason, call_id = data.get("reason") or "", data.get("call_id")
    if not isinstance(reason, str) or (call_id is not None and not isinstance(call_id, str)):
        raise ValueError("reason and call_id must be text")
    activity = ACTIVITY_OF_STATE[AgentState(str(data.get("state")))]
    return AgentInterval(data["agent_id"][:64], activity, start, end, reason[:64]), call_id


class QueueHistory:
    def __init__(
        self, api: CentralApi, ops: CacheOps, zone_name: str, sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S
    ) -> None:
        self.api = api
        self.ops = ops
        self.zone_name = zone_name
        self.sl_threshold_s = sl_threshold_s
        self._reported: dict[str, QueueCall] = {}

    def _day(self, day: date) -> dict[str, Any]:
        return {"day": day.isoformat(), "tz": self.zone_name}

    async def today_calls(self, day: date) -> list[QueueCall]:
        """Raises ApiError (offline, refused); a malformed entry is logged and skipped."""
        body = await self.api._request("GET", "/api/v1/history/queue-calls", params=self._day(day))
        calls: list[QueueCall] = []
        for entry in body.get("calls") or []:
            try:
                calls.append(call_from_wire(entry))
            except (ValueError, TypeError) as exc:
                log.warning("history: queue call %r skipped: %s", entry, exc)
        for call in calls:  # the server has these: report them again only if they change
            self._reported[call.call_id] = call
        return calls

    async def today_intervals(self, day: date) -> list[tuple[AgentInterval, str | None]]:
        """Raises ApiError (offline, refused); a malformed entry is logged and skipped."""
        body = await self.api._request("GET", "/api/v1/history/agent-intervals", params=self._day(day))
        found: list[tuple[AgentInterval, str | None]] = []
        for entry in body.get("intervals") or []:
            try:
                found.append(interval_from_wire(entry))
            except (ValueError, TypeError, KeyError) as exc:
                log.warning("history: agent interval %r skipped: %s", str(entry)[:200], exc)
        return found

    def changed(self, facts: list[QueueCall]) -> list[QueueCall]:
        return [fact for fact in facts if self._reported.get(fact.call_id) != fact]

    async def report(self, facts: list[QueueCall]) -> int:
        """Queue the new or changed facts for push; returns how many."""
        changed = self.changed(facts)
        if not changed:
            return 0
        await self.ops.run(CacheStore.queue_records, ENTITY, [queue_call_record(c) for c in changed])
        for fact in changed:
            self._reported[fact.call_id] = fact
        return len(changed)

    async def export_day(self, day: date, path: Path) -> Exported:
        """Raises ApiError (offline, refused) or OSError (the file could not be written)."""
        params = {**self._day(day), "sl_threshold_s": self.sl_threshold_s}
        stats = await self.api._request("GET", "/api/v1/history/queue-stats.csv", params=params, as_text=True)
        agents = await self.api._request(
            "GET", "/api/v1/history/agent-intervals.csv", params=self._day(day), as_text=True
        )
        target = path if path.suffix.lower() == ".csv" else path.with_name(path.name + ".csv")
        beside = target.with_name(f"{target.stem}-agents.csv")
        for file, body in ((target, stats), (beside, agents)):
            text = str(body.get("text", ""))
            # newline="": the server's CRLF rows stay as they are; the BOM lets Excel read UTF-8
            file.write_text(
                text if text.startswith("\ufeff") else "\ufeff" + text, encoding="utf-8", newline=""
            )
        log.info("history: %s exported to %s and %s", day, target, beside)
        return Exported(target, beside)


__all__ = ["ApiError", "Exported", "QueueHistory", "call_from_wire", "interval_from_wire"]
