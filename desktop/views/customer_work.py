"""The card's "Tickets & contacts" tab: this customer's tickets and contact logs from the cache,
newest first. A click on a ticket (or on a contact linked to one) asks for that ticket."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QWidget

from calldesk_domain.customer_work import WorkItem
from desktop.views import display
from desktop.views.i18n import QT_TRANSLATE_NOOP
from desktop.views.record_model import Column
from desktop.views.record_tab import RecordTab
from desktop.views.ticket_labels import ticket_label

_CONTACT_LOG = QT_TRANSLATE_NOOP("Vocabulary", "Contact log")


def _kind(item: WorkItem) -> str:
    return display.translate(_CONTACT_LOG) if item.kind == "contact" else display.code_label(item.kind)


def _status(item: WorkItem) -> str:
    return ticket_label(item.status) if item.kind == "ticket" else display.code_label(item.status)


def _number(item: WorkItem) -> str:
    return item.ticket_id or "—"


WORK_COLUMNS = (
    Column(QT_TRANSLATE_NOOP("Columns", "Date"), lambda i: display.date_time(i.at), 132),
    Column(QT_TRANSLATE_NOOP("Columns", "Type"), _kind, 92),
    Column(QT_TRANSLATE_NOOP("Columns", "Ticket no."), _number, 150),
    Column(QT_TRANSLATE_NOOP("Columns", "Status"), _status, 120),
    Column(QT_TRANSLATE_NOOP("Columns", "Summary"), lambda i: i.summary.replace("\n", " "), 0),
)


class CustomerWorkTab(RecordTab):
    """Signals: ticketOpened(ticket_id)."""

    ticketOpened = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(WORK_COLUMNS, parent)
        self.table.setObjectName("customerWorkTable")
        self.table.clicked.connect(self._open)
        self.table.activated.connect(self._open)  # Enter on a selected row

    def show_items(self, items: Sequence[WorkItem]) -> None:
        self.show_records(items, self.tr("No tickets or contact logs for this customer"))

    def item(self, row: int) -> WorkItem:
        record: WorkItem = self.model.record(row)
        return record

    def row_of(self, ticket_id: str) -> int:
        for row, record in enumerate(self.model.records()):
            if record.kind == "ticket" and record.id == ticket_id:
                return row
        return -1

    def _open(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        item = self.item(index.row())
        if item.ticket_id:
            self.ticketOpened.emit(item.ticket_id)
