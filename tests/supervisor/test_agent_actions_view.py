"""The agent grid's supervisor actions from the keyboard and the context menu: Alt+letter, the
Menu key, what is enabled for which agent and why not, zh_CN texts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from desktop.cti.events import AgentEvent, AgentEventKind, CallEvent, CallEventKind
from desktop.services.supervisor import SupervisorBoard
from desktop.views.agent_grid import AgentGrid
from desktop.views.i18n import install_translator


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def grid(qtbot, qapp):
    install_translator(qapp, "en")
    t0 = 1_800_000_000.0
    board = SupervisorBoard(ZoneInfo("Asia/Shanghai"), clock=Clock(t0 + 10), tick_ms=0)
    board.feed_many(
        [
            AgentEvent(AgentEventKind.ADDED, "1001", t0, queue="support"),
            AgentEvent(AgentEventKind.ADDED, "1002", t0, queue="sales"),
            CallEvent(CallEventKind.ANSWERED, "c1", t0 + 2, caller="+8613800138000", agent="1001"),
            AgentEvent(AgentEventKind.PAUSE, "1002", t0 + 5, paused=True, reason="lunch"),
        ]
    )
    widget = AgentGrid()
    qtbot.addWidget(widget)
    board.snapshot_ready.connect(widget.show_snapshot)
    board.refresh()
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    install_translator(qapp, "en")


def test_keyboard_selects_an_agent_and_alt_letters_act_on_it(grid, qtbot) -> None:
    actions = grid.agent_actions
    actions.set_source(True)
    asked: list[tuple[str, str, str]] = []
    actions.actionRequested.connect(lambda *a: asked.append(a))
    grid.view.setFocus()
    qtbot.keyClick(grid.view, Qt.Key.Key_Home)
    assert grid.selected_row() is not None and grid.selected_row().agent == "1001"
    qtbot.keyClick(grid.view, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(grid.view, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    assert asked == [("listen", "1001", ""), ("barge", "1001", "")]
    qtbot.keyClick(grid.view, Qt.Key.Key_Down)  # 1002: paused, no call
    assert grid.selected_row().agent == "1002"
    assert not actions.by_name["listen"].isEnabled()
    assert actions.by_name["listen"].toolTip() == "1002 has no call to listen to, whisper to or barge into."
    assert (
        not actions.by_name["force.pause"].isEnabled()
        and "already paused" in actions.by_name["force.pause"].toolTip()
    )
    qtbot.keyClick(grid.view, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # disabled: nothing
    qtbot.keyClick(grid.view, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert asked[2:] == [("force.ready", "1002", "")]


def test_force_not_ready_sends_the_chosen_reason(grid, qtbot) -> None:
    actions = grid.agent_actions
    actions.set_source(True)
    assert grid.select_agent("1001")
    actions.reason_box.setCurrentIndex(actions.reason_box.findData("training"))
    with qtbot.waitSignal(actions.actionRequested) as signal:
        qtbot.mouseClick(actions.buttons["force.pause"], Qt.MouseButton.LeftButton)
    assert signal.args == ["force.pause", "1001", "training"]


def test_the_menu_key_opens_the_same_actions(grid, qtbot) -> None:
    """The Menu key / Shift+F10 reach a widget as a keyboard context-menu event."""
    grid.agent_actions.set_source(True)
    grid.view.setFocus()
    qtbot.keyClick(grid.view, Qt.Key.Key_Home)
    where = grid.view.visualRect(grid.view.currentIndex()).center()
    QApplication.sendEvent(
        grid.view.viewport(),
        QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, where, grid.view.viewport().mapToGlobal(where)),
    )
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert menu.objectName() == "agentActionMenu"
    enabled = [a.objectName() for a in menu.actions() if a.objectName() and a.isEnabled()]
    assert enabled == [
        "agentAction_listen",
        "agentAction_whisper",
        "agentAction_barge",
        "agentAction_force.ready",
        "agentAction_force.pause",
    ]
    menu.close()


def test_a_source_down_disables_everything_and_says_why(grid) -> None:
    actions = grid.agent_actions
    grid.select_agent("1001")
    actions.set_source(False, "PBX disconnected: restart")
    for action in actions.by_name.values():
        assert not action.isEnabled()
        assert "CTI source is down" in action.toolTip() and "PBX disconnected: restart" in action.toolTip()
    assert not actions.reason_box.isEnabled()


def test_zh_cn_texts(grid, qapp, qtbot) -> None:
    assert install_translator(qapp, "zh_CN")
    actions = grid.agent_actions
    qtbot.waitUntil(lambda: actions.by_name["listen"].text() != "&Listen")  # LanguageChange is posted
    assert actions.by_name["listen"].text() == "监听(&L)"
    assert actions.by_name["force.pause"].text() == "强制未就绪(&N)"
    actions.set_source(True)
    grid.select_agent("1002")
    assert actions.by_name["listen"].toolTip() == "1002 当前没有通话，无法监听、耳语或强插。"
    assert actions.reason_box.itemText(0) == "小休"
