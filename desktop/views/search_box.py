"""The search line edit with its results list.

Typing is debounced (DEBOUNCE_MS) so fast typing asks the lookup once. Focus stays in the line edit:
Up/Down move through the results, Enter opens the highlighted customer, Esc clears.
The results list floats over the window below the line edit (a child widget, not a popup window,
so it never steals focus or keyboard input).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from calldesk_domain.popcard import PopCard
from desktop.views.record_columns import MATCH_COLUMNS, MatchRow
from desktop.views.record_model import RecordTableModel, make_table

DEBOUNCE_MS = 120
MAX_VISIBLE_ROWS = 10
RESULTS_MIN_WIDTH = 720


class SearchResults(QFrame):
    """The floating results list; its owner positions it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("searchResults")
        self.model = RecordTableModel(MATCH_COLUMNS, self)
        self.table: QTableView = make_table(self.model)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty = QLabel()
        self.empty.setObjectName("searchEmpty")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.table)
        self.hide()


class SearchBox(QLineEdit):
    """Signals: searchChanged(text) after the debounce; customerChosen(customer_id);
    submitted(text) on Enter (a ticket number opens its ticket)."""

    searchChanged = Signal(str)
    customerChosen = Signal(str)
    submitted = Signal(str)

    def __init__(self, overlay_parent: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchBox")
        self.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_search)
        self.textEdited.connect(self._on_edited)
        self.results = SearchResults(overlay_parent)
        self.results.table.clicked.connect(self._on_result_clicked)
        self._overlay_parent = overlay_parent
        self._limited = False
        overlay_parent.installEventFilter(self)
        self._retranslate()

    # -- API -----------------------------------------------------------------------------------
    def show_results(self, cards: list[PopCard], masked: bool, limited: bool = False) -> None:
        """`limited`: the cache's search indexes are still being built (first sync), so only
        exact ids and numbers were looked for; an empty result says so."""
        self._limited = limited
        self._retranslate_empty()
        self.results.model.set_records([MatchRow(card, masked) for card in cards])
        if not self.text().strip():
            self.hide_results()
            return
        self.results.empty.setVisible(not cards)
        self.results.table.setVisible(bool(cards))
        if cards:
            self.results.table.selectRow(0)
        self._place_results()
        self.results.show()
        self.results.raise_()

    def hide_results(self) -> None:
        self.results.hide()

    def result_count(self) -> int:
        return self.results.model.rowCount()

    def clear_search(self) -> None:
        self._debounce.stop()
        self.clear()
        self.hide_results()

    # -- behaviour -----------------------------------------------------------------------------
    def _on_edited(self, text: str) -> None:
        if not text.strip():
            self._debounce.stop()
            self.hide_results()
            self.searchChanged.emit("")
            return
        self._debounce.start()

    def _emit_search(self) -> None:
        self.searchChanged.emit(self.text().strip())

    def _on_result_clicked(self, index: QModelIndex) -> None:
        self._choose(index.row())

    def _choose(self, row: int) -> None:
        if 0 <= row < self.results.model.rowCount():
            customer_id = self.results.model.record(row).card.customer_id
            self.hide_results()
            self.customerChosen.emit(customer_id)

    def _selected_row(self) -> int:
        rows = self.results.table.selectionModel().selectedRows()
        return rows[0].row() if rows else (0 if self.results.model.rowCount() else -1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        visible = self.results.isVisible() and self.results.model.rowCount() > 0
        if key == Qt.Key.Key_Escape:
            self.clear_search()
            return
        if visible and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            row = min(max(self._selected_row() + step, 0), self.results.model.rowCount() - 1)
            self.results.table.selectRow(row)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._debounce.isActive():  # the agent typed and hit Enter at once: search now
                self._debounce.stop()
                self._emit_search()
            if self.text().strip():
                self.submitted.emit(self.text().strip())
            if self.results.isVisible():
                self._choose(self._selected_row())
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        # The agent moved on (clicked the card, tabbed away): the floating list must not cover the card.
        # A menu or another window taking focus for a moment keeps it.
        if event.reason() not in (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason):
            self.hide_results()
        super().focusOutEvent(event)

    def _place_results(self) -> None:
        parent = self._overlay_parent
        top_left = self.mapTo(parent, QPoint(0, self.height() + 2))
        width = max(self.width(), RESULTS_MIN_WIDTH)
        left = max(min(top_left.x(), parent.width() - width - 8), 8)
        table = self.results.table
        if self.results.model.rowCount():
            rows = min(self.results.model.rowCount(), MAX_VISIBLE_ROWS)
            header = max(table.horizontalHeader().sizeHint().height(), table.fontMetrics().height() + 14)
            rows_height = rows * table.verticalHeader().defaultSectionSize()
            height = header + rows_height + 2 * table.frameWidth() + 8
        else:
            height = self.results.empty.heightForWidth(width - 2) + 4  # the text may wrap
        self.results.setGeometry(left, top_left.y(), width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._overlay_parent
            and event.type() == QEvent.Type.Resize
            and self.results.isVisible()
        ):
            self._place_results()
        return False

    def _retranslate(self) -> None:
        self.setPlaceholderText(
            self.tr("Search customers: name, pinyin initials, phone or order no.  (Ctrl+F)")
        )
        self._retranslate_empty()
        self.results.model.retranslate()

    def _retranslate_empty(self) -> None:
        if self._limited:
            self.results.empty.setText(
                self.tr(
                    "No customer found. Name and pinyin search is ready once the first sync has "
                    "built its search index; phone, customer and order numbers work now."
                )
            )
        else:
            self.results.empty.setText(self.tr("No customer found."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
