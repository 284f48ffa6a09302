"""The agent grid: one row per agent with state, pause reason, time in state (ticking), caller,
call duration, calls handled and occupancy; filters by team and queue; double-click an agent for
today's intervals (`agent_activated`, answered by the desk with `AgentDayDialog`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.board import AgentDay, AgentRow, BoardSnapshot
from desktop.views.agent_actions import AgentActions
from desktop.views.supervisor_format import (
    ACTIVITY_COLOURS,
    NO_VALUE,
    activity_text,
    clock_time,
    duration,
    percent,
)

AGENT_ROLE = Qt.ItemDataRole.UserRole + 1
_DISPLAY, _AGENT = int(Qt.ItemDataRole.DisplayRole), int(AGENT_ROLE)
_ROLES = frozenset({_DISPLAY, _AGENT, int(Qt.ItemDataRole.ForegroundRole)})
FILTER_COLUMN = 1  # its key holds what the filter looks at: team and queues
ANY = ""  # the "all teams / all queues" filter value
Index = QModelIndex | QPersistentModelIndex


class AgentTableModel(QAbstractTableModel):
    COLUMNS = 9

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[AgentRow, ...] = ()
        self._keys: list[tuple[object, ...]] = []
        self.now = 0.0

    def set_snapshot(self, snapshot: BoardSnapshot) -> bool:
        """Repaint only the cells whose text changes: a tick moves "time in state" and "call
        duration" (one column range each), a state change one agent's cells. The rows are reset
        only when the set of agents changes (a reset repaints and re-filters everything).
        Returns True when an agent's team or queues changed (the filter must run again)."""
        self.now = snapshot.now
        keys = [self._cell_keys(row) for row in snapshot.agents]
        same = [r.agent for r in self.rows] == [r.agent for r in snapshot.agents]
        if not (same and self.rows):
            self.beginResetModel()
            self.rows, self._keys = snapshot.agents, keys
            self.endResetModel()
            return False
        old, self.rows, self._keys = self._keys, snapshot.agents, keys
        changed: list[list[int]] = [[] for _ in range(self.COLUMNS)]  # column -> rows, ascending
        for row, (before, after) in enumerate(zip(old, keys, strict=True)):
            if before != after:
                for column in range(self.COLUMNS):
                    if before[column] != after[column]:
                        changed[column].append(row)
        for column, rows in enumerate(changed):
            if rows:  # one range per column: the view repaints only its visible strip (CellTable)
                self.dataChanged.emit(self.index(rows[0], column), self.index(rows[-1], column))
        return bool(changed[FILTER_COLUMN])

    def retranslate(self) -> None:
        """Another language: every cell's text may change although no key did (state names)."""
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, self.COLUMNS - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.COLUMNS - 1)

    def _cell_keys(self, row: AgentRow) -> tuple[object, ...]:
        """What each column's text (and colour) depends on, per column: equal keys, equal cells.
        Durations show whole seconds (`duration`), occupancy one decimal (`percent`); the filter
        inputs (team, queues) ride on the team column so a change re-runs the filter."""
        now = self.now
        return (
            row.agent,
            (row.team, row.queues),
            row.activity,
            row.reason,
            None if row.since_ts is None else int(max(0.0, now - row.since_ts)),
            (row.caller, row.call_since_ts is None),
            None if row.call_since_ts is None else int(max(0.0, now - row.call_since_ts)),
            row.calls_handled,
            percent(row.occupancy_pct),
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return [
            self.tr("Agent"),
            self.tr("Team"),
            self.tr("State"),
            self.tr("Reason"),
            self.tr("Time in state"),
            self.tr("Caller"),
            self.tr("Call duration"),
            self.tr("Calls handled"),
            self.tr("Occupancy"),
        ][section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # a repaint asks each cell for seven roles, each a call from Qt into Python; the roles no
        # cell has are answered before anything else is looked at (ints: no enum comparisons)
        if role not in _ROLES or not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == _DISPLAY:
            return self._text(row, index.column())
        if role == _AGENT:
            return row.agent
        return ACTIVITY_COLOURS[row.activity] if index.column() == 2 else None

    def _text(self, row: AgentRow, column: int) -> str:
        if column == 0:
            return row.agent
        if column == 1:
            return row.team or NO_VALUE
        if column == 2:
            return activity_text(row.activity)
        if column == 3:
            return row.reason or ""
        if column == 4:
            return duration(None if row.since_ts is None else self.now - row.since_ts)
        if column == 5:
            return row.caller or ("" if row.call_since_ts is None else self.tr("withheld"))
        if column == 6:
            return "" if row.call_since_ts is None else duration(self.now - row.call_since_ts)
        if column == 7:
            return str(row.calls_handled)
        return percent(row.occupancy_pct)


class AgentFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # a tick must not re-run the filter over every agent: the grid re-filters when the
        # model says a team or queue membership changed (AgentTableModel.set_snapshot)
        self.setDynamicSortFilter(False)
        self.team = ANY
        self.queue = ANY

    def set_filter(self, team: str, queue: str) -> None:
        self.beginFilterChange()
        self.team, self.queue = team, queue
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, AgentTableModel):
            return True
        row = model.rows[source_row]
        return (self.team == ANY or row.team == self.team) and (self.queue == ANY or self.queue in row.queues)


class CellTable(QTableView):
    """A table view that repaints only the visible cells of a changed range. QAbstractItemView
    repaints its whole viewport for any range larger than one cell; a ticking column of 200
    agents would repaint every cell of the grid four times a second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # PySide builds the enums behind `viewport()` on its first call from Python (~20 ms):
        # here, while the window is built, not in the middle of the first live update
        self.viewport()

    def dataChanged(self, top_left: Index, bottom_right: Index, roles: Sequence[int] = ()) -> None:
        if top_left == bottom_right or QAccessible.isActive() or not self.isVisible():
            super().dataChanged(top_left, bottom_right, roles)
            return
        rect = self.visualRect(top_left).united(self.visualRect(bottom_right))
        rect = rect.intersected(self.viewport().rect())
        if not rect.isEmpty():
            self.viewport().update(rect)


class AgentGrid(QWidget):
    agent_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AgentTableModel(self)
        self.proxy = AgentFilter(self)
        self.proxy.setSourceModel(self.model)
        self.team_box = QComboBox()
        self.team_box.setObjectName("agentTeamFilter")
        self.queue_box = QComboBox()
        self.queue_box.setObjectName("agentQueueFilter")
        self.team_label = QLabel()
        self.queue_label = QLabel()
        self.view = CellTable()
        self.view.setObjectName("agentGridTable")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(self._activated)
        # supervisor actions on the selected agent: buttons below, the same in the context menu
        self.agent_actions = AgentActions()
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.addActions(list(self.agent_actions.by_name.values()))  # their Alt+letter in the whole grid
        filters = QHBoxLayout()
        filters.addWidget(self.team_label)
        filters.addWidget(self.team_box)
        filters.addSpacing(16)
        filters.addWidget(self.queue_label)
        filters.addWidget(self.queue_box)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.view)
        layout.addWidget(self.agent_actions)
        self.team_box.currentIndexChanged.connect(self._filter_changed)
        self.queue_box.currentIndexChanged.connect(self._filter_changed)
        self._teams: tuple[str, ...] = ()
        self._queues: tuple[str, ...] = ()
        self._retranslate()

    def _retranslate(self) -> None:
        self.team_label.setText(self.tr("Team:"))
        self.queue_label.setText(self.tr("Queue:"))
        self._fill(self.team_box, self._teams, self.tr("All teams"))
        self._fill(self.queue_box, self._queues, self.tr("All queues"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.model.retranslate()
        super().changeEvent(event)

    def show_snapshot(self, snapshot: BoardSnapshot) -> None:
        selected = self.selected_row()
        if self.model.set_snapshot(snapshot):
            self.proxy.set_filter(self.proxy.team, self.proxy.queue)
        if selected is not None and self.selected_row() is None:  # a model reset drops the selection
            self.select_agent(selected.agent)
        teams = tuple(sorted({a.team for a in snapshot.agents if a.team}))
        queues = tuple(sorted({q for a in snapshot.agents for q in a.queues}))
        if teams != self._teams:
            self._teams = teams
            self._fill(self.team_box, teams, self.tr("All teams"))
        if queues != self._queues:
            self._queues = queues
            self._fill(self.queue_box, queues, self.tr("All queues"))
        self._selection_changed()  # the selected agent's call or state may have changed

    def selected_row(self) -> AgentRow | None:
        index = self.view.currentIndex()
        agent = index.data(AGENT_ROLE) if index.isValid() else None
        return next((row for row in self.model.rows if row.agent == agent), None)

    def select_agent(self, agent: str) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(AGENT_ROLE) == agent:
                self.view.setCurrentIndex(self.proxy.index(row, 0))
                return True
        return False

    def _selection_changed(self) -> None:
        self.agent_actions.set_agent(self.selected_row())

    def _context_menu(self, where: QPoint) -> None:
        index = self.view.indexAt(where)
        if index.isValid():
            self.view.setCurrentIndex(index)
        self.agent_actions.popup_menu(self.view.viewport().mapToGlobal(where))

    def visible_agents(self) -> list[str]:
        return [str(self.proxy.index(r, 0).data(AGENT_ROLE)) for r in range(self.proxy.rowCount())]

    def set_filter(self, team: str = ANY, queue: str = ANY) -> None:
        self.team_box.setCurrentIndex(max(0, self.team_box.findData(team)))
        self.queue_box.setCurrentIndex(max(0, self.queue_box.findData(queue)))

    def _fill(self, box: QComboBox, values: tuple[str, ...], everything: str) -> None:
        current = box.currentData() or ANY
        box.blockSignals(True)
        box.clear()
        box.addItem(everything, ANY)
        for value in values:
            box.addItem(value, value)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.blockSignals(False)
        self._filter_changed()

    def _filter_changed(self) -> None:
        self.proxy.set_filter(self.team_box.currentData() or ANY, self.queue_box.currentData() or ANY)

    def _activated(self, index: QModelIndex) -> None:
        agent = index.data(AGENT_ROLE)
        if agent:
            self.agent_activated.emit(str(agent))


class AgentDayDialog(QDialog):
    """Today's state intervals of one agent (from `SupervisorBoard.agent_day`)."""

    def __init__(self, day: AgentDay, zone: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Today: {agent}").format(agent=day.agent))
        self.table = QTableWidget(len(day.intervals), 4, self)
        self.table.setHorizontalHeaderLabels(
            [self.tr("From"), self.tr("To"), self.tr("State"), self.tr("Reason")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, interval in enumerate(reversed(day.intervals)):
            end = self.tr("now") if interval.end_ts is None else clock_time(interval.end_ts, zone)
            cells = [
                clock_time(interval.start_ts, zone),
                end,
                activity_text(interval.activity),
                interval.reason,
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 420)
