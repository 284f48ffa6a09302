"""One tab of the customer card: a record table, or a message (loading…, none) in its place, and
under the table a row saying whether older records are still coming ("loading older history…",
"not available offline"). The card paints the cached records at once and appends older ones when
they arrive, so the row is what tells the agent the list may grow."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from desktop.views.record_model import Column, RecordTableModel, make_table


class RecordTab(QStackedWidget):
    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RecordTableModel(columns, self)
        self.table = make_table(self.model)
        self.message = QLabel()
        self.message.setObjectName("tabMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.older = QLabel()
        self.older.setObjectName("olderHistory")
        self.older.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.older.hide()
        self._records_page = QWidget()
        layout = QVBoxLayout(self._records_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.older)
        self.addWidget(self.message)
        self.addWidget(self._records_page)

    def show_message(self, text: str) -> None:
        # The old rows stay in the (hidden) table: emptying it and refilling costs a header rebuild.
        self.message.setText(text)
        self.setCurrentWidget(self.message)

    def show_records(self, records: Sequence[object], empty_text: str, older_text: str = "") -> None:
        """The records (newest first); `older_text` is the row under them ("" hides it). With no
        records but older ones on their way, the table is shown empty above that row."""
        self.model.set_records(records)
        self.set_older_text(older_text)
        if records or older_text:
            self.setCurrentWidget(self._records_page)
            self.table.scrollToTop()
        else:
            self.message.setText(empty_text)
            self.setCurrentWidget(self.message)

    def append_older(self, records: Sequence[object], empty_text: str) -> int:
        """Add the records not shown yet at the end (they are older than the cached window's);
        the agent's scroll position and selection stay. Returns how many were added."""
        shown = {getattr(r, "id", None) for r in self.model.records()}
        added = [r for r in records if getattr(r, "id", None) not in shown]
        self.model.append(added)
        self.set_older_text("")
        if self.model.rowCount():
            self.setCurrentWidget(self._records_page)
        else:
            self.message.setText(empty_text)
            self.setCurrentWidget(self.message)
        return len(added)

    def set_older_text(self, text: str) -> None:
        self.older.setText(text)
        if self.older.isHidden() == bool(text):
            self.older.setVisible(bool(text))

    def showing_records(self) -> bool:
        """The table is on screen (not a message in its place)."""
        return self.currentWidget() is self._records_page

    def older_text(self) -> str:
        return "" if self.older.isHidden() else self.older.text()
