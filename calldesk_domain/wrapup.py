"""After-call work as a countdown with an injectable clock.

The countdown runs to an absolute deadline (epoch seconds), so a desktop restarted mid-wrap-up
resumes the time that was left (`WrapupCountdown.resume(stored, clock)`). When the time is up,
or the agent ends early, the agent goes Ready, unless the contact log is required and unsaved:
then the wrap-up waits for the log (the existing rule).

    countdown = WrapupCountdown.start("c1", policy.seconds_for("sales"), clock, log_required=True)
    countdown.extend(30); countdown.end_early(); countdown.outcome()
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]
MAX_WRAPUP_S = 3600


class WrapupOutcome(enum.StrEnum):
    COUNTING = "counting"
    GO_READY = "go_ready"  # time is up (or ended early) and nothing stops the agent going Ready
    WAIT_FOR_LOG = "wait_for_log"  # time is up, but the required contact log is not saved


@dataclass(frozen=True, slots=True)
class WrapupPolicy:
    """Wrap-up seconds: the queue's own setting, else the PBX's wrapuptime, else the default."""

    default_seconds: int = 30
    per_queue: Mapping[str, int] = field(default_factory=dict)
    extend_seconds: int = 30

    def seconds_for(self, queue: str | None, pbx_wrapuptime: int | None = None) -> int:
        if queue is not None and queue in self.per_queue:
            return _bounded(self.per_queue[queue])
        if pbx_wrapuptime is not None and pbx_wrapuptime > 0:
            return _bounded(pbx_wrapuptime)
        return _bounded(self.default_seconds)

    @classmethod
    def from_settings(cls, default_seconds: Any, per_queue: Any) -> WrapupPolicy:
        """From settings values; ValueError naming the bad entry."""
        default = _seconds(default_seconds, "wrap-up seconds")
        queues: dict[str, int] = {}
        if per_queue is not None:
            if not isinstance(per_queue, Mapping):
                raise ValueError("wrap-up seconds per queue must be a table of queue: seconds")
            for queue, seconds in per_queue.items():
                if not isinstance(queue, str) or not queue.strip():
                    raise ValueError("a queue name in the wrap-up table is empty")
                queues[queue] = _seconds(seconds, f"wrap-up seconds of queue {queue[:40]!r}")
        return cls(default, queues)


def _seconds(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WRAPUP_S:
        raise ValueError(f"{what} must be a whole number from 0 to {MAX_WRAPUP_S}, not {value!r}")
    return value


def _bounded(seconds: int) -> int:
    return max(0, min(int(seconds), MAX_WRAPUP_S))


@dataclass(frozen=True, slots=True)
class StoredWrapup:
    """What survives a restart."""

    call_id: str
    deadline: float
    log_required: bool
    log_saved: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "deadline": self.deadline,
            "log_required": self.log_required,
            "log_saved": self.log_saved,
        }

    @classmethod
    def from_dict(cls, data: Any) -> StoredWrapup:
        if not isinstance(data, Mapping):
            raise ValueError("a stored wrap-up must be an object")
        call_id, deadline = data.get("call_id"), data.get("deadline")
        if not isinstance(call_id, str) or not call_id:
            raise ValueError("a stored wrap-up has no call id")
        if isinstance(deadline, bool) or not isinstance(deadline, int | float) or not math.isfinite(deadline):
            raise ValueError(f"a stored wrap-up's deadline is not a time: {deadline!r}")
        flags = data.get("log_required"), data.get("log_saved")
        if not all(isinstance(flag, bool) for flag in flags):
            raise ValueError("a stored wrap-up's log flags must be true or false")
        return cls(call_id, float(deadline), bool(flags[0]), bool(flags[1]))


class WrapupCountdown:
    def __init__(
        self, call_id: str, deadline: float, clock: Clock, log_required: bool, log_saved: bool = False
    ) -> None:
        self.call_id = call_id
        self.deadline = deadline
        self.log_required = log_required
        self.log_saved = log_saved
        self._clock = clock

    @classmethod
    def start(cls, call_id: str, seconds: int, clock: Clock, log_required: bool) -> WrapupCountdown:
        return cls(call_id, clock() + _bounded(seconds), clock, log_required)

    @classmethod
    def resume(cls, stored: StoredWrapup, clock: Clock) -> WrapupCountdown:
        """After a restart: the time left to the stored deadline (none, if it has passed)."""
        now = clock()
        deadline = min(stored.deadline, now + MAX_WRAPUP_S)  # a deadline far ahead is not trusted
        return cls(stored.call_id, deadline, clock, stored.log_required, stored.log_saved)

    def stored(self) -> StoredWrapup:
        return StoredWrapup(self.call_id, self.deadline, self.log_required, self.log_saved)

    def remaining(self) -> float:
        return max(0.0, self.deadline - self._clock())

    def remaining_seconds(self) -> int:
        """Whole seconds left, rounded up: shows 1 until the very end, 0 only when time is up."""
        return math.ceil(self.remaining())

    def extend(self, seconds: int) -> None:
        """More time, counted from now if the countdown had already run out."""
        now = self._clock()
        self.deadline = min(max(self.deadline, now) + _bounded(seconds), now + MAX_WRAPUP_S)

    def end_early(self) -> None:
        self.deadline = min(self.deadline, self._clock())

    def mark_log_saved(self) -> None:
        self.log_saved = True

    def outcome(self) -> WrapupOutcome:
        if self.remaining() > 0:
            return WrapupOutcome.COUNTING
        if self.log_required and not self.log_saved:
            return WrapupOutcome.WAIT_FOR_LOG
        return WrapupOutcome.GO_READY
