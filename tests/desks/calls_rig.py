"""The calls-desk rig the desk tests share: the real DesktopApp (real central API on loopback, a
real SQLite cache), its CTI socket, and the CTI simulator as the PBX (desktop/cti/simulator.py,
answering commands through desktop/cti/sim_pbx.py the way a PBX would); and the few steps every
such test takes (wait, ring, click a control, read what reached the PBX)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from calldesk_domain.call_controls import CallPhase, Control
from desktop.config import Settings
from desktop.cti.simulator import CtiSimulator
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.views.call_controls import CallControlBar

CALL = "calls-1"


async def wait_until(predicate: Callable[[], Any], timeout_s: float = 5.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met in time")
        await asyncio.sleep(0.02)


@dataclass
class CallsDesk:
    """A started DesktopApp signed in as agent 1001; `pbx()` connects a simulated PBX to it."""

    desktop: DesktopApp
    sims: list[CtiSimulator] = field(default_factory=list)

    async def pbx(self, *, wrapuptime_s: float = 0.0) -> CtiSimulator:
        listener = self.desktop.cti.listener
        assert listener is not None
        sim = CtiSimulator(
            port=listener.port, token=self.desktop.cti_token, agent="1001", wrapuptime_s=wrapuptime_s
        )
        self.sims.append(sim)
        await sim.connect()
        await wait_until(lambda: "1001" in listener.connected_agents(), what="source connected")
        return sim


@contextlib.asynccontextmanager
async def calls_desk(
    central: Any, tmp_path: Path, qtbot: Any, *, require_contact: bool = False, wrapup_seconds: int = 30
) -> AsyncIterator[CallsDesk]:
    """Start the desktop (cache in `tmp_path`, wrap-up 30 s unless told); on leaving, stop it, then
    every PBX."""
    api = CentralApi(central.url)
    login = await api.login("1001", "demo")
    settings = Settings(
        central_url=central.url,
        cache_path=str(tmp_path / "cache.sqlite3"),
        cti_port=0,
        require_contact_before_ready=require_contact,
        wrapup_seconds=wrapup_seconds,
    )
    desktop = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(desktop.window)
    await desktop.start(initial_sync=False)
    rig = CallsDesk(desktop)
    try:
        yield rig
    finally:
        try:
            await desktop.stop()
        finally:
            for sim in rig.sims:
                await sim.close()


async def ring(sim: CtiSimulator, desktop: DesktopApp, caller: str) -> None:
    await sim.send(
        {"type": "call.ringing", "call_id": CALL, "caller": caller, "agent": "1001", "ts": time.time()}
    )
    await wait_until(lambda: desktop.calls.bar.phase is CallPhase.RINGING, what="bar ringing")
    await wait_until(lambda: desktop.window.card.current_customer_id() is not None, what="card popped")


def enabled(bar: CallControlBar, control: Control) -> bool:
    return bar.actions_by_control[control].isEnabled()


def click(qtbot: Any, bar: CallControlBar, control: Control) -> None:
    assert enabled(bar, control), bar.actions_by_control[control].toolTip()
    qtbot.mouseClick(bar.buttons[control], Qt.MouseButton.LeftButton)


def commands(sim: CtiSimulator, action: str) -> list[dict]:
    return [c for c in sim.commands_received if c.get("action") == action]
