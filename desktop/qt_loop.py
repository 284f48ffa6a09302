"""The asyncio loop on the Qt thread: qasync's, made to be the running loop whenever it runs code.

asyncio's own loops run callbacks only inside `run_forever`, where the loop is the thread's
*running* loop; asyncio.get_running_loop(), asyncio.current_task(), asyncio.timeout(), sniffio and
anyio (so httpx/httpcore) all rely on that. qasync runs every callback (task steps, socket
readiness, timers) from Qt's event dispatcher, and sets the running loop only for the span of its
own `run_forever`. Qt events are processed outside that span too: qasync's `run_until_complete`
runs `processEvents()` once more after `run_forever` has cleared the running loop, pytest-qt runs
`processEvents()` between a fixture's set-up and the test, and anything else that pumps Qt while
the loop is not running does the same. A task step dispatched there finds no running loop.

That is issue #18's hang: the feed notification stream is always mid-read, so its step was the
one that ran in such a gap. anyio raised "no running event loop" inside httpcore (a CancelScope
or Lock leaving its critical section calls current_task()), after httpcore had taken the
connection's anyio Lock and before it released it; the lock stayed owned by a task forever and
every later request routed to that connection of the shared pool (`/sync/changes` pulls) waited
on it for ever, with the server idle. See docs/sync-protocol.md "The notification channel on the
Qt loop".

`QtLoop` restores asyncio's invariant: every callback it dispatches runs with this loop as the
running loop (and the previous one, normally none or this one, put back after).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync


class _RunningLoopHandle(asyncio.Handle):
    """A callback that runs with its loop as the thread's running loop, wherever Qt calls it."""

    __slots__ = ()

    def _run(self) -> None:
        loop = self._loop  # type: ignore[attr-defined]
        previous = asyncio._get_running_loop()
        if previous is loop:
            super()._run()
            return
        asyncio._set_running_loop(loop)
        try:
            super()._run()
        finally:
            asyncio._set_running_loop(previous)


class QtLoop(qasync.QEventLoop):
    """qasync.QEventLoop whose callbacks always see it as the running loop (module docstring)."""

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        if asyncio.iscoroutinefunction(callback):
            raise TypeError("coroutines cannot be used with call_later")
        if not callable(callback):
            raise TypeError(f"callback must be callable: {type(callback).__name__}")
        handle = _RunningLoopHandle(callback, args, self, context=context)
        return self._add_callback(handle, delay)
