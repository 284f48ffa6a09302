"""Missed calls of the agent's queues, from queue events (docs/cti-protocol.md).

`queue.abandon` (the caller hung up while waiting) and `queue.timeout` (the queue gave up) make a
missed call, with the time the caller waited. Events are wire dicts and may be hostile, late or
replayed: a malformed one is rejected with a ValueError, a replay of a call already listed changes
nothing (and keeps its seen flag), and events of other queues are ignored.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

MAX_TEXT = 256
MAX_WAIT_S = 7 * 24 * 3600


class MissedCause(enum.StrEnum):
    ABANDONED = "abandoned"  # the caller hung up while waiting
    UNANSWERED = "unanswered"  # the queue gave up (timeout, empty, full)


@dataclass(frozen=True, slots=True)
class MissedCall:
    call_id: str
    queue: str
    caller: str | None  # None: withheld
    ended_at: float  # epoch seconds
    wait_s: float
    cause: MissedCause
    seen: bool = False

    def to_record(self) -> dict[str, Any]:
        """As stored (the seen mark is kept apart, by whoever stores it)."""
        return {
            "id": self.call_id, "queue": self.queue, "caller": self.caller,
            "ended_ts": self.ended_at, "wait_s": self.wait_s, "cause": self.cause.value,
        }  # fmt: skip

    @classmethod
    def from_record(cls, record: Any) -> MissedCall:
        """A stored record back (with `seen`); ValueError for anything malformed."""
        if not isinstance(record, Mapping):
            raise ValueError("a stored missed call must be an object")
        call_id = _text(record, "id", required=True)
        queue = _text(record, "queue", required=True)
        assert call_id is not None and queue is not None
        try:
            cause = MissedCause(str(record.get("cause")))
        except ValueError:
            raise ValueError(f"unknown cause {str(record.get('cause'))[:40]!r}") from None
        wait = _number(record, "wait_s", 0.0)
        return cls(
            call_id,
            queue,
            _text(record, "caller", required=False),
            _number(record, "ended_ts", None),
            min(max(wait, 0.0), MAX_WAIT_S),
            cause,
            record.get("seen") is True,
        )


CAUSES = {"queue.abandon": MissedCause.ABANDONED, "queue.timeout": MissedCause.UNANSWERED}


def _text(event: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = event.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"a queue event needs {key!r}")
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"{key!r} must be a string of at most {MAX_TEXT} characters")
    return value


def _number(event: Mapping[str, Any], key: str, default: float | None) -> float:
    value = event.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key!r} must be a number, not {str(value)[:40]!r}")
    return float(value)


class MissedCalls:
    def __init__(self, my_queues: Collection[str] | None = None) -> None:
        self.my_queues = None if my_queues is None else frozenset(my_queues)
        self._calls: dict[str, MissedCall] = {}
        # call id -> when it joined and who called (an abandon may carry neither)
        self._joined: dict[str, tuple[float, str | None]] = {}

    def feed(self, event: Any) -> MissedCall | None:
        """Take one queue event; the missed call it added, else None. ValueError if malformed."""
        if not isinstance(event, Mapping):
            raise ValueError("a queue event must be an object")
        kind = event.get("type")
        if kind not in CAUSES and kind not in ("queue.join", "queue.leave"):
            return None
        call_id = _text(event, "call_id", required=True)
        queue = _text(event, "queue", required=True)
        assert call_id is not None and queue is not None
        if self.my_queues is not None and queue not in self.my_queues:
            return None
        ts = _number(event, "ts", None)
        if kind == "queue.join":
            self._joined.setdefault(call_id, (ts, _text(event, "caller", required=False)))
            return None
        joined_at, joined_caller = self._joined.pop(call_id, (None, None))
        if kind == "queue.leave" or call_id in self._calls:
            return None
        wait = _number(event, "wait_s", ts - joined_at if joined_at is not None else 0.0)
        missed = MissedCall(
            call_id,
            queue,
            _text(event, "caller", required=False) or joined_caller,
            ts,
            min(max(wait, 0.0), MAX_WAIT_S),
            CAUSES[kind],
        )
        self._calls[call_id] = missed
        return missed

    def restore(self, calls: Iterable[MissedCall]) -> int:
        """Calls stored before a restart back into the list (a call listed already stays as it
        is); how many were added."""
        added = 0
        for call in calls:
            if self.my_queues is not None and call.queue not in self.my_queues:
                continue
            if call.call_id not in self._calls:
                self._calls[call.call_id] = call
                added += 1
        return added

    def calls(self) -> list[MissedCall]:
        """Newest first."""
        return sorted(self._calls.values(), key=lambda call: call.ended_at, reverse=True)

    def unseen_count(self) -> int:
        return sum(1 for call in self._calls.values() if not call.seen)

    def mark_seen(self, call_id: str) -> bool:
        call = self._calls.get(call_id)
        if call is None or call.seen:
            return False
        self._calls[call_id] = replace(call, seen=True)
        return True

    def mark_all_seen(self) -> int:
        changed = [call_id for call_id, call in self._calls.items() if not call.seen]
        for call_id in changed:
            self.mark_seen(call_id)
        return len(changed)
