"""Calls today (inbound and outbound, persisted by the desks layer): a row opens what fits, the
customer's card (one match), the search (several), or a new-caller page (none); Call back dials."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.views import display
from desktop.views.row_table import put_row, row_table, selected_index


class Direction(enum.StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


@dataclass(frozen=True, slots=True)
class TodayCall:
    call_id: str
    started_at: float
    direction: Direction
    number: str | None  # None: withheld
    customer_id: str | None = None  # the one matching customer, if there is exactly one
    customer_name: str = ""
    matches: int = 0  # customers with this number
    duration_s: float = 0.0
    outcome: str = ""


class CallsTodayTable(QWidget):
    openCardRequested = Signal(str)  # customer id
    newCallerRequested = Signal(str)  # number
    searchRequested = Signal(str)  # number (several customers share it), or "" when withheld
    callBackRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callsToday")
        self._rows: list[TodayCall] = []
        self.title = QLabel(self)
        self.table = row_table(self, "callsTodayTable", columns=5, stretch=2)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("todayOpen")
        self.call_back_button = QPushButton(self)
        self.call_back_button.setObjectName("todayCallBack")
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.call_back_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemActivated.connect(lambda _item: self.open_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.open_button.clicked.connect(self.open_selected)
        self.call_back_button.clicked.connect(self._call_back)
        self._retranslate()

    def set_calls(self, calls: Iterable[TodayCall]) -> None:
        self._rows = sorted(calls, key=lambda call: call.started_at, reverse=True)
        self.table.setRowCount(len(self._rows))
        for row, call in enumerate(self._rows):
            who = call.customer_name or call.number or self.tr("Withheld number")
            if call.matches > 1 and not call.customer_name:
                who = (
                    self.tr("%1 (%2 customers)")
                    .replace("%1", call.number or "")
                    .replace("%2", str(call.matches))
                )
            cells = (
                display.clock(call.started_at),
                self.tr("In") if call.direction is Direction.INBOUND else self.tr("Out"),
                who,
                display.duration(call.duration_s),
                display.code_label(call.outcome) if call.outcome else "",
            )
            put_row(self.table, row, cells, call.call_id)
        self._update_buttons()

    def selected(self) -> TodayCall | None:
        index = selected_index(self.table, len(self._rows))
        return None if index is None else self._rows[index]

    def open_selected(self) -> None:
        call = self.selected()
        if call is None:
            return
        if call.customer_id:
            self.openCardRequested.emit(call.customer_id)
        elif call.number is None or call.matches > 1:
            self.searchRequested.emit(call.number or "")
        else:
            self.newCallerRequested.emit(call.number)

    def _call_back(self) -> None:
        call = self.selected()
        if call is not None and call.number:
            self.callBackRequested.emit(call.number)

    def _update_buttons(self) -> None:
        call = self.selected()
        self.open_button.setEnabled(call is not None)
        self.call_back_button.setEnabled(call is not None and bool(call.number))

    def _retranslate(self) -> None:
        self.title.setText(self.tr("Calls today"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Time"),
                self.tr("Direction"),
                self.tr("Customer"),
                self.tr("Length"),
                self.tr("Outcome"),
            ]
        )
        self.open_button.setText(self.tr("Open"))
        self.open_button.setToolTip(self.tr("The customer's card, a new-caller page, or the search"))
        self.call_back_button.setText(self.tr("Call back"))
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.set_calls(self._rows)
        super().changeEvent(event)
