"""Issue #18's hang, as it happened: the notification stream's steps run while Qt processes
events OUTSIDE the loop's run_forever (qasync's own last processEvents, pytest-qt's between a
fixture and its test), then pulls on the same HTTP client must still go through.

These tests drive the loop by hand (no pytest-asyncio): a first run_until_complete starts the
channel, Qt is pumped in between as pytest-qt does, a second run_until_complete pulls."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from desktop.qt_loop import QtLoop
from desktop.services.api import CentralApi
from desktop.services.notifications import FeedChannel


@pytest.fixture
def qt_loop(qapp: QApplication) -> Iterator[QtLoop]:
    loop = QtLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def _pump_qt(app: QApplication, seconds: float) -> None:
    """What pytest-qt (and qasync's run_until_complete) do while the loop is not running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)


def test_callbacks_run_outside_run_forever_see_the_loop_as_running(qt_loop: QtLoop, qapp) -> None:
    seen: list[object] = []

    def probe() -> None:
        seen.append(asyncio._get_running_loop())

    async def arm() -> None:
        qt_loop.call_later(0.2, probe)  # fires after run_until_complete has returned

    qt_loop.run_until_complete(arm())
    assert not seen  # not yet: run_until_complete has returned
    _pump_qt(qapp, 0.6)
    assert seen and seen[0] is qt_loop
    assert asyncio._get_running_loop() is None  # and put back afterwards


def test_pulls_go_through_after_the_stream_was_served_between_two_loop_runs(
    qt_loop: QtLoop, qapp, seeded_central_sqlite, caplog
) -> None:
    central = seeded_central_sqlite
    api = CentralApi(central.url, token=central.token, max_retries=0, timeout=5)
    channel = FeedChannel(api, backoff_base_s=0.1, backoff_cap_s=0.5)
    told: list[int] = []

    async def start() -> None:
        await api.changes(0, 1)  # a pooled connection exists before the stream opens
        channel.start(told.append)

    caplog.set_level(logging.INFO, logger="desktop.services.notifications")
    try:
        qt_loop.run_until_complete(start())
        # The stream connects and its first event (the feed's head) arrives while only Qt runs.
        _pump_qt(qapp, 2.0)

        async def pulls() -> int:
            pages = await asyncio.wait_for(asyncio.gather(*(api.changes(0, 5) for _ in range(4))), timeout=10)
            return len(pages)

        assert qt_loop.run_until_complete(pulls()) == 4

        async def until_told() -> None:
            async with asyncio.timeout(10):
                while not told:
                    await asyncio.sleep(0.02)

        qt_loop.run_until_complete(until_told())
        assert told[0] == central.max_seq()
        assert channel.up and channel.failures == 0
        assert "unexpected error in the channel" not in caplog.text
    finally:
        qt_loop.run_until_complete(channel.stop())
        qt_loop.run_until_complete(api.aclose())
