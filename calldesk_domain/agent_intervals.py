"""Agent-state intervals: the record behind "how long was 1001 on break today".

Every change of state, reason or call closes the open interval and opens the next. Times come
from events that may be late, replayed or out of order: a change dated before the open interval's
start is dated at that start (never a negative interval), and a repeat of the current state is
ignored.

    log = IntervalLog()
    log.change(t0, AgentState.NOT_READY, "break")
    log.change(t1, AgentState.NOT_READY, "lunch")  # closes break [t0, t1), opens lunch at t1
    log.total(AgentState.NOT_READY, "break", now=t2)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any


class AgentState(enum.StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"
    TALKING = "talking"
    WRAPUP = "wrapup"
    LOGGED_OUT = "logged_out"


@dataclass(frozen=True, slots=True)
class StateInterval:
    start: datetime
    end: datetime | None  # None: still open
    state: AgentState
    reason: str = ""
    call_id: str | None = None

    def duration(self, now: datetime) -> timedelta:
        end = self.end if self.end is not None else max(now, self.start)
        return end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "state": self.state.value,
            "reason": self.reason,
            "call_id": self.call_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StateInterval:
        """A stored interval; ValueError saying what is wrong for anything malformed."""
        if not isinstance(data, Mapping):
            raise ValueError("an interval must be an object")
        start = _aware(data.get("start"), "start")
        end = None if data.get("end") is None else _aware(data.get("end"), "end")
        if end is not None and end < start:
            raise ValueError("an interval cannot end before it starts")
        try:
            state = AgentState(str(data.get("state")))
        except ValueError:
            raise ValueError(f"unknown agent state {str(data.get('state'))[:40]!r}") from None
        reason = data.get("reason") or ""
        call_id = data.get("call_id")
        if not isinstance(reason, str) or not (call_id is None or isinstance(call_id, str)):
            raise ValueError("reason and call_id must be strings")
        return cls(start, end, state, reason, call_id)


def _aware(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} is not an ISO date-time: {value[:40]!r}") from None
    else:
        raise ValueError(f"{name} must be a date-time")
    if moment.tzinfo is None:
        raise ValueError(f"{name} has no time zone")
    return moment


class IntervalLog:
    """One agent's intervals, oldest first; at most the last one is open."""

    def __init__(self, intervals: Iterable[StateInterval] = ()) -> None:
        self._intervals = sorted(intervals, key=lambda i: i.start)
        for earlier in self._intervals[:-1]:
            if earlier.end is None:
                raise ValueError("only the last interval may be open")

    @property
    def intervals(self) -> tuple[StateInterval, ...]:
        return tuple(self._intervals)

    @property
    def current(self) -> StateInterval | None:
        last = self._intervals[-1] if self._intervals else None
        return last if last is not None and last.end is None else None

    def change(
        self, at: datetime, state: AgentState, reason: str = "", call_id: str | None = None
    ) -> StateInterval | None:
        """Record a change at `at`; the interval it closed (to push), or None."""
        _aware(at, "at")
        reason = reason if state is AgentState.NOT_READY else ""
        open_ = self.current
        if open_ is not None and (open_.state, open_.reason, open_.call_id) == (state, reason, call_id):
            return None
        closed = None
        if open_ is not None:
            at = max(at, open_.start)
            closed = replace(open_, end=at)
            self._intervals[-1] = closed
        elif self._intervals and self._intervals[-1].end is not None:
            at = max(at, self._intervals[-1].end)
        self._intervals.append(StateInterval(at, None, state, reason, call_id))
        return closed

    def time_in_state(self, now: datetime) -> timedelta:
        open_ = self.current
        return open_.duration(now) if open_ is not None else timedelta(0)

    def total(
        self,
        state: AgentState,
        reason: str | None = None,
        *,
        now: datetime,
        since: datetime | None = None,
    ) -> timedelta:
        """Time spent in `state` (with `reason`, when given) from `since` up to `now`."""
        spent = timedelta(0)
        for interval in self._intervals:
            if interval.state is not state or (reason is not None and interval.reason != reason):
                continue
            start = max(interval.start, since) if since else interval.start
            end = interval.end if interval.end is not None else now
            end = min(end, now)
            if end > start:
                spent += end - start
        return spent
