"""Ready / Not ready from the status bar, through a real CTI listener to a source on a real socket.

The desktop runs against the real central API; a CTI source connects over TCP, plays a call, and
reads the commands the desktop sends. Picking Ready with the call's contact log unsaved is
refused (banner + wrap-up in front, nothing sent); after saving, Ready sends `unpause`, and a
Not ready reason sends `pause` with that reason.
"""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi

T_RING, T_ANSWER, T_END = 1_795_000_000.0, 1_795_000_004.0, 1_795_000_190.0


async def _wait(predicate, timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class Source:
    """A CTI source (PBX bridge) for agent 1001 on a real socket; records the commands it gets."""

    def __init__(self) -> None:
        self.commands: list[dict] = []
        self.refuse: set[str] = set()  # actions answered "not ok", as a PBX refusing them

    async def connect(self, port: int, token: str) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        await self.send({"type": "hello", "token": token, "agent": "1001"})
        assert json.loads(await asyncio.wait_for(self.reader.readline(), 5))["type"] == "hello.ok"
        self.task = asyncio.ensure_future(self._read())

    async def send(self, message: dict) -> None:
        self.writer.write((json.dumps(message) + "\n").encode())
        await self.writer.drain()

    async def _read(self) -> None:
        while line := await self.reader.readline():
            message = json.loads(line)
            if message.get("type") == "command":
                self.commands.append(message)
                ok = message.get("action") not in self.refuse
                await self.send(
                    {"type": "command.result", "id": message["id"], "ok": ok,
                     "message": "ok" if ok else "Interface not found"}
                )  # fmt: skip

    async def close(self) -> None:
        self.task.cancel()
        self.writer.close()


async def _start(seeded_central_sqlite, tmp_path, qtbot, require: bool) -> DesktopApp:
    api = CentralApi(seeded_central_sqlite.url)
    session = await api.login("1001", "demo")
    settings = Settings(
        central_url=seeded_central_sqlite.url,
        cache_path=str(tmp_path / "cache.sqlite3"),
        cti_port=0,
        require_contact_before_ready=require,
    )
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start()
    return runtime


async def _finished_call(desktop, source: Source, mobile: str) -> None:
    common = {"call_id": "ready-1", "caller": mobile, "agent": "1001"}
    await source.send({"type": "call.ringing", "ts": T_RING, **common})
    await _wait(lambda: desktop.window.card.current_customer_id() is not None)
    await source.send({"type": "call.answered", "ts": T_ANSWER, **common})
    await source.send({"type": "call.ended", "ts": T_END, **common})
    await _wait(lambda: desktop.tickets.wrapup is not None and desktop.tickets.wrapup.isVisible())
    # after-call work (desks/calls_desk.py): the answered call's end pauses the agent with "acw"
    await _wait(lambda: len(source.commands) == 1)
    assert (source.commands[0]["action"], source.commands[0]["reason"]) == ("pause", "acw")
    source.commands.clear()


def _click(qtbot, button) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _not_ready(qtbot, box, reason: str) -> None:
    """Pick the reason in the panel's list with the keyboard, then click Not ready."""
    box.reason_box.setFocus()
    while box.reason_box.currentData() != reason:
        qtbot.keyClick(box.reason_box, Qt.Key.Key_Down)
    _click(qtbot, box.pause_button)


@pytest.fixture
async def source():
    src = Source()
    yield src
    await src.close()


async def test_ready_is_refused_while_the_contact_is_unsaved_then_sent(
    seeded_central_sqlite, tmp_path, qtbot, source
):
    desktop = await _start(seeded_central_sqlite, tmp_path, qtbot, require=True)
    try:
        box = desktop.agent.box
        await source.connect(desktop.cti.listener.port, desktop.cti_token)
        await _wait(lambda: "1001" in desktop.cti.listener.connected_agents())
        await _finished_call(desktop, source, seeded_central_sqlite.sample_customer()["mobile"])
        dialog = desktop.tickets.wrapup
        pause = {"type": "agent.pause", "agent": "1001", "ts": T_END + 1}
        await source.send({**pause, "paused": True, "reason": "acw"})  # the PBX confirms the acw pause
        await _wait(lambda: box.shown_text() == "Wrap-up")

        _click(qtbot, box.ready_button)  # Ready, contact not saved yet
        await asyncio.sleep(0.2)
        assert source.commands == []  # nothing went to the telephone system
        assert box.shown_text() == "Wrap-up" and box.pending is None
        assert "contact log" in box.pending_label.text()
        assert any("contact log" in text for text in desktop.window.banners.texts())
        assert desktop.tickets.wrapup is dialog and dialog.isVisible()

        dialog.disposition.setCurrentIndex(dialog.disposition.findData("resolved"))
        with qtbot.waitSignal(dialog.saved):
            qtbot.mouseClick(
                dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
            )
        await desktop.tickets.contacts.settled()  # written on the cache worker
        _click(qtbot, box.ready_button)
        assert box.pending == ("unpause", "") and "waiting for the PBX" in box.pending_label.text()
        assert box.shown_text() == "Wrap-up"  # never an unconfirmed state
        await _wait(lambda: len(source.commands) == 1)
        assert source.commands[0]["action"] == "unpause"
        await source.send({**pause, "paused": False, "reason": ""})
        await _wait(lambda: box.shown_text() == "Ready" and box.pending is None)

        _not_ready(qtbot, box, "break")
        await _wait(lambda: len(source.commands) == 2)
        assert (source.commands[1]["action"], source.commands[1]["reason"]) == ("pause", "break")
        assert box.shown_text() == "Ready"  # until the PBX says otherwise
        await source.send({**pause, "paused": True, "reason": "break"})
        await _wait(lambda: box.shown_text() == "Not ready: Break")
        assert all(c["type"] == "command" and c["id"] for c in source.commands)

        source.refuse.add("pause")  # the PBX refuses: the state stays, the reason is shown
        _not_ready(qtbot, box, "lunch")
        await _wait(lambda: box.pending is None and "Interface not found" in box.pending_label.text())
        assert box.shown_text() == "Not ready: Break"
    finally:
        await desktop.stop()


async def test_ready_goes_through_when_the_rule_is_off(seeded_central_sqlite, tmp_path, qtbot, source):
    desktop = await _start(seeded_central_sqlite, tmp_path, qtbot, require=False)
    try:
        box = desktop.agent.box
        await source.connect(desktop.cti.listener.port, desktop.cti_token)
        await _wait(lambda: "1001" in desktop.cti.listener.connected_agents())
        await _finished_call(desktop, source, seeded_central_sqlite.sample_customer()["mobile"])
        await source.send(
            {"type": "agent.pause", "agent": "1001", "ts": T_END + 1, "paused": True, "reason": "acw"}
        )
        await _wait(lambda: box.pending is None and box.shown_text() == "Wrap-up")
        _click(qtbot, box.ready_button)
        await _wait(lambda: len(source.commands) == 1)
        assert source.commands[0]["action"] == "unpause" and "reason" not in source.commands[0]
    finally:
        await desktop.stop()


async def test_the_control_follows_agent_pause_events_from_the_source(
    seeded_central_sqlite, tmp_path, qtbot, source
):
    desktop = await _start(seeded_central_sqlite, tmp_path, qtbot, require=True)
    try:
        box = desktop.agent.box
        await source.connect(desktop.cti.listener.port, desktop.cti_token)
        pause = {"type": "agent.pause", "agent": "1001", "ts": T_RING}
        await source.send({**pause, "paused": True, "reason": "lunch"})
        await _wait(lambda: box.shown_text() == "Not ready: Lunch")
        await source.send({**pause, "agent": "2002", "paused": False})  # another agent: ignored
        await asyncio.sleep(0.2)
        assert box.shown_text() == "Not ready: Lunch"
        await source.send({**pause, "paused": True, "reason": "toilet"})  # not in the list: as the PBX says
        await _wait(lambda: box.shown_text() == "Not ready: toilet")
        await source.send({**pause, "paused": False, "reason": ""})
        await _wait(lambda: box.shown_text() == "Ready")
        assert source.commands == []  # following the PBX sends nothing back
    finally:
        await desktop.stop()
