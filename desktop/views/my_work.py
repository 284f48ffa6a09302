"""My work: my open tickets, the team queue and overdue tickets, with filters and sorting.

Thin view: `set_tickets(view, tickets, now)` fills one tab; a double click emits
`ticketOpened(ticket_id)`. Overdue (or escalated) tickets are flagged in red in every list.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.tickets import Category, Ticket, TicketStatus, format_countdown, sla_state
from desktop.views.ticket_labels import ticket_label

VIEWS = ("mine", "team", "overdue")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
OVERDUE_BRUSH = QBrush(QColor("#fee2e2"))


class _Filter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.category = ""
        self.status = ""
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def filterAcceptsRow(self, row: int, parent) -> bool:
        model = self.sourceModel()
        item = model.item(row, 0)
        data = item.data(Qt.ItemDataRole.UserRole + 3) or {}
        if self.category and data.get("category") != self.category:
            return False
        if self.status and data.get("status") != self.status:
            return False
        if self.text:
            haystack = " ".join(str(v) for v in data.values()).lower()
            if self.text.lower() not in haystack:
                return False
        return True


class MyWorkPanel(QWidget):
    ticketOpened = Signal(str)
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget()
        self.models: dict[str, QStandardItemModel] = {}
        self.proxies: dict[str, _Filter] = {}
        self.tables: dict[str, QTableView] = {}
        for view in VIEWS:
            model = QStandardItemModel(0, 6, self)
            proxy = _Filter()
            proxy.setSourceModel(model)
            table = QTableView()
            table.setModel(proxy)
            table.setSortingEnabled(True)
            table.sortByColumn(5, Qt.SortOrder.AscendingOrder)  # SLA due time first
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.verticalHeader().hide()
            table.horizontalHeader().setStretchLastSection(True)
            table.doubleClicked.connect(lambda index, p=proxy: self._open(p, index))
            self.models[view], self.proxies[view], self.tables[view] = model, proxy, table
            self.tabs.addTab(table, "")
        self.category = QComboBox()
        self.category.addItem("", "")
        for category in Category:
            self.category.addItem(category.value, category.value)
        self.status = QComboBox()
        self.status.addItem("", "")
        for status in TicketStatus:
            self.status.addItem(status.value, status.value)
        self.text = QLineEdit()
        self.category_label, self.status_label = QLabel(), QLabel()
        filters = QHBoxLayout()
        for widget in (self.category_label, self.category, self.status_label, self.status, self.text):
            filters.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.tabs, 1)
        self.category.currentIndexChanged.connect(self._apply_filters)
        self.status.currentIndexChanged.connect(self._apply_filters)
        self.text.textChanged.connect(self._apply_filters)
        self._counts = dict.fromkeys(VIEWS, 0)
        self._retranslate()

    def _open(self, proxy: _Filter, index) -> None:
        source = proxy.mapToSource(index)
        item = proxy.sourceModel().item(source.row(), 0)
        if item is not None:
            self.ticketOpened.emit(item.data(ID_ROLE))

    def _apply_filters(self) -> None:
        for proxy in self.proxies.values():
            proxy.category = self.category.currentData() or ""
            proxy.status = self.status.currentData() or ""
            proxy.text = self.text.text().strip()
            proxy.invalidate()

    def set_tickets(self, view: str, tickets: list[Ticket], now: datetime) -> None:
        model = self.models[view]
        model.removeRows(0, model.rowCount())
        for ticket in tickets:
            state = sla_state(ticket, now)
            late = state.overdue or ticket.escalated
            if state.state in ("ok", "due_soon", "overdue"):
                sla_text = format_countdown(state.remaining)
            else:
                sla_text = self._status_name(state.state)
            due_key = ticket.sla_due_at.timestamp() if ticket.sla_due_at else 0.0
            cells = [
                (ticket.id, ticket.id),
                (ticket.customer_id, ticket.customer_id),
                (self._status_name(ticket.category), ticket.category),
                (
                    self._status_name(ticket.priority),
                    ["low", "normal", "high", "urgent"].index(ticket.priority)
                    if ticket.priority in ("low", "normal", "high", "urgent")
                    else 0,
                ),
                (self._status_name(ticket.status), ticket.status),
                (("⚠ " if late else "") + sla_text, due_key),
            ]
            row = []
            for text, key in cells:
                item = QStandardItem(text)
                item.setData(key, SORT_ROLE)
                if late:
                    item.setBackground(OVERDUE_BRUSH)
                row.append(item)
            row[0].setData(ticket.id, ID_ROLE)
            row[0].setData(
                {
                    "category": ticket.category,
                    "status": ticket.status,
                    "id": ticket.id,
                    "customer": ticket.customer_id,
                    "model": ticket.product_model,
                },
                Qt.ItemDataRole.UserRole + 3,
            )
            model.appendRow(row)
        self._counts[view] = len(tickets)
        self._retranslate()

    def dock_title(self) -> str:
        return self.tr("My work")

    def _status_name(self, value: str) -> str:
        own = {
            "met": self.tr("Handed off"),
            "none": "—",
            "": self.tr("(all)"),
        }
        return own[value] if value in own else ticket_label(value)

    def _retranslate(self) -> None:
        titles = {
            "mine": self.tr("My open tickets (%1)"),
            "team": self.tr("Team queue (%1)"),
            "overdue": self.tr("Overdue (%1)"),
        }
        for index, view in enumerate(VIEWS):
            self.tabs.setTabText(index, titles[view].replace("%1", str(self._counts[view])))
            self.models[view].setHorizontalHeaderLabels(
                [
                    self.tr("Ticket"),
                    self.tr("Customer"),
                    self.tr("Category"),
                    self.tr("Priority"),
                    self.tr("Status"),
                    self.tr("SLA"),
                ]
            )
        self.category_label.setText(self.tr("Category"))
        self.status_label.setText(self.tr("Status"))
        for combo in (self.category, self.status):
            for i in range(combo.count()):
                combo.setItemText(i, self._status_name(combo.itemData(i)))
        self.text.setPlaceholderText(self.tr("Filter by id, customer or model"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
