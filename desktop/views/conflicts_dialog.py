"""ConflictsDialog: the agent's list of writes the server did not take as they were.

Each entry (a conflict where the server's copy won, or a rejected write) can be compared field
by field with the server's copy, then re-applied (queued again on the server's current version)
or dismissed (keep the server's copy). The dialog talks to any object with `conflicts()`,
`reapply_conflict(id)` and `dismiss_conflict(id)` (CacheStore has them).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

_HIDDEN_FIELDS = {"version", "updated_at"}


class ConflictSource(Protocol):
    def conflicts(self) -> list[Any]: ...
    def reapply_conflict(self, conflict_id: int) -> str | None: ...
    def dismiss_conflict(self, conflict_id: int) -> None: ...


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def compare_rows(local: dict, server: dict | None) -> list[tuple[str, str, str, bool]]:
    """(field, mine, server's, differs) for every field of either copy, differing ones first."""
    server = server or {}
    keys = sorted((set(local) | set(server)) - _HIDDEN_FIELDS)
    rows = [(k, _show(local.get(k)), _show(server.get(k)), local.get(k) != server.get(k)) for k in keys]
    return sorted(rows, key=lambda row: not row[3])


class ConflictsDialog(QDialog):
    """Lists unresolved conflicts; `changed` is emitted after a re-apply or dismiss."""

    changed = Signal()

    def __init__(self, source: ConflictSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._conflicts: list[Any] = []
        self.setWindowTitle(self.tr("Sync conflicts"))
        self.resize(900, 560)

        self.summary = QLabel(self)
        self.list = QTableWidget(0, 4, self)
        self.list.setHorizontalHeaderLabels(
            [self.tr("Record"), self.tr("Id"), self.tr("Why"), self.tr("When")]
        )
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.horizontalHeader().setStretchLastSection(True)
        self.list.itemSelectionChanged.connect(self._show_selected)

        self.compare = QTableWidget(0, 3, self)
        self.compare.setHorizontalHeaderLabels(
            [self.tr("Field"), self.tr("My version"), self.tr("Server version")]
        )
        self.compare.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare.horizontalHeader().setStretchLastSection(True)

        self.reapply_button = QPushButton(self.tr("Re-apply my version"), self)
        self.dismiss_button = QPushButton(self.tr("Keep server version"), self)
        self.reapply_button.clicked.connect(self._reapply)
        self.dismiss_button.clicked.connect(self._dismiss)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)

        actions = QHBoxLayout()
        actions.addWidget(self.reapply_button)
        actions.addWidget(self.dismiss_button)
        actions.addStretch(1)
        actions.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 2)
        layout.addWidget(self.compare, 3)
        layout.addLayout(actions)
        self.refresh()

    def refresh(self) -> None:
        try:
            self._conflicts = list(self._source.conflicts())
        except Exception as exc:  # a broken cache must not take the dialog down
            log.exception("conflicts could not be read")
            self._conflicts = []
            self.summary.setText(self.tr("The conflict list could not be read: %1").replace("%1", str(exc)))
        else:
            self.summary.setText(
                self.tr("%n write(s) need your decision.", "", len(self._conflicts))
                if self._conflicts
                else self.tr("No conflicts: every write reached the server.")
            )
        self.list.setRowCount(len(self._conflicts))
        for row, conflict in enumerate(self._conflicts):
            for column, text in enumerate(
                (conflict.entity, conflict.entity_id, conflict.reason, conflict.created_at)
            ):
                self.list.setItem(row, column, QTableWidgetItem(text))
        if self._conflicts:
            self.list.selectRow(0)
        self._show_selected()

    def selected(self) -> Any | None:
        rows = self.list.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._conflicts):
            return None
        return self._conflicts[rows[0].row()]

    def _show_selected(self) -> None:
        conflict = self.selected()
        enabled = conflict is not None
        self.reapply_button.setEnabled(enabled)
        self.dismiss_button.setEnabled(enabled)
        rows = compare_rows(conflict.local, conflict.server) if conflict else []
        self.compare.setRowCount(len(rows))
        for row, (field, mine, theirs, differs) in enumerate(rows):
            for column, text in enumerate((field, mine, theirs)):
                item = QTableWidgetItem(text)
                if differs:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setData(Qt.ItemDataRole.UserRole, "differs")
                self.compare.setItem(row, column, item)

    def _reapply(self) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        try:
            self._source.reapply_conflict(conflict.id)
        except Exception as exc:
            log.exception("re-apply of conflict %s failed", conflict.id)
            self.summary.setText(self.tr("Could not re-apply: %1").replace("%1", str(exc)))
            return
        self.changed.emit()
        self.refresh()

    def _dismiss(self) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        try:
            self._source.dismiss_conflict(conflict.id)
        except Exception as exc:
            log.exception("dismiss of conflict %s failed", conflict.id)
            self.summary.setText(self.tr("Could not dismiss: %1").replace("%1", str(exc)))
            return
        self.changed.emit()
        self.refresh()
