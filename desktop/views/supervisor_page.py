"""The supervisor's page in the main window: the queue panel above the agent grid, the View menu's
Wallboard action (F11), and the status bar's count of overdue (escalated, open) tickets.

Fed only by `BoardSnapshot`s and a count; emits intents (`agent_activated`, `wallboard_requested`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QToolButton, QVBoxLayout, QWidget

from calldesk_domain.board import BoardSnapshot, Thresholds
from desktop.views.agent_grid import AgentGrid
from desktop.views.queue_panel import QueuePanel
from desktop.views.supervisor_format import stale_text


class SupervisorPage(QWidget):
    agent_activated = Signal(str)  # agent id, double-clicked in the grid
    wallboard_requested = Signal()
    export_requested = Signal()

    def __init__(
        self, thresholds: Thresholds | None = None, zone: tzinfo | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("supervisorPage")
        self.zone = zone
        self.queue_panel = QueuePanel(thresholds)
        self.agent_grid = AgentGrid()
        self.stale_label = QLabel()
        self.stale_label.setObjectName("supervisorStale")
        self.stale_label.setWordWrap(True)
        self.stale_label.setStyleSheet("background: #c62828; color: white; padding: 4px;")
        self.stale_label.hide()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.queue_panel)
        self.splitter.addWidget(self.agent_grid)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.export_action = QAction(self)
        self.export_action.setObjectName("exportDayAction")
        self.export_action.triggered.connect(self.export_requested)
        self.export_button = QToolButton()
        self.export_button.setObjectName("exportDayButton")
        self.export_button.setDefaultAction(self.export_action)
        tools = QHBoxLayout()
        tools.addStretch(1)
        tools.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(tools)
        layout.addWidget(self.stale_label)
        layout.addWidget(self.splitter, 1)
        self.wallboard_action = QAction(self)
        self.wallboard_action.setObjectName("wallboardAction")
        self.wallboard_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.wallboard_action.triggered.connect(self.wallboard_requested)
        self.agent_grid.agent_activated.connect(self.agent_activated)
        self._retranslate()

    def show_snapshot(self, snapshot: BoardSnapshot) -> None:
        for show in self.views():
            show(snapshot)

    def views(self) -> tuple[Callable[[BoardSnapshot], None], ...]:
        """The page's parts that take a snapshot, each apart (the board hands them one loop
        turn apart): the queue panel with the stale banner, then the agent grid."""
        return (self.show_queues, self.agent_grid.show_snapshot)

    def show_queues(self, snapshot: BoardSnapshot) -> None:
        self.queue_panel.show_snapshot(snapshot)
        if snapshot.stale_since is None:
            self.stale_label.hide()
        else:
            self.stale_label.setText(stale_text(snapshot.stale_since, self.zone, snapshot.stale_detail))
            self.stale_label.show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Supervisor"))
        self.wallboard_action.setText(self.tr("&Wallboard"))
        self.export_action.setText(self.tr("Export day to CSV…"))


class OverdueBadge(QLabel):
    """The status bar's "Overdue tickets: N" (hidden at zero)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overdueTickets")
        self.setStyleSheet("color: #c62828; font-weight: bold;")
        self._count = 0
        self._retranslate()

    @property
    def count(self) -> int:
        return self._count

    def set_count(self, count: int) -> None:
        self._count = max(int(count), 0)
        self._retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setText(self.tr("Overdue tickets: %1").replace("%1", str(self._count)))
        self.setToolTip(self.tr("Open tickets the central server escalated to a supervisor"))
        self.setVisible(self._count > 0)
