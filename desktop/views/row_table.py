"""A read-only, one-row-at-a-time table of short rows (missed calls, calls today)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

KEY_ROLE = Qt.ItemDataRole.UserRole


def row_table(parent: QWidget, name: str, columns: int, stretch: int) -> QTableWidget:
    """Whole-row single selection, no editing, columns sized to content except `stretch`."""
    table = QTableWidget(0, columns, parent)
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def put_row(table: QTableWidget, row: int, cells: Sequence[str], key: str, *, bold: bool = False) -> None:
    for column, text in enumerate(cells):
        item = QTableWidgetItem(text)
        item.setData(KEY_ROLE, key)
        if bold:
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
        table.setItem(row, column, item)


def selected_index(table: QTableWidget, count: int) -> int | None:
    """The selected row, if it is one of the `count` rows shown."""
    model = table.selectionModel()
    rows = model.selectedRows() if model is not None else []
    return rows[0].row() if rows and rows[0].row() < count else None
