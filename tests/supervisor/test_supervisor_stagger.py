"""The board hands each snapshot to its views one loop turn apart (SupervisorBoard.add_view): the
first view once the loop ran after the snapshot's turn, each next one after it ran again, so no
single turn holds the snapshot and every view's update and repaint. Every view still ends on the
newest figures."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer

from calldesk_domain.board import BoardSnapshot
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    QueueEvent,
    QueueEventKind,
)
from desktop.services.supervisor import TICK_PHASE_S, SupervisorBoard
from desktop.views.supervisor_page import SupervisorPage
from desktop.views.wallboard import Wallboard

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = 1_800_000_000.0
OFFERED = 3  # queue panel column


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _board(clock: Clock) -> SupervisorBoard:
    return SupervisorBoard(SHANGHAI, clock=clock, refresh_ms=10_000, tick_ms=0)


def _calls(board: SupervisorBoard, queue: str, first: int, count: int) -> None:
    for n in range(first, first + count):
        call_id = f"{queue}-{n}"
        board.feed(QueueEvent(QueueEventKind.JOIN, queue, T0 + n, call_id=call_id))
        board.feed(CallEvent(CallEventKind.ANSWERED, call_id, T0 + n + 4, queue=queue, agent="1001"))


def test_the_snapshot_and_each_view_get_their_own_loop_turn_in_the_order_added(qtbot) -> None:
    board = _board(Clock(T0 + 60))
    seen: list[tuple[str, float]] = []

    def panel(snapshot: BoardSnapshot) -> None:
        seen.append(("panel", snapshot.now))
        # work the loop does meanwhile (the panel's repaint, another timer) runs before the grid
        QTimer.singleShot(0, lambda: seen.append(("loop", 0.0)))

    board.add_view(panel)
    for name in ("grid", "wallboard"):
        board.add_view(lambda snapshot, name=name: seen.append((name, snapshot.now)))
    now = board.refresh().now
    assert seen == []  # the snapshot's own turn holds no view
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=2000)
    assert seen == [("panel", now), ("loop", 0.0), ("grid", now), ("wallboard", now)]


def test_a_timer_that_fell_due_while_a_view_worked_runs_before_the_next_view(qtbot) -> None:
    """The bench's lag meter, an input's timer, the collector: what fell due during a long view
    update gets the loop before the next view does."""
    board = _board(Clock(T0 + 60))
    seen: list[str] = []
    due = QTimer()
    due.setSingleShot(True)
    due.setTimerType(Qt.TimerType.PreciseTimer)
    due.timeout.connect(lambda: seen.append("timer"))

    def panel(_snapshot: BoardSnapshot) -> None:
        seen.append("panel")
        due.start(1)
        busy_until = time.perf_counter() + 0.01  # a 10 ms update
        while time.perf_counter() < busy_until:
            pass

    board.add_view(panel)
    board.add_view(lambda _snapshot: seen.append("grid"))
    board.refresh()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=2000)
    assert seen == ["panel", "timer", "grid"]


def test_a_newer_snapshot_before_every_view_had_the_last_reaches_all_of_them(qtbot) -> None:
    clock = Clock(T0 + 60)
    board = _board(clock)
    seen: dict[str, list[float]] = {"panel": [], "grid": [], "wallboard": []}

    def panel(snapshot: BoardSnapshot) -> None:
        seen["panel"].append(snapshot.now)
        if len(seen["panel"]) == 1:  # the tick comes while the first hand-over is under way
            clock.now = T0 + 61
            board.refresh()

    board.add_view(panel)
    for name in ("grid", "wallboard"):
        board.add_view(lambda snapshot, name=name: seen[name].append(snapshot.now))
    board.refresh()
    qtbot.waitUntil(lambda: bool(seen["wallboard"]), timeout=2000)
    qtbot.wait(20)
    # the grid and the wallboard never got the first snapshot: only the newest
    assert seen == {"panel": [T0 + 60, T0 + 61], "grid": [T0 + 61], "wallboard": [T0 + 61]}


def test_the_page_and_the_wallboard_show_the_new_figures_after_their_turns(qtbot) -> None:
    clock = Clock(T0 + 120)
    board = _board(clock)
    page = SupervisorPage(zone=SHANGHAI)
    wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
    for widget in (page, wall):
        qtbot.addWidget(widget)
    for show in (*page.views(), wall.show_snapshot):
        board.add_view(show)
    board.feed(AgentEvent(AgentEventKind.ADDED, "1001", T0, queue="sales"))
    _calls(board, "sales", 0, 3)
    board.refresh()
    qtbot.waitUntil(lambda: wall.chart_bars() == [(3.0, 3.0)], timeout=2000)
    assert page.queue_panel.cell_text("sales", OFFERED) == "3"
    assert page.agent_grid.model.rows and page.agent_grid.model.rows[0].agent == "1001"
    assert wall.current_queue() == "sales"

    _calls(board, "sales", 10, 2)  # a burst, then the tick
    clock.now += 1
    board.refresh()
    qtbot.waitUntil(lambda: wall.chart_bars() == [(5.0, 5.0)], timeout=2000)
    assert page.queue_panel.cell_text("sales", OFFERED) == "5"
    assert page.agent_grid.model.now == wall.snapshot.now == board.last_snapshot.now  # type: ignore[union-attr]


def test_a_view_added_late_shows_the_last_snapshot_and_a_removed_or_deleted_one_nothing(qtbot) -> None:
    clock = Clock(T0 + 60)
    board = _board(clock)
    first: list[BoardSnapshot] = []
    board.add_view(first.append)
    board.refresh()
    wall = Wallboard(zone=SHANGHAI, cycle_ms=0)
    board.add_view(wall.show_snapshot)
    assert wall.snapshot is board.last_snapshot  # at once, as View > Wallboard opens it
    late: list[BoardSnapshot] = []
    board.add_view(late.append)
    board.remove_view(late.append)
    board.refresh()
    wall.close()
    wall.deleteLater()  # deleted while its turn is pending: the board neither raises nor calls it
    qtbot.wait(30)
    clock.now += 1
    board.refresh()
    qtbot.wait(30)
    # the first two snapshots came in one loop turn: the first view got only the newer
    assert [snapshot.now for snapshot in first] == [T0 + 60, T0 + 61] and len(late) == 1


def test_the_tick_keeps_off_the_fractions_of_a_second_qt_gives_coarse_timers(qtbot) -> None:
    """Qt moves coarse timers onto .0, .5, .25/.75, .2/.4/.6/.8 of the monotonic clock's seconds
    (the Qt-thread collector and the desk's link poll end up in one loop pass); the board's tick (its
    snapshot) runs at .125 of each second, so it is not in that pass."""
    board = SupervisorBoard(SHANGHAI, clock=Clock(T0), refresh_ms=10_000, tick_ms=1000)
    ticks: list[float] = []
    board.snapshot_ready.connect(lambda _snapshot: ticks.append(time.monotonic() % 1.0))
    board.start()
    try:
        qtbot.waitUntil(lambda: len(ticks) >= 4, timeout=5000)
    finally:
        board.stop()
    phases = sorted(ticks[1:])  # [0]: start() itself
    # a timer is never early, it may be late on a busy machine: the median, and room after .125
    # (a coarse tick would sit on .0 or .25, 125 ms off)
    assert TICK_PHASE_S - 0.02 <= phases[len(phases) // 2] < TICK_PHASE_S + 0.1, ticks
