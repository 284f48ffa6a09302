"""The supervisor views redraw only what changed: no model reset while the agents stay the same,
ticks touch only the duration columns, the queue panel updates the cells that changed (and every
one of them). The wallboard keeps its chart axes across its cycle (test_supervisor_gui.py)."""

from __future__ import annotations

from dataclasses import replace

from calldesk_domain.agent_metrics import Activity
from calldesk_domain.board import AgentRow, BoardSnapshot, Level, QueueRow
from desktop.views.agent_grid import AgentGrid
from desktop.views.i18n import install_translator
from desktop.views.queue_panel import SPARK_ROLE, QueuePanel


def _agents(n: int, since: float) -> tuple[AgentRow, ...]:
    return tuple(
        AgentRow(f"a{i:02d}", "red" if i % 2 else "blue", ("q1",), Activity.READY, "", since + i,
                 None, None, 0, 50.0)
        for i in range(n)
    )  # fmt: skip


def _changes(grid: AgentGrid) -> tuple[list[str], list[tuple[int, int, int, int]]]:
    resets: list[str] = []
    changed: list[tuple[int, int, int, int]] = []
    grid.model.modelReset.connect(lambda: resets.append("reset"))
    grid.model.dataChanged.connect(
        lambda a, b, *_: changed.append((a.row(), a.column(), b.row(), b.column()))
    )
    return resets, changed


def test_a_state_change_repaints_that_agents_cells_and_resets_nothing(qtbot) -> None:
    grid = AgentGrid()
    qtbot.addWidget(grid)
    rows = _agents(30, 1000.0)
    grid.show_snapshot(BoardSnapshot(1010.0, (), rows))
    resets, changed = _changes(grid)
    paused = replace(rows[7], activity=Activity.PAUSED, reason="lunch", since_ts=1010.2)
    grid.show_snapshot(BoardSnapshot(1010.3, (), (*rows[:7], paused, *rows[8:])))
    assert resets == []
    assert changed and all(first == last == 7 for first, _, last, _ in changed)
    assert {column for _, column, _, _ in changed} == {2, 3, 4}  # state, reason, time in state
    assert grid.model.index(7, 3).data() == "lunch"


def test_a_tick_touches_only_the_time_column_and_times_advance(qtbot) -> None:
    grid = AgentGrid()
    qtbot.addWidget(grid)
    rows = _agents(30, 900.0)
    grid.show_snapshot(BoardSnapshot(1010.95, (), rows))
    assert grid.model.index(0, 4).data() == "1:50"
    resets, changed = _changes(grid)
    grid.show_snapshot(BoardSnapshot(1010.96, (), rows))  # no displayed second moved
    assert changed == []
    grid.show_snapshot(BoardSnapshot(1011.95, (), rows))
    assert resets == [] and changed == [(0, 4, 29, 4)]
    assert grid.model.index(0, 4).data() == "1:51"


def test_a_new_team_is_filtered_without_a_reset(qtbot) -> None:
    grid = AgentGrid()
    qtbot.addWidget(grid)
    rows = _agents(6, 1000.0)
    grid.show_snapshot(BoardSnapshot(1001.0, (), rows))
    grid.set_filter(team="red")
    assert grid.visible_agents() == ["a01", "a03", "a05"]
    resets, _ = _changes(grid)
    moved = replace(rows[0], team="red")
    grid.show_snapshot(BoardSnapshot(1001.1, (), (moved, *rows[1:])))
    assert resets == [] and grid.visible_agents() == ["a00", "a01", "a03", "a05"]


def _queue(name: str, waiting: int, spark: tuple[int, ...] = ()) -> QueueRow:
    return QueueRow(name, waiting, None, 10, 9, 1, 0, 90.0, 90.0, 5.0, 60.0, 10.0, 3, 2, 1, spark)


def test_the_panel_follows_each_changed_cell_and_leaves_the_others(qtbot) -> None:
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(BoardSnapshot(1.0, (_queue("q1", 0), _queue("q2", 1)), ()))
    offered = panel.table.item(0, 3)
    panel.show_snapshot(BoardSnapshot(2.0, (_queue("q1", 9, (1, 9)), _queue("q2", 1)), ()))
    assert panel.cell_text("q1", 1).startswith("9") and panel.cell_level("q1", 1) is Level.ALARM
    assert panel.table.item(0, 12).data(SPARK_ROLE) == [1, 9]
    panel.show_snapshot(BoardSnapshot(3.0, (_queue("q1", 0, (1, 9)), _queue("q2", 1)), ()))
    assert panel.cell_text("q1", 1) == "0" and panel.cell_level("q1", 1) is Level.OK
    assert panel.table.item(0, 3) is offered and offered.text() == "10"


def test_a_language_change_repaints_every_cell(qtbot, qapp) -> None:
    grid = AgentGrid()
    qtbot.addWidget(grid)
    install_translator(qapp, "en")
    grid.show_snapshot(BoardSnapshot(1001.0, (), _agents(4, 1000.0)))
    assert grid.model.index(0, 2).data() == "Ready"
    _, changed = _changes(grid)
    try:
        install_translator(qapp, "zh_CN")
        qtbot.waitUntil(lambda: (0, 0, 3, 8) in changed, timeout=2000)
        assert grid.model.index(0, 2).data() != "Ready"
    finally:
        install_translator(qapp, "en")
