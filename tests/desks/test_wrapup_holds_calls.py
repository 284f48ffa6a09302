"""The demo's PBX honours the desktop's wrap-up: the real DesktopApp (central API on loopback, a
real SQLite cache) with the CTI simulator as its PBX. While the agent talks, a second queued call
does not ring; after Hang up the desktop pauses `acw` (the wrap-up banner says no call rings until
it ends) and none does; when the wrap-up ends (its countdown, or End early) the desktop unpauses
and the waiting call rings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from calls_rig import calls_desk, click, commands, wait_until
from PySide6.QtCore import Qt

from calldesk_domain.call_controls import CallPhase, Control
from desktop.cti.simulator import CtiSimulator
from desktop.desks.root import DesktopApp

WRAPUPTIME_S = 1.0  # as the demo's: covers the moment before the desktop's acw pause arrives
HELD_S = 1.5  # how long the waiting call must stay unrung inside the wrap-up
SECOND_CALLER = "13912345678"


@contextlib.asynccontextmanager
async def playing(sim: CtiSimulator, call_id: str, caller: str) -> AsyncIterator[asyncio.Future[str]]:
    """A simulated call in the queue (long ring and talk: the desktop answers and hangs up)."""
    task = asyncio.ensure_future(
        sim.play_call(caller, call_id=call_id, abandon=False, wait_s=0.01, ring_s=60, talk_s=60)
    )
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def mobile(central) -> str:
    return str(central.sample_customer()["mobile"])


def rings(desktop: DesktopApp, call_id: str) -> bool:
    bar = desktop.calls.bar
    return bar.phase is CallPhase.RINGING and bar.call_id == call_id


def second_unrung(desktop: DesktopApp, sim: CtiSimulator, waiting: asyncio.Future[str]) -> None:
    assert "second" not in sim.pbx.calls and not waiting.done()
    assert desktop.session.ringing_call_id == "" and desktop.calls.bar.phase is not CallPhase.RINGING


async def answer_queue_second_hang_up(
    qtbot, desktop: DesktopApp, sim: CtiSimulator, calls: contextlib.AsyncExitStack, caller: str
) -> asyncio.Future[str]:
    """Answer the first call; a second one, queued meanwhile, waits; hang up into wrap-up; it still
    waits through HELD_S of the wrap-up. Returns the second call's task."""
    bar = desktop.calls.bar
    await calls.enter_async_context(playing(sim, "first", caller))
    await wait_until(lambda: rings(desktop, "first"), what="first call ringing")
    await wait_until(lambda: desktop.window.card.current_customer_id() is not None, what="card popped")
    click(qtbot, bar, Control.ANSWER)
    await wait_until(lambda: bar.phase is CallPhase.TALKING, what="talking")
    waiting = await calls.enter_async_context(playing(sim, "second", SECOND_CALLER))
    await asyncio.sleep(0.5)  # it was due after 0.01 s
    second_unrung(desktop, sim, waiting)  # no second call on an agent who is on one
    click(qtbot, bar, Control.HANGUP)
    await wait_until(lambda: bar.phase is CallPhase.IDLE, what="idle after hang-up")
    await wait_until(lambda: desktop.calls.wrapup.isVisible(), what="wrap-up shown")
    await wait_until(lambda: sim.pbx.paused is True and sim.pbx.reason == "acw", what="acw pause at the PBX")
    await asyncio.sleep(HELD_S)
    second_unrung(desktop, sim, waiting)
    assert commands(sim, "unpause") == [] and desktop.calls.wrapup.isVisible()
    return waiting


async def rings_after_unpause(desktop: DesktopApp, sim: CtiSimulator) -> None:
    await wait_until(lambda: rings(desktop, "second"), timeout_s=15, what="second call ringing")
    assert len(commands(sim, "unpause")) == 1 and sim.pbx.paused is False
    assert not desktop.calls.wrapup.isVisible()


@pytest.mark.timeout(120)
async def test_the_next_call_rings_only_when_the_wrapup_countdown_ends(
    seeded_central_sqlite, tmp_path, qtbot
):
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot, wrapup_seconds=4) as rig:
        desktop, sim = rig.desktop, await rig.pbx(wrapuptime_s=WRAPUPTIME_S)
        async with contextlib.AsyncExitStack() as calls:
            await answer_queue_second_hang_up(qtbot, desktop, sim, calls, mobile(seeded_central_sqlite))
            await rings_after_unpause(desktop, sim)


@pytest.mark.timeout(120)
async def test_end_early_lets_the_waiting_call_ring(seeded_central_sqlite, tmp_path, qtbot):
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:  # wrap-up 30 s
        desktop, sim = rig.desktop, await rig.pbx(wrapuptime_s=WRAPUPTIME_S)
        async with contextlib.AsyncExitStack() as calls:
            await answer_queue_second_hang_up(qtbot, desktop, sim, calls, mobile(seeded_central_sqlite))
            qtbot.mouseClick(desktop.calls.wrapup.end_button, Qt.MouseButton.LeftButton)
            await rings_after_unpause(desktop, sim)
