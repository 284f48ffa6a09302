"""The supervisor's side of the central history (issue #15).

- `today_calls()`: the queue calls of today the central API holds, so a restarted supervisor
  desktop shows today's totals at once (SupervisorBoard.seed).
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
from datetime import date
from pathlib import Path
from typing import Any

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


__all__ = ["ApiError", "Exported", "QueueHistory", "call_from_wire"]
