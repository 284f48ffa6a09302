"""Stopping background tasks at shutdown without ever hanging on one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

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
