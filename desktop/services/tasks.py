"""Stopping background tasks at shutdown without ever hanging on one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from desktop.services.ops import CacheUnavailable

log = logging.getLogger(__name__)

STOP_WAIT_S = 3.0


async def cancel_and_wait(
    tasks: Iterable[asyncio.Future[Any]], what: str, timeout: float = STOP_WAIT_S
) -> None:
    """Cancel `tasks` and wait up to `timeout` for them to end. A task still running then (one
    awaiting a worker-thread result that cancellation cannot interrupt) is left behind and logged:
    a desktop that is closing must not wait on it for ever."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return
    done, still = await asyncio.wait(pending, timeout=timeout)
    for task in done:
        if not task.cancelled():
            task.exception()  # retrieved: a failure while stopping is not worth a warning
    if still:
        log.warning("%s: %d task(s) did not stop within %.0f s; left behind", what, len(still), timeout)


class CacheWrites:
    """Cache writes a desk starts and does not wait for (history, missed calls): each runs as a
    task; a CacheUnavailable is logged and handed to `on_error(message)` (the desk's banner)."""

    def __init__(self, what: str, on_error: Callable[[str], object]) -> None:
        self.what = what
        self.on_error = on_error
        self._tasks: set[asyncio.Future[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        async def guarded() -> None:
            try:
                await coro
            except CacheUnavailable as exc:
                log.error("%s not stored: %s", self.what, exc)
                self.on_error(str(exc))

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self, wait_s: float = STOP_WAIT_S) -> None:
        """Let queued writes finish (briefly), then drop what is left."""
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=wait_s)
        await cancel_and_wait(list(self._tasks), self.what)
