"""The supervisor views driven by real widgets: a replayed PBX recording drives the queue panel to
the hand-computed figures; thresholds colour AND name the level; the wallboard's stale banner;
agent grid filters, ticking time in state and double-click."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from calldesk_domain.board import Level, Threshold, Thresholds
from desktop.cti.ami import parse_ami_bytes
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    PbxEvent,
    PbxEventKind,
    QueueEvent,
    QueueEventKind,
)
from desktop.services.supervisor import SupervisorBoard
from desktop.views.agent_grid import AgentDayDialog, AgentGrid
from desktop.views.i18n import install_translator
from desktop.views.queue_panel import QueuePanel
from desktop.views.wallboard import Wallboard

TRACES = Path(__file__).resolve().parents[1] / "traces" / "ami"
SHANGHAI = ZoneInfo("Asia/Shanghai")
WAITING, LONGEST, OFFERED, ANSWERED, ABANDONED, TIMED_OUT, SL, ASA, AHT, RATE, AGENTS = range(11)


@pytest.fixture(autouse=True)
def english_ui(qapp):
    install_translator(qapp, "en")
    yield
    install_translator(qapp, "en")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def replayed_board(qtbot, trace: str, **kwargs) -> tuple[SupervisorBoard, Clock]:
    events = parse_ami_bytes((TRACES / trace).read_bytes())
    clock = Clock(max(e.ts for e in events) + 1)
    board = SupervisorBoard(SHANGHAI, clock=clock, refresh_ms=10, tick_ms=0, **kwargs)
    with qtbot.waitSignal(board.snapshot_ready, timeout=2000):
        board.feed_many(events)  # one coalesced snapshot for the whole burst
    return board, clock


def test_replayed_trace_drives_the_queue_panel_to_the_hand_computed_figures(qtbot) -> None:
    board, _ = replayed_board(qtbot, "abandon_pause.ami")
    panel = QueuePanel()
    qtbot.addWidget(panel)
    board.snapshot_ready.connect(panel.show_snapshot)
    board.refresh()
    # one call answered after 32 s (talk 20 s), one abandoned after 20 s, T = 20 s
    assert panel.cell_text("售后服务", OFFERED + 1) == "2"
    assert panel.cell_text("售后服务", ANSWERED + 1) == "1"
    assert panel.cell_text("售后服务", ABANDONED + 1) == "1"
    assert panel.cell_text("售后服务", TIMED_OUT + 1) == "0"
    assert panel.cell_text("售后服务", SL + 1) == "0.0 % ▲ ALARM"
    assert panel.cell_text("售后服务", ASA + 1) == "0:32 ▲ ALARM"
    assert panel.cell_text("售后服务", AHT + 1) == "0:20"
    assert panel.cell_text("售后服务", RATE + 1) == "50.0 % ▲ ALARM"
    assert panel.cell_text("售后服务", WAITING + 1) == "0"
    assert panel.cell_level("售后服务", SL + 1) is Level.ALARM
    assert panel.cell_level("售后服务", WAITING + 1) is Level.OK


def test_timeouts_show_apart_from_abandons(qtbot) -> None:
    board, _ = replayed_board(qtbot, "queue_timeout.ami")
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(board.refresh())
    assert panel.cell_text("售后服务", TIMED_OUT + 1) == "3"
    assert panel.cell_text("售后服务", ABANDONED + 1) == "0"
    assert panel.cell_text("售后服务", RATE + 1) == "—"  # nothing answered or abandoned: no rate


def test_thresholds_are_configurable_and_named_in_words(qtbot) -> None:
    board, _ = replayed_board(qtbot, "abandon_pause.ami")
    lenient = Thresholds(
        sl_pct=Threshold(0, -1, higher_is_worse=False),  # 0 % is only a warning here
        abandon_rate_pct=Threshold(60, 90),
        asa_s=Threshold(30, 60),
    )
    panel = QueuePanel(lenient)
    qtbot.addWidget(panel)
    panel.show_snapshot(board.refresh())
    assert panel.cell_text("售后服务", SL + 1) == "0.0 % △ warning"
    assert panel.cell_text("售后服务", RATE + 1) == "50.0 %"
    assert panel.cell_text("售后服务", ASA + 1) == "0:32 △ warning"
    assert panel.cell_level("售后服务", RATE + 1) is Level.OK


def test_thresholds_from_settings_refuse_bad_entries() -> None:
    thresholds, problems = Thresholds.from_mapping(
        {
            "sl_pct": {"warning": 90, "alarm": 70},
            "waiting": {"warning": "x"},
            "asa_s": {"warning": 50, "alarm": 10},
        }
    )
    assert thresholds.sl_pct == Threshold(90, 70, higher_is_worse=False)
    assert thresholds.waiting == Thresholds().waiting and thresholds.asa_s == Thresholds().asa_s
    assert (
        len(problems) == 2 and any("waiting" in p for p in problems) and any("asa_s" in p for p in problems)
    )
    assert Thresholds.from_mapping("nonsense")[1] == ["supervisor thresholds: not a table"]


def test_wallboard_stale_banner_on_outage_and_back(qtbot) -> None:
    board, clock = replayed_board(qtbot, "abandon_pause.ami")
    wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
    qtbot.addWidget(wall)
    board.snapshot_ready.connect(wall.show_snapshot)
    wall.show()
    board.refresh()
    assert wall.banner.isHidden()
    assert wall.figure_text("sl") == "0.0 %" and wall.figures["sl"].level.text() == "▲ ALARM"
    clock.now = 854.0  # the trace's clock (it has no PBX timestamps): 1970-01-01 08:14:14 in Shanghai
    with qtbot.waitSignal(board.stale_changed) as stale:
        board.source_down("bridge unreachable")
    assert stale.args == [854.0]
    assert wall.banner.isVisible()
    assert "stale since 08:14" in wall.banner.text() and "bridge unreachable" in wall.banner.text()
    assert wall.figure_text("sl") == "0.0 %"  # the last figures stay on screen
    clock.now += 86_400  # the next day: today's figures start from nothing
    board.refresh()
    assert wall.figure_text("sl") == "—" and wall.banner.isVisible()
    board.source_up()
    assert wall.banner.isHidden()
    board.feed(PbxEvent(PbxEventKind.DISCONNECTED, clock.now, detail="connection refused"))
    qtbot.waitUntil(lambda: wall.banner.isVisible(), timeout=2000)
    assert "connection refused" in wall.banner.text()


def test_wallboard_charts_follow_the_intervals(qtbot) -> None:
    t0 = 1_800_000_000.0  # 16:00 in Shanghai
    clock = Clock(t0 + 60)
    board = SupervisorBoard(SHANGHAI, clock=clock, tick_ms=0)
    wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
    qtbot.addWidget(wall)
    board.snapshot_ready.connect(wall.show_snapshot)
    for n, (joined, answered) in enumerate([(t0 + 1, t0 + 5), (t0 + 20, None), (t0 + 900, t0 + 950)]):
        board.feed(QueueEvent(QueueEventKind.JOIN, "q", joined, call_id=f"c{n}"))
        if answered is None:
            board.feed(QueueEvent(QueueEventKind.ABANDON, "q", joined + 30, call_id=f"c{n}", wait_s=30))
        else:
            board.feed(CallEvent(CallEventKind.ANSWERED, f"c{n}", answered, queue="q", agent="1001"))
    board.refresh()
    assert wall.chart_bars() == [(2.0, 1.0), (1.0, 1.0)]
    board.feed(QueueEvent(QueueEventKind.JOIN, "q", t0 + 960, call_id="c9"))
    board.feed(QueueEvent(QueueEventKind.TIMEOUT, "q", t0 + 990, call_id="c9", reason="timeout"))
    board.refresh()
    assert wall.chart_bars() == [(2.0, 1.0), (2.0, 1.0)]  # updated in place


def test_wallboard_cycles_queues_and_is_readable_in_chinese(qtbot, qapp) -> None:
    board, _ = replayed_board(qtbot, "concurrent.ami")
    wall = Wallboard(zone=SHANGHAI, cycle_ms=30)
    qtbot.addWidget(wall)
    wall.show_snapshot(board.refresh())
    first = wall.current_queue()
    qtbot.waitUntil(lambda: wall.current_queue() != first, timeout=2000)
    assert {first, wall.current_queue()} == {"sales", "售后服务"}
    install_translator(qapp, "zh_CN")
    qapp.processEvents()
    assert wall.figures["sl"].caption.text() == "服务水平 (SL)"
    assert wall.figures["waiting"].caption.text() == "排队来电"


def test_agent_grid_filters_ticks_and_opens_the_agents_day(qtbot) -> None:
    t0 = 1_800_000_000.0
    clock = Clock(t0 + 10)
    board = SupervisorBoard(SHANGHAI, teams={"1001": "East", "1002": "West"}, clock=clock, tick_ms=0)
    board.feed_many(
        [
            AgentEvent(AgentEventKind.ADDED, "1001", t0, queue="support"),
            AgentEvent(AgentEventKind.ADDED, "1002", t0, queue="sales"),
            CallEvent(CallEventKind.ANSWERED, "c1", t0 + 2, caller="+8613800138000", agent="1001"),
            AgentEvent(AgentEventKind.PAUSE, "1002", t0 + 5, paused=True, reason="lunch"),
        ]
    )
    grid = AgentGrid()
    qtbot.addWidget(grid)
    board.snapshot_ready.connect(grid.show_snapshot)
    board.refresh()
    grid.show()
    assert grid.visible_agents() == ["1001", "1002"]
    model = grid.model
    assert model.index(0, 2).data() == "Talking" and model.index(0, 5).data() == "+8613800138000"
    assert model.index(0, 4).data() == "0:08" and model.index(0, 6).data() == "0:08"
    assert model.index(1, 2).data() == "Not ready" and model.index(1, 3).data() == "lunch"
    clock.now += 65
    board.refresh()  # the one-second tick
    assert model.index(1, 4).data() == "1:10"
    grid.set_filter(team="West")
    assert grid.visible_agents() == ["1002"]
    grid.set_filter(queue="support")
    assert grid.visible_agents() == ["1001"]
    grid.set_filter()
    rect = grid.view.visualRect(grid.proxy.index(1, 0))
    qtbot.mouseClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(grid.agent_activated) as activated:
        qtbot.mouseDClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated.args == ["1002"]
    dialog = AgentDayDialog(board.agent_day("1002"), SHANGHAI)
    qtbot.addWidget(dialog)
    states = [dialog.table.item(row, 2).text() for row in range(dialog.table.rowCount())]
    assert states == ["Not ready", "Ready"]  # newest first
    assert dialog.table.item(0, 1).text() == "now" and dialog.table.item(0, 3).text() == "lunch"


def test_the_pbx_own_service_level_is_shown_beside_ours(qtbot) -> None:
    board, _ = replayed_board(qtbot, "queue_status.ami")
    snapshot = board.refresh()
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    with_pbx = [q for q in snapshot.queues if q.pbx_sl_pct is not None]
    assert with_pbx, "queue_status.ami carries QueueParams"
    row = with_pbx[0]
    item = panel.table.item([q.queue for q in snapshot.queues].index(row.queue), 7)
    assert item is not None and item.toolTip() == f"PBX's own figure (QueueParams): {row.pbx_sl_pct:.1f} %"


def test_the_wallboard_cycle_keeps_its_chart_axes_and_shows_each_queues_bars(qtbot) -> None:
    board, _ = replayed_board(qtbot, "concurrent.ami")
    wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
    qtbot.addWidget(wall)
    snapshot = board.refresh()
    wall.show_snapshot(snapshot)
    axes = [id(a) for chart in (wall.calls_chart, wall.sl_chart) for a in chart.axes()]
    series = [id(s) for chart in (wall.calls_chart, wall.sl_chart) for s in chart.series()]
    for _ in range(len(snapshot.queues) + 1):
        wall.next_queue()
        points = snapshot.intervals.get(wall.current_queue() or "", ())[-16:]
        assert wall.chart_bars() == [(float(p.offered), float(p.answered)) for p in points]
        assert [id(a) for chart in (wall.calls_chart, wall.sl_chart) for a in chart.axes()] == axes
        assert [id(s) for chart in (wall.calls_chart, wall.sl_chart) for s in chart.series()] == series
