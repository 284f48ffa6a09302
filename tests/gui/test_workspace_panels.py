"""Agent-state panel, wrap-up panel, missed calls and calls today, driven as an agent would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from calldesk_domain.agent_intervals import AgentState
from calldesk_domain.call_controls import Control
from calldesk_domain.missed_calls import MissedCalls
from calldesk_domain.wrapup import StoredWrapup, WrapupCountdown
from desktop.views.agent_state_panel import AgentStatePanel
from desktop.views.call_controls import CallControlBar
from desktop.views.calls_today import CallsTodayTable, Direction, TodayCall
from desktop.views.i18n import install_translator
from desktop.views.missed_calls_view import MissedCallsCount, MissedCallsView
from desktop.views.wrapup_panel import WrapupPanel


class FakeClock:
    def __init__(self, now: float = 1_764_660_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---- agent state --------------------------------------------------------------------------------
@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state_panel(qtbot, clock):
    panel = AgentStatePanel(clock=clock, reasons=("break", "lunch", "coaching"))
    qtbot.addWidget(panel)
    panel.show()
    panel.show_pbx_state(AgentState.READY, since=clock.now)
    return panel


def test_pending_marker_never_shows_the_unconfirmed_state_as_current(qtbot, state_panel, clock) -> None:
    asked: list[tuple[str, str]] = []
    state_panel.stateRequested.connect(lambda a, r: asked.append((a, r)))
    state_panel.reason_box.setCurrentIndex(state_panel.reason_codes().index("lunch"))
    qtbot.mouseClick(state_panel.pause_button, Qt.MouseButton.LeftButton)
    assert asked == [("pause", "lunch")]
    assert state_panel.shown_text() == "Ready"
    assert "Not ready: Lunch" in state_panel.pending_label.text()
    assert not state_panel.pause_button.isEnabled() and not state_panel.ready_button.isEnabled()
    clock.now += 3
    state_panel.show_pbx_state(AgentState.NOT_READY, "lunch")
    assert state_panel.shown_text() == "Not ready: Lunch" and state_panel.pending_label.text() == ""
    clock.now += 65
    state_panel.tick()
    assert state_panel.time_label.text() == "01:05"


def test_a_refusal_keeps_the_pbx_state_and_says_why(qtbot, state_panel) -> None:
    qtbot.mouseClick(state_panel.pause_button, Qt.MouseButton.LeftButton)
    state_panel.show_refusal("the PBX refused pause: Interface not found")
    assert state_panel.shown_text() == "Ready"
    assert "Interface not found" in state_panel.pending_label.text()
    assert state_panel.pause_button.isEnabled()


def test_follows_pbx_side_changes_and_configured_reasons(qtbot, state_panel, clock) -> None:
    assert state_panel.reason_box.itemText(2) == "coaching"  # a configured code with no label
    state_panel.show_pbx_state(AgentState.TALKING, since=clock.now - 10)
    assert state_panel.shown_text() == "Talking" and state_panel.time_label.text() == "00:10"
    state_panel.show_pbx_state(AgentState.WRAPUP)
    assert state_panel.shown_text() == "Wrap-up" and state_panel.time_label.text() == "00:00"
    assert state_panel.ready_button.isEnabled()
    asked: list[tuple[str, str]] = []
    state_panel.stateRequested.connect(lambda a, r: asked.append((a, r)))
    qtbot.mouseClick(state_panel.ready_button, Qt.MouseButton.LeftButton)
    assert asked == [("unpause", "")]


# ---- wrap-up ------------------------------------------------------------------------------------
@pytest.fixture
def wrapup(qtbot):
    panel = WrapupPanel(extend_seconds=30, tick_ms=10)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_countdown_with_a_fake_clock_goes_ready_once(qtbot, wrapup, clock) -> None:
    outcomes: list[str] = []
    wrapup.finished.connect(outcomes.append)
    wrapup.start(WrapupCountdown.start("c1", 30, clock, log_required=False))
    assert wrapup.remaining_text() == "00:30 left"
    clock.now += 12
    wrapup.tick()
    assert wrapup.remaining_text() == "00:18 left" and outcomes == []
    clock.now += 18
    qtbot.waitUntil(lambda: outcomes == ["go_ready"], timeout=2000)
    wrapup.tick()
    assert outcomes == ["go_ready"] and not wrapup.end_button.isEnabled()


def test_extend_and_end_early_by_click(qtbot, wrapup, clock) -> None:
    stored: list[StoredWrapup] = []
    outcomes: list[str] = []
    wrapup.deadlineChanged.connect(stored.append)
    wrapup.finished.connect(outcomes.append)
    wrapup.start(WrapupCountdown.start("c1", 30, clock, log_required=False))
    clock.now += 25
    qtbot.mouseClick(wrapup.extend_button, Qt.MouseButton.LeftButton)
    assert wrapup.extend_button.text() == "Extend +30 s"
    assert wrapup.remaining_text() == "00:35 left"
    assert stored[-1].deadline == clock.now + 35
    qtbot.mouseClick(wrapup.end_button, Qt.MouseButton.LeftButton)
    assert outcomes == ["go_ready"] and stored[-1].deadline == clock.now


def test_required_log_holds_then_releases(qtbot, wrapup, clock) -> None:
    outcomes: list[str] = []
    wrapup.finished.connect(outcomes.append)
    wrapup.start(WrapupCountdown.start("c1", 5, clock, log_required=True))
    qtbot.mouseClick(wrapup.end_button, Qt.MouseButton.LeftButton)
    assert outcomes == ["wait_for_log"] and "save the contact log" in wrapup.note.text()
    wrapup.tick()
    assert outcomes == ["wait_for_log"]
    wrapup.mark_log_saved()
    assert outcomes == ["wait_for_log", "go_ready"]


def test_restart_mid_wrapup_resumes_the_time_left(qtbot, wrapup, clock) -> None:
    first = WrapupCountdown.start("c1", 60, clock, log_required=False)
    saved = first.stored().to_dict()
    clock.now += 40  # the desktop was closed and reopened
    wrapup.start(WrapupCountdown.resume(StoredWrapup.from_dict(saved), clock))
    assert wrapup.remaining_text() == "00:20 left"


# ---- missed calls -------------------------------------------------------------------------------
TRACE = [
    {"type": "queue.join", "queue": "sales", "call_id": "a1", "caller": "13800138000", "ts": 1000.0},
    {"type": "queue.abandon", "queue": "sales", "call_id": "a1", "wait_s": 48.0, "ts": 1048.0},
    {"type": "queue.join", "queue": "sales", "call_id": "t1", "ts": 1100.0},
    {"type": "queue.timeout", "queue": "sales", "call_id": "t1", "reason": "timeout", "ts": 1400.0},
]


def test_missed_calls_from_a_replayed_trace(qtbot) -> None:
    missed = MissedCalls({"sales"})
    for event in TRACE:
        missed.feed(event)
    view = MissedCallsView(missed)
    count = MissedCallsCount()
    qtbot.addWidget(view)
    qtbot.addWidget(count)
    view.unseenCountChanged.connect(count.set_count)
    view.refresh()
    assert count.count == 2 and count.text() == "Missed: 2"
    assert view.table.rowCount() == 2
    assert [view.table.item(r, 3).text() for r in range(2)] == ["05:00", "00:48"]
    assert (
        view.table.item(0, 1).text() == "Withheld number" and view.table.item(0, 4).text() == "Not answered"
    )
    view.table.selectRow(0)
    assert not view.call_back_button.isEnabled()
    dialled: list[str] = []
    seen: list[list[str]] = []
    view.callBackRequested.connect(dialled.append)
    view.seenChanged.connect(seen.append)
    view.table.selectRow(1)
    qtbot.mouseClick(view.call_back_button, Qt.MouseButton.LeftButton)
    assert dialled == ["13800138000"] and seen == [["a1"]] and count.count == 1
    assert not view.table.item(1, 0).font().bold() and view.table.item(0, 0).font().bold()
    qtbot.mouseClick(view.all_seen_button, Qt.MouseButton.LeftButton)
    assert seen[-1] == ["t1"] and count.count == 0 and count.isHidden()


def test_mark_seen_one_row(qtbot) -> None:
    missed = MissedCalls()
    for event in TRACE:
        missed.feed(event)
    view = MissedCallsView(missed)
    qtbot.addWidget(view)
    view.table.selectRow(0)
    qtbot.mouseClick(view.seen_button, Qt.MouseButton.LeftButton)
    assert missed.unseen_count() == 1 and not view.seen_button.isEnabled()
    assert view.title.text() == "Missed calls (1 new)"


# ---- calls today --------------------------------------------------------------------------------
def test_calls_today_rows_emit_the_request_that_fits(qtbot) -> None:
    table = CallsTodayTable()
    qtbot.addWidget(table)
    table.set_calls(
        [
            TodayCall("k", 400.0, Direction.INBOUND, "13800138000", "cust-1", "Zhang San", 1, 65, "resolved"),
            TodayCall("n", 300.0, Direction.OUTBOUND, "13900000000"),
            TodayCall("m", 200.0, Direction.INBOUND, "02100000000", matches=3),
            TodayCall("w", 100.0, Direction.INBOUND, None),
        ]
    )
    got: list[tuple[str, str]] = []
    table.openCardRequested.connect(lambda v: got.append(("card", v)))
    table.newCallerRequested.connect(lambda v: got.append(("new", v)))
    table.searchRequested.connect(lambda v: got.append(("search", v)))
    table.callBackRequested.connect(lambda v: got.append(("dial", v)))
    for row in range(4):
        table.table.selectRow(row)
        qtbot.mouseClick(table.open_button, Qt.MouseButton.LeftButton)
    assert got == [("card", "cust-1"), ("new", "13900000000"), ("search", "02100000000"), ("search", "")]
    assert not table.call_back_button.isEnabled()  # withheld
    table.table.selectRow(1)
    qtbot.mouseClick(table.call_back_button, Qt.MouseButton.LeftButton)
    assert got[-1] == ("dial", "13900000000")
    assert table.table.item(0, 2).text() == "Zhang San" and table.table.item(1, 1).text() == "Out"
    assert table.table.item(2, 2).text() == "02100000000 (3 customers)"


# ---- zh_CN --------------------------------------------------------------------------------------
def test_workspace_views_switch_to_zh_cn_and_back(qapp, qtbot, clock) -> None:
    bar = CallControlBar()
    panel = AgentStatePanel(clock=clock)
    wrapup = WrapupPanel()
    missed = MissedCallsView(MissedCalls())
    today = CallsTodayTable()
    for widget in (bar, panel, wrapup, missed, today):
        qtbot.addWidget(widget)
    panel.show_pbx_state(AgentState.NOT_READY, "lunch")
    wrapup.start(WrapupCountdown.start("c1", 30, clock, log_required=False))
    assert install_translator(qapp, "zh_CN")
    qapp.processEvents()
    assert bar.actions_by_control[Control.ANSWER].text() == "接听"
    assert "现在不可用" in bar.actions_by_control[Control.ANSWER].toolTip()
    assert panel.shown_text() == "未就绪：午餐" and panel.pause_button.text() == "未就绪"
    assert wrapup.remaining_text() == "剩余 00:30" and wrapup.end_button.text() == "提前结束"
    assert missed.all_seen_button.text() == "全部标为已读"
    assert today.title.text() == "今日通话"
    install_translator(qapp, "en")
    qapp.processEvents()
    assert bar.actions_by_control[Control.ANSWER].text() == "Answer"
    assert panel.shown_text() == "Not ready: Lunch"
