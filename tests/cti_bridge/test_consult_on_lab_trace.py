"""Attended transfer from the call bar, on what the real Asterisk 22 sent (tests/traces/ami-lab/
attended_transfer.ami): right after the AMI Atxfer the PBX reports a Hold on the agent's call.
On the lab the bar then left "consulting" for "held": Cancel, Complete, Swap and Conference were
disabled and the agent could only consult again (a second Atxfer). The consult must survive the
PBX's Hold (and a swap's Unhold) until the PBX or the agent ends it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from calldesk_domain.call_controls import CallPhase, Control
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi

from .bridge_rig import Rig, start_rig
from .lab_replay import event_frames

pytestmark = pytest.mark.timeout(90)
HOLD = b"Event: Hold\r\n"


async def _until(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def rig(seeded_central_sqlite: Any) -> AsyncIterator[Rig]:
    the_rig = await start_rig(seeded_central_sqlite.url)
    yield the_rig
    await the_rig.close()


def _split_at_first_hold(frames: bytes) -> tuple[bytes, bytes]:
    """(the frames before Asterisk's Hold, the Hold frame itself)."""
    start = frames.index(HOLD)
    end = frames.index(b"\r\n\r\n", start) + 4
    return frames[:start], frames[start:end]


async def test_the_pbx_hold_after_atxfer_keeps_the_consult(
    seeded_central_sqlite: Any, rig: Rig, tmp_path: Path, qtbot: Any
) -> None:
    api = CentralApi(seeded_central_sqlite.url)
    login = await api.login("1001", "demo")
    settings = Settings(
        central_url=seeded_central_sqlite.url,
        username="1001",
        cache_path=str(tmp_path / "cache.sqlite3"),
        cti_port=0,
        cti_source="bridge",
        cti_bridge_address=f"127.0.0.1:{rig.bridge.port}",
        cti_bridge_tls=False,
    )
    runtime = DesktopApp(settings, api, login, cti_token="t")
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=False)
    try:
        bar = runtime.calls.bar
        await _until(lambda: runtime.cti.bridge is not None and runtime.cti.bridge.connected)
        before, hold = _split_at_first_hold(event_frames("attended_transfer"))
        await rig.push(before)  # the queue call rings 1001 and is answered
        await _until(lambda: bar.phase is CallPhase.TALKING)
        qtbot.mouseClick(bar.buttons[Control.CONSULT], Qt.MouseButton.LeftButton)
        bar.picker.targetChosen.emit("2001")
        await _until(lambda: bool(rig.ami.actions_named("Atxfer")))
        await _until(lambda: bar.phase is CallPhase.CONSULTING)
        await rig.push(hold)  # what Asterisk sent next
        await _until(lambda: runtime.session.calls()[0].state == "held")
        await asyncio.sleep(0.2)
        assert bar.phase is CallPhase.CONSULTING
        for control in (Control.CONSULT_CANCEL, Control.CONSULT_COMPLETE, Control.CONFERENCE):
            assert bar.state_of(control).enabled, control
        assert not bar.state_of(Control.CONSULT).enabled  # no second Atxfer on top of the first
        qtbot.mouseClick(bar.buttons[Control.CONSULT_CANCEL], Qt.MouseButton.LeftButton)
        await _until(lambda: bool(rig.ami.actions_named("CancelAtxfer")))
        await _until(lambda: bar.phase is CallPhase.TALKING)
    finally:
        await runtime.stop()
