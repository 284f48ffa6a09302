"""How the bridge's lines leave: per-desktop write batching and the supervisors' coalesced feed.

At 2,000 desktops and 200 calls/s the bridge's CPU went to one `send()` system call per line per
desktop (profiled: about half the event path), most of them to supervisors, who get every call,
queue and agent event of the floor (~1,400 lines/s each, over a desktop's 500 events/s budget).

- `Outbox`: every line for one desktop in one event-loop iteration leaves in one write, at the end
  of that iteration (no timer, no added wait beyond the iteration).
- `SupervisorFeed`: what every supervisor must see is the same for all of them, so it is collected
  once, coalesced and sent as one `{"type":"batch","events":[...]}` line per feed tick, encoded once
  for every supervisor. Within a tick only superseded state is coalesced (the latest `agent.state`
  / `agent.pause` per agent, the latest `queue.stats` per queue); call and queue lifecycle events
  are all kept, in order, because the queue figures (service level, ASA, abandons) count each one.
  A tick is at most `interval_s` after the first event waiting in it, so a supervisor's picture is
  never older than that, and there are at most 1/interval_s batch lines a second per supervisor.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

MAX_BATCH_EVENTS = 1000  # one batch line stays far under a desktop's 1 MiB line limit

_COALESCED = {"agent.state": "agent", "agent.pause": "agent", "queue.stats": "queue"}


class Writer(Protocol):
    def write_now(self, data: bytes, lines: int) -> None: ...


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class Outbox:
    """Lines queued per desktop during one loop iteration, written with one call at its end."""

    def __init__(self) -> None:
        self._pending: dict[Writer, list[bytes]] = {}
        self._scheduled = False

    def put(self, session: Writer, data: bytes) -> None:
        chunks = self._pending.get(session)
        if chunks is not None:
            chunks.append(data)
            return
        self._pending[session] = [data]
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def take(self, session: Writer) -> None:
        """Write what waits for `session` now (before a line that must follow it in order)."""
        chunks = self._pending.pop(session, None)
        if chunks:
            session.write_now(b"".join(chunks), len(chunks))

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, {}
        for session, chunks in pending.items():
            session.write_now(chunks[0] if len(chunks) == 1 else b"".join(chunks), len(chunks))


class SupervisorFeed:
    """One coalesced stream for every supervisor: `add` events, batches go to `recipients()`."""

    def __init__(self, recipients: Callable[[], Iterable[Writer]], interval_s: float = 0.01) -> None:
        self._recipients = recipients
        self.interval_s = interval_s
        self._events: list[dict[str, Any] | None] = []
        self._slot: dict[tuple[str, str], int] = {}  # coalescing key -> index in _events
        self._handle: asyncio.TimerHandle | asyncio.Handle | None = None
        self._last_flush = 0.0
        self.batches = 0
        self.events_in = 0
        self.coalesced = 0  # superseded state events never sent

    def add(self, message: dict[str, Any]) -> None:
        self.events_in += 1
        field = _COALESCED.get(message.get("type", ""))
        if field is not None:
            key = (message["type"], str(message.get(field, "")))
            earlier = self._slot.get(key)
            if earlier is not None:
                self._events[earlier] = None
                self.coalesced += 1
            self._slot[key] = len(self._events)
        self._events.append(message)
        if len(self._events) >= MAX_BATCH_EVENTS:
            self.flush()
        elif self._handle is None:
            loop = asyncio.get_running_loop()
            wait = self._last_flush + self.interval_s - time.monotonic()
            self._handle = loop.call_later(wait, self.flush) if wait > 0 else loop.call_soon(self.flush)

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._last_flush = time.monotonic()
        events = [e for e in self._events if e is not None]
        self._events, self._slot = [], {}
        if not events:
            return
        recipients = list(self._recipients())
        if not recipients:
            return
        self.batches += 1
        data = encode({"type": "batch", "ts": time.time(), "events": events})
        for session in recipients:
            session.write_now(data, len(events))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._events, self._slot = [], {}
