"""Missed calls of my queues (abandoned, unanswered) with wait time, Call back, Mark seen and Mark
all seen; and the status-bar count. Fed by calldesk_domain.missed_calls.MissedCalls."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calldesk_domain.missed_calls import MissedCall, MissedCalls, MissedCause
from desktop.views import display
from desktop.views.row_table import put_row, row_table, selected_index


class MissedCallsView(QWidget):
    callBackRequested = Signal(str)  # the caller's number
    unseenCountChanged = Signal(int)
    seenChanged = Signal(list)  # call ids newly marked seen (for the desks layer to store)

    def __init__(self, missed: MissedCalls, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("missedCalls")
        self.missed = missed
        self._rows: list[MissedCall] = []
        self.title = QLabel(self)
        self.table = row_table(self, "missedTable", columns=5, stretch=1)
        self.call_back_button = QPushButton(self)
        self.call_back_button.setObjectName("missedCallBack")
        self.seen_button = QPushButton(self)
        self.seen_button.setObjectName("missedSeen")
        self.all_seen_button = QPushButton(self)
        self.all_seen_button.setObjectName("missedAllSeen")
        buttons = QHBoxLayout()
        buttons.addWidget(self.call_back_button)
        buttons.addWidget(self.seen_button)
        buttons.addStretch(1)
        buttons.addWidget(self.all_seen_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda _item: self._call_back())
        self.call_back_button.clicked.connect(self._call_back)
        self.seen_button.clicked.connect(self._mark_seen)
        self.all_seen_button.clicked.connect(self._mark_all_seen)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the model (after feeding it events)."""
        selected = self.selected()
        self._rows = self.missed.calls()
        self.table.setRowCount(len(self._rows))
        for row, call in enumerate(self._rows):
            cells = (
                display.clock(call.ended_at),
                call.caller or self.tr("Withheld number"),
                call.queue,
                display.duration(call.wait_s),
                self.tr("Hung up waiting")
                if call.cause is MissedCause.ABANDONED
                else self.tr("Not answered"),
            )
            put_row(self.table, row, cells, call.call_id, bold=not call.seen)
            if selected is not None and call.call_id == selected.call_id:
                self.table.selectRow(row)
        self._retranslate()
        self.unseenCountChanged.emit(self.missed.unseen_count())

    def selected(self) -> MissedCall | None:
        index = selected_index(self.table, len(self._rows))
        return None if index is None else self._rows[index]

    def _call_back(self) -> None:
        call = self.selected()
        if call is not None and call.caller:
            self.missed.mark_seen(call.call_id)
            self.callBackRequested.emit(call.caller)
            self.seenChanged.emit([call.call_id])
            self.refresh()

    def _mark_seen(self) -> None:
        call = self.selected()
        if call is not None and self.missed.mark_seen(call.call_id):
            self.seenChanged.emit([call.call_id])
            self.refresh()

    def _mark_all_seen(self) -> None:
        unseen = [call.call_id for call in self.missed.calls() if not call.seen]
        if self.missed.mark_all_seen():
            self.seenChanged.emit(unseen)
            self.refresh()

    def _update_buttons(self) -> None:
        call = self.selected()
        self.call_back_button.setEnabled(call is not None and bool(call.caller))
        self.call_back_button.setToolTip(
            self.tr("The caller withheld the number") if call is not None and not call.caller else ""
        )
        self.seen_button.setEnabled(call is not None and not call.seen)
        self.all_seen_button.setEnabled(self.missed.unseen_count() > 0)

    def _retranslate(self) -> None:
        self.title.setText(self.tr("Missed calls (%1 new)").replace("%1", str(self.missed.unseen_count())))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Time"),
                self.tr("Caller"),
                self.tr("Queue"),
                self.tr("Waited"),
                self.tr("What happened"),
            ]
        )
        self.call_back_button.setText(self.tr("Call back"))
        self.seen_button.setText(self.tr("Mark seen"))
        self.all_seen_button.setText(self.tr("Mark all seen"))
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()
        super().changeEvent(event)


class MissedCallsCount(QPushButton):
    """The status-bar count of unseen missed calls; hidden at zero, a click opens the list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("missedCount")
        self.setFlat(True)
        self.count = 0
        self.set_count(0)

    def set_count(self, count: int) -> None:
        self.count = count
        self.setText(self.tr("Missed: %1").replace("%1", str(count)))
        self.setToolTip(self.tr("Missed calls of your queues you have not seen yet"))
        self.setVisible(count > 0)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.set_count(self.count)
        super().changeEvent(event)
