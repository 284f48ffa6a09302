"""Stopping never hangs on a task that cancellation cannot interrupt."""

from __future__ import annotations

import asyncio
import logging
import time

from desktop.services.tasks import cancel_and_wait


async def test_a_task_that_ignores_cancel_is_left_behind_and_logged(caplog) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:  # like a lookup awaiting a worker thread's answer
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    async def polite() -> None:
        await asyncio.sleep(60)

    tasks = [asyncio.ensure_future(stubborn()), asyncio.ensure_future(polite())]
    await asyncio.sleep(0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        await cancel_and_wait(tasks, "test desk", timeout=0.3)
    assert time.monotonic() - started < 2.0
    assert tasks[1].cancelled() and not tasks[0].done()
    assert "test desk: 1 task(s) did not stop" in caplog.text
    release.set()
    await tasks[0]


async def test_finished_and_failed_tasks_stop_quietly(caplog) -> None:
    async def fails() -> None:
        raise RuntimeError("boom")

    task = asyncio.ensure_future(fails())
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING):
        await cancel_and_wait([task], "quiet")
    assert "quiet" not in caplog.text


async def test_cache_writes_report_a_refused_write_and_flush_drops_a_stuck_one() -> None:
    from desktop.services.ops import CacheUnavailable
    from desktop.services.tasks import CacheWrites

    shown: list[str] = []
    writes = CacheWrites("missed calls", shown.append)
    done: list[str] = []

    async def refused() -> None:
        raise CacheUnavailable("The local cache could not be written (disk full).")

    async def quick() -> None:
        done.append("quick")

    async def stuck() -> None:
        await asyncio.sleep(3600)

    writes.spawn(refused())
    writes.spawn(quick())
    writes.spawn(stuck())
    loop = asyncio.get_running_loop()
    started = loop.time()
    await writes.flush(wait_s=0.2)
    assert loop.time() - started < 5.0
    assert shown == ["The local cache could not be written (disk full)."] and done == ["quick"]
