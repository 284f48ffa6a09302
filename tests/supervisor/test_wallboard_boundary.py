"""The wallboard's charts at a 15-minute interval boundary, driven by a real board: only what
changed is touched (no relabel for new values or for a queue with the same intervals), and the
relabel a boundary needs is split over two loop turns (calls chart at once, SL chart one turn
later) so it does not add up with the board's snapshot into one long UI stall."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from desktop.cti.events import CallEvent, CallEventKind, QueueEvent, QueueEventKind
from desktop.services.supervisor import SupervisorBoard
from desktop.views.wallboard import Wallboard
from desktop.views.wallboard_charts import CHART_INTERVALS, calls_scale

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = 1_800_000_000.0  # 16:00 in Shanghai
QUARTER = 900.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def board_and_wallboard(qtbot, clock: Clock) -> tuple[SupervisorBoard, Wallboard]:
    """A board on `clock` whose snapshots go to a wallboard (no tick, no cycling: the test drives)."""
    board = SupervisorBoard(SHANGHAI, clock=clock, tick_ms=0)
    wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
    qtbot.addWidget(wall)
    board.snapshot_ready.connect(wall.show_snapshot)
    return board, wall


def call(board: SupervisorBoard, queue: str, call_id: str, joined: float, answered: bool = True) -> None:
    board.feed(QueueEvent(QueueEventKind.JOIN, queue, joined, call_id=call_id))
    if answered:
        board.feed(CallEvent(CallEventKind.ANSWERED, call_id, joined + 5, queue=queue, agent="1001"))
    else:
        board.feed(QueueEvent(QueueEventKind.ABANDON, queue, joined + 40, call_id=call_id, wait_s=40))


def labels(first: int, count: int = CHART_INTERVALS) -> list[str]:
    return [
        datetime.fromtimestamp(T0 + QUARTER * i, SHANGHAI).strftime("%H:%M")
        for i in range(first, first + count)
    ]


def line_of(board: SupervisorBoard, queue: str) -> list[tuple[float, float]]:
    """The SL line the board's last snapshot asks for."""
    assert board.last_snapshot is not None
    points = board.last_snapshot.intervals[queue][-CHART_INTERVALS:]
    return [(float(i), p.sl_pct) for i, p in enumerate(points) if p.sl_pct is not None]


def test_an_interval_boundary_relabels_each_chart_once_and_the_sl_chart_a_turn_later(qtbot) -> None:
    clock = Clock(T0 + QUARTER * 16 + 60)
    board, wall = board_and_wallboard(qtbot, clock)
    for interval in range(17):  # a call in each of 17 intervals; the chart shows the last 16
        for queue in ("q", "r"):
            call(board, queue, f"{queue}{interval}", T0 + QUARTER * interval + 1, answered=interval % 2 == 0)
    board.refresh()
    charts = wall.charts
    qtbot.waitUntil(lambda: charts.sl_shown()[0] == labels(1), timeout=2000)
    assert charts.calls_x.categories() == labels(1)
    relabels = {"calls": 0, "sl": 0}
    charts.calls_x.categoriesChanged.connect(lambda: relabels.__setitem__("calls", relabels["calls"] + 1))
    charts.sl_x.categoriesChanged.connect(lambda: relabels.__setitem__("sl", relabels["sl"] + 1))
    axes = [id(a) for chart in (wall.calls_chart, wall.sl_chart) for a in chart.axes()]

    # new values in the current interval: bars and line move, no axis is relabelled
    call(board, "q", "q16b", T0 + QUARTER * 16 + 30)
    board.refresh()
    assert wall.chart_bars()[-1] == (2.0, 2.0)
    assert charts.sl_shown()[1] == line_of(board, "q")
    shown_before_boundary = charts.sl_shown()
    # the other queue has the same intervals: shown without a relabel
    wall.next_queue()
    assert wall.current_queue() == "r" and wall.chart_bars()[-1] == (1.0, 1.0)
    wall.next_queue()
    qtbot.wait(20)
    assert relabels == {"calls": 0, "sl": 0}

    # the boundary: the first call of interval 17
    clock.now = T0 + QUARTER * 17 + 10
    call(board, "q", "q17", T0 + QUARTER * 17 + 1, answered=False)
    board.refresh()
    assert charts.calls_x.categories() == labels(2) and relabels["calls"] == 1
    assert wall.chart_bars()[-1] == (1.0, 0.0) and len(wall.chart_bars()) == CHART_INTERVALS
    # the SL chart still shows its previous labels and line, consistent with each other...
    sl_labels, sl_line = charts.sl_shown()
    assert (sl_labels, sl_line) == shown_before_boundary and relabels["sl"] == 0
    # ...and follows on the next loop turn, with the newest points
    call(board, "q", "q17b", T0 + QUARTER * 17 + 2)
    board.refresh()
    assert relabels["sl"] == 0
    qtbot.waitUntil(lambda: charts.sl_shown()[0] == labels(2), timeout=2000)
    assert relabels == {"calls": 1, "sl": 1}
    assert charts.sl_shown()[1] == line_of(board, "q") != shown_before_boundary[1]
    assert [id(a) for chart in (wall.calls_chart, wall.sl_chart) for a in chart.axes()] == axes


def test_the_sl_chart_follows_a_relabel_even_when_the_wallboard_is_closed_first(qtbot) -> None:
    """The pending turn belongs to the chart: closing and deleting the wallboard in between
    neither raises nor draws into a deleted chart."""
    clock = Clock(T0 + QUARTER + 60)
    board = SupervisorBoard(SHANGHAI, clock=clock, tick_ms=0)
    wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
    board.snapshot_ready.connect(wall.show_snapshot)
    call(board, "q", "c0", T0 + 1)
    call(board, "q", "c1", T0 + QUARTER + 1)
    board.refresh()
    board.snapshot_ready.disconnect(wall.show_snapshot)
    wall.close()
    wall.deleteLater()
    qtbot.wait(30)


def test_sixteen_interval_labels_fit_in_full_at_1366_px_in_english_and_chinese(qtbot, qapp) -> None:
    """Side by side, 16 "HH:mm" labels did not fit the ~36 px an interval gets in half of a 1366 px
    wallboard (Qt cut them to "1…"): upright, each needs a line's height across and its full width
    down, and the plot keeps most of its height."""
    from PySide6.QtGui import QFontMetricsF

    from desktop.views.i18n import install_translator, load_fonts

    load_fonts(qapp)
    clock = Clock(T0 + QUARTER * 16 + 60)
    board = SupervisorBoard(SHANGHAI, clock=clock, tick_ms=0)
    for interval in range(17):
        call(board, "售后服务", f"c{interval}", T0 + QUARTER * interval + 1)
    snapshot = board.refresh()
    try:
        for language in ("zh_CN", "en"):
            install_translator(qapp, language)
            wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
            qtbot.addWidget(wall)
            wall.show_snapshot(snapshot)
            wall.resize(1366, 768)
            wall.show()
            charts = wall.charts
            qtbot.waitUntil(lambda: charts.sl_shown()[0] == labels(1), timeout=2000)  # noqa: B023
            qtbot.wait(50)  # the charts' layout
            for chart, axis in ((wall.calls_chart, charts.calls_x), (wall.sl_chart, charts.sl_x)):
                assert axis.categories() == labels(1) and axis.labelsAngle() == -90
                metrics = QFontMetricsF(axis.labelsFont())
                plot = chart.plotArea()
                room = plot.width() / CHART_INTERVALS
                assert room < max(metrics.horizontalAdvance(text) for text in labels(1)) + 8  # flat: cut
                assert room >= metrics.height()  # upright: each label has its line
                below = chart.size().height() - plot.bottom()  # axis labels, legend, margins
                assert below >= max(metrics.horizontalAdvance(text) for text in labels(1))
                assert plot.height() >= 100
            wall.close()
    finally:
        install_translator(qapp, "en")


def test_the_calls_axis_has_round_steps_and_moves_only_when_a_bar_passes_its_top(qtbot) -> None:
    assert [calls_scale(n) for n in (0, 1, 4, 7, 12, 43, 86, 321)] == [
        (1.0, 2), (1.0, 2), (4.0, 5), (8.0, 5), (15.0, 4), (50.0, 6), (100.0, 6), (400.0, 5),
    ]  # fmt: skip
    clock = Clock(T0 + 600)
    board, wall = board_and_wallboard(qtbot, clock)
    axis = wall.charts.calls_y
    for n in range(12):
        call(board, "q", f"c{n}", T0 + n)
    board.refresh()
    assert (axis.min(), axis.max(), axis.tickCount()) == (0.0, 15.0, 4)  # 0, 5, 10, 15
    tops: list[float] = []
    axis.maxChanged.connect(tops.append)
    for n in range(12, 16):  # the growing interval: a layout only when it passes 15
        call(board, "q", f"c{n}", T0 + n)
        board.refresh()
    assert wall.chart_bars() == [(16.0, 16.0)]
    assert tops == [20.0] and axis.tickCount() == 5


def test_the_cycle_to_another_queue_draws_its_sl_line_a_loop_turn_after_its_bars(qtbot) -> None:
    clock = Clock(T0 + QUARTER * 2 + 60)
    board, wall = board_and_wallboard(qtbot, clock)
    for interval in range(3):
        call(board, "q", f"q{interval}", T0 + QUARTER * interval + 1)  # answered: SL 100 %
        call(board, "r", f"r{interval}", T0 + QUARTER * interval + 1, answered=interval != 1)
    call(board, "r", "r2b", T0 + QUARTER * 2 + 2)
    board.refresh()
    charts = wall.charts
    qtbot.waitUntil(lambda: charts.sl_shown()[1] == line_of(board, "q"), timeout=2000)
    q_line = charts.sl_shown()[1]
    wall.next_queue()
    assert wall.current_queue() == "r" and wall.chart_bars() == [(1.0, 1.0), (1.0, 0.0), (2.0, 2.0)]
    assert charts.sl_shown()[1] == q_line  # still the previous queue's line, whole, for a turn
    qtbot.waitUntil(lambda: charts.sl_shown()[1] == line_of(board, "r"), timeout=2000)
    assert line_of(board, "r") != q_line


def test_an_sl_of_100_percent_is_drawn_below_the_plots_top_edge(qtbot) -> None:
    clock = Clock(T0 + QUARTER * 2 + 60)
    board, wall = board_and_wallboard(qtbot, clock)
    wall.resize(1366, 768)
    wall.show()
    for interval in range(3):  # every call answered at once: SL 100 % in each interval
        call(board, "q", f"q{interval}", T0 + QUARTER * interval + 1)
    board.refresh()
    charts = wall.charts
    qtbot.waitUntil(lambda: len(charts.sl_shown()[1]) == 3, timeout=2000)
    assert all(y == 100.0 for _, y in charts.sl_shown()[1])
    qtbot.wait(50)  # the chart lays out its plot area
    plot = wall.sl_chart.plotArea()
    top_of_line = wall.sl_chart.mapToPosition(charts.sl_line.at(0), charts.sl_line).y()
    assert plot.height() > 0 and top_of_line - plot.top() >= 3  # not on the frame
    ticks = charts.sl_y
    assert ticks.tickInterval() == 20 and ticks.tickAnchor() == 0 and ticks.max() > 100


def test_a_quiet_queue_gets_the_calls_axis_of_its_scale_not_qts_default_ticks(qtbot) -> None:
    clock = Clock(T0 + QUARTER * 2 + 60)
    board, wall = board_and_wallboard(qtbot, clock)
    for interval in range(3):  # one call an interval: the axis' top stays at 1
        call(board, "q", f"q{interval}", T0 + QUARTER * interval + 1)
    board.refresh()
    axis = wall.charts.calls_y
    assert (axis.min(), axis.max()) == (0, 1)
    assert axis.tickCount() == calls_scale(1)[1] == 2  # 0 and 1, not 0, 0, 0, 0, 1 (Qt's 5 ticks)
