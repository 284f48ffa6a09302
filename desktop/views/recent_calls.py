"""The "calls today" list beside the card: newest first; clicking a call reopens its customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QEvent, QModelIndex, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.views import display
from desktop.views.i18n import QT_TRANSLATE_NOOP
from desktop.views.record_model import Column, RecordTableModel, make_table


@dataclass(frozen=True, slots=True)
class RecentCall:
    call_id: str
    caller_display: str
    customer_name: str | None
    ts: datetime | float | None
    outcome: str
    customer_id: str | None = None
    number: str = ""  # E.164 to call back ("" withheld or not a number)


def _who(call: RecentCall) -> str:
    """The customer's name; for an unknown caller the number (more useful than "unknown")."""
    return call.customer_name or call.caller_display or display.translate(UNKNOWN_CALLER)


UNKNOWN_CALLER = QT_TRANSLATE_NOOP("Vocabulary", "Unknown caller")

RECENT_COLUMNS = (
    Column(QT_TRANSLATE_NOOP("Columns", "Time"), lambda c: display.clock(c.ts), 50),
    Column(
        QT_TRANSLATE_NOOP("Columns", "Caller"), _who, 0, tooltip=lambda c: f"{_who(c)}  {c.caller_display}"
    ),
    Column(QT_TRANSLATE_NOOP("Columns", "Outcome"), lambda c: display.code_label(c.outcome), 92),
)


class RecentCallsPanel(QFrame):
    """Signals: customerChosen(customer_id) for a known customer, callChosen(call_id) always,
    callBackRequested(number) from the Call back button (the selected call's number)."""

    customerChosen = Signal(str)
    callChosen = Signal(str)
    callBackRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recentCalls")
        self._title = QLabel()
        self._title.setObjectName("panelTitle")
        self.model = RecordTableModel(RECENT_COLUMNS, self)
        self.table = make_table(self.model)
        self.table.setObjectName("recentCallsTable")
        self.table.clicked.connect(self._on_clicked)
        self.table.activated.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._title)
        layout.addWidget(self.table, 1)
        self.call_back_button = QPushButton()
        self.call_back_button.setObjectName("recentCallBack")
        self.call_back_button.setEnabled(False)
        self.call_back_button.clicked.connect(self._call_back)
        self.table.selectionModel().currentRowChanged.connect(self._update_call_back)
        layout.addWidget(self.call_back_button)
        self._retranslate()

    def add_call(self, call: RecentCall) -> None:
        self.model.prepend(call)
        self._retranslate()

    def count(self) -> int:
        return self.model.rowCount()

    def _on_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        call: RecentCall = self.model.record(index.row())
        self.callChosen.emit(call.call_id)
        if call.customer_id:
            self.customerChosen.emit(call.customer_id)

    def _selected(self) -> RecentCall | None:
        index = self.table.currentIndex()
        return self.model.record(index.row()) if index.isValid() else None

    def _update_call_back(self, *_args: object) -> None:
        call = self._selected()
        self.call_back_button.setEnabled(call is not None and bool(call.number))

    def _call_back(self) -> None:
        call = self._selected()
        if call is not None and call.number:
            self.callBackRequested.emit(call.number)

    def _retranslate(self) -> None:
        self.call_back_button.setText(self.tr("Call back"))
        self._title.setText(self.tr("Calls today (%1)").replace("%1", str(self.model.rowCount())))
        self.model.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
