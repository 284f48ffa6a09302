"""Supervisor actions on the agent grid, through the real desktop (DesktopApp, real widgets) of the
demo supervisor on an in-process bridge (fake AMI, real central API on loopback): listen / whisper
/ barge on an agent's call and force ready / not ready reach the PBX as AMI actions, the panel says
"sent", then the PBX's result or refusal; disabled with the reason when the agent has no call or
the CTI source is down; keyboard works; an agent's desktop has none of it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.views.i18n import install_translator

from .ami_script import AmiScript, queue_call
from .bridge_rig import Rig, start_rig

pytestmark = pytest.mark.timeout(120)


async def _until(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def rig(seeded_central_sqlite: Any) -> AsyncIterator[Rig]:
    from central.tables import users

    with seeded_central_sqlite.engine.begin() as conn:  # the admin gives the supervisor a phone
        conn.execute(users.update().where(users.c.username == "super").values(pbx_interface="PJSIP/9001"))
    the_rig = await start_rig(seeded_central_sqlite.url)
    the_rig.central = seeded_central_sqlite  # type: ignore[attr-defined]
    await the_rig.desk("1001", seeded_central_sqlite.token_for("1001"))
    yield the_rig
    await the_rig.close()


async def _desktop(rig: Rig, tmp_path: Path, qtbot: Any, username: str) -> DesktopApp:
    central = rig.central  # type: ignore[attr-defined]
    api = CentralApi(central.url)
    session = await api.login(username, "demo")
    settings = Settings(
        central_url=central.url,
        username=username,
        language="en",
        cache_path=str(tmp_path / f"cache-{username}.sqlite3"),
        cti_port=0,
        cti_source="bridge",
        cti_bridge_address=f"127.0.0.1:{rig.bridge.port}",
        cti_bridge_tls=False,
    )
    runtime = DesktopApp(settings, api, session, cti_token="local-socket-token")
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=False)
    return runtime


def _tip(grid: Any, name: str) -> str:
    return str(grid.agent_actions.by_name[name].toolTip())


async def test_supervisor_listens_forces_a_pause_and_sees_each_result(
    rig: Rig, tmp_path: Path, qtbot: Any, qapp: Any
) -> None:
    install_translator(qapp, "en")
    runtime = await _desktop(rig, tmp_path, qtbot, "super")
    try:
        assert runtime.supervisor is not None
        grid = runtime.supervisor.page.agent_grid
        actions = grid.agent_actions
        bridge = runtime.cti.bridge
        assert bridge is not None
        await _until(lambda: bridge.connected)
        await _until(lambda: actions.source_up, timeout=4)
        # nobody selected yet: every action says so
        assert not actions.by_name["listen"].isEnabled() and "Select an agent" in _tip(grid, "listen")
        data, call_id = queue_call(AmiScript(), answered_by="PJSIP/1001", hang_up=False)
        await rig.push(data)
        await _until(lambda: "1001" in grid.visible_agents())
        await _until(lambda: any(r.agent == "1001" and r.call_since_ts for r in grid.model.rows))
        row_rect = grid.view.visualRect(grid.proxy.index(grid.visible_agents().index("1001"), 0))
        qtbot.mouseClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=row_rect.center())
        assert grid.selected_row() is not None and grid.selected_row().agent == "1001"
        for name in ("listen", "whisper", "barge", "force.ready", "force.pause"):
            assert actions.by_name[name].isEnabled(), (name, _tip(grid, name))
        # Listen: the supervisor's phone spies on 1001's channel
        qtbot.mouseClick(actions.buttons["listen"], Qt.MouseButton.LeftButton)
        assert "sent, waiting for the PBX" in actions.result_label.text()
        await _until(lambda: "done" in actions.result_label.text())
        originate = rig.ami.actions_named("Originate")[-1]
        assert originate["Channel"] == "PJSIP/9001" and originate["Application"] == "ChanSpy"
        assert originate["Data"].startswith("PJSIP/1001")
        # Force not ready with a reason, from the keyboard: focus the button, press space
        actions.reason_box.setCurrentIndex(actions.reason_box.findData("meeting"))
        button = actions.buttons["force.pause"]
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)
        await _until(lambda: bool(rig.ami.actions_named("QueuePause")))
        pause = rig.ami.actions_named("QueuePause")[-1]
        assert (pause["Interface"], pause["Paused"], pause["Reason"]) == ("PJSIP/1001", "true", "meeting")
        await _until(lambda: "Force 1001 not ready: done" in actions.result_label.text())
        # the PBX refuses: its own words on the panel
        rig.ami.refuse["QueuePause"] = "Interface not found"
        actions.by_name["force.ready"].trigger()
        await _until(lambda: "refused" in actions.result_label.text())
        assert "Interface not found" in actions.result_label.text()
        # the context menu offers the same actions, equally enabled
        menu = actions.context_menu()
        assert [a.objectName() for a in menu.actions() if a.objectName()] == [
            f"agentAction_{n}" for n in ("listen", "whisper", "barge", "force.ready", "force.pause")
        ]
        # the call ends: no spying on nothing
        end = AmiScript()
        await rig.push(end.hangup(call_id, f"PJSIP/trunk-0000{call_id[-2:]}", "13800138000"))
        await _until(lambda: not actions.by_name["listen"].isEnabled(), timeout=8)
        assert "has no call" in _tip(grid, "listen")
        # the bridge goes away: everything disabled, the reason in the tooltip
        await rig.bridge.close()
        await _until(lambda: not actions.by_name["force.pause"].isEnabled(), timeout=5)
        assert "CTI source is down" in _tip(grid, "force.pause")
    finally:
        await runtime.stop()


async def test_an_agents_desktop_has_no_supervisor_actions(rig: Rig, tmp_path: Path, qtbot: Any) -> None:
    runtime = await _desktop(rig, tmp_path, qtbot, "1002")
    try:
        assert runtime.supervisor is None
        assert runtime.window.findChild(QWidget, "agentActions") is None
    finally:
        await runtime.stop()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_screenshot_of_the_agent_actions_at_1366x768(
    rig: Rig, tmp_path: Path, qtbot: Any, qapp: Any, language: str
) -> None:
    install_translator(qapp, language)
    runtime = await _desktop(rig, tmp_path, qtbot, "super")
    try:
        assert runtime.supervisor is not None
        grid = runtime.supervisor.page.agent_grid
        await _until(lambda: runtime.cti.bridge is not None and runtime.cti.bridge.connected)
        script = AmiScript(start=time.time() - 95)  # a call of a minute and a half, as on a live floor
        data, _call_id = queue_call(script, answered_by="PJSIP/1001", hang_up=False)
        await rig.push(data)
        await _until(lambda: any(r.agent == "1001" and r.call_since_ts for r in grid.model.rows))
        await _until(lambda: grid.agent_actions.source_up, timeout=4)
        grid.select_agent("1001")
        window = runtime.window
        window.resize(1366, 768)
        window.show_page(runtime.supervisor.page)
        window.show()
        qtbot.mouseClick(grid.agent_actions.buttons["listen"], Qt.MouseButton.LeftButton)
        await _until(lambda: bool(rig.ami.actions_named("Originate")))
        await _until(
            lambda: (
                "1001" in grid.agent_actions.result_label.text()
                and "…" not in grid.agent_actions.result_label.text()
            )
        )
        await _until(
            lambda: not runtime.supervisor.page.stale_label.isVisible()
        )  # the bridge is a live source
        await asyncio.sleep(0.3)
        for button in grid.agent_actions.buttons.values():
            assert button.isVisible() and button.width() >= button.sizeHint().width() - 1, button.objectName()
        # docs/screenshots/supervisor_agent_actions_*.png: CALLDESK_SCREENSHOT_DIR=docs/screenshots
        folder = Path(os.environ.get("CALLDESK_SCREENSHOT_DIR") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(folder / f"supervisor_agent_actions_{language}.png"))
    finally:
        await runtime.stop()
        install_translator(qapp, "en")
