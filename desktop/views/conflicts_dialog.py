"""ConflictsDialog: the agent's list of writes the server did not take as they were.

Each entry (a conflict where the server's copy won, or a rejected write) can be compared field
by field with the server's copy, then re-applied (queued again on the server's current version)
or dismissed (keep the server's copy). The dialog is given the conflicts as data, and two
actions, `reapply(id)` and `dismiss(id)`: coroutines that do it (the desk runs them on the cache
worker thread) and return the conflicts left. It never touches the cache itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

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


# Re-apply or dismiss one conflict; returns the conflicts left.
ConflictAction = Callable[[int], Awaitable[Sequence[Any]]]


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

    def __init__(
        self,
        conflicts: Sequence[Any],
        *,
        reapply: ConflictAction,
        dismiss: ConflictAction,
        error: str = "",
        parent: QWidget | None = None,
    ) -> None:
        """`error`: the list could not be read (said in the dialog; `conflicts` is then empty)."""
        super().__init__(parent)
        self._reapply_action = reapply
        self._dismiss_action = dismiss
        self._conflicts: list[Any] = []
        self._task: asyncio.Task[None] | None = None
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
        self.show_conflicts(conflicts, error)

    def show_conflicts(self, conflicts: Sequence[Any], error: str = "") -> None:
        self._conflicts = list(conflicts)
        if error:
            self.summary.setText(self.tr("The conflict list could not be read: %1").replace("%1", error))
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

    def conflicts(self) -> list[Any]:
        """The conflicts shown now."""
        return list(self._conflicts)

    @property
    def busy(self) -> bool:
        """A re-apply or dismiss is under way."""
        return self._task is not None and not self._task.done()

    def _reapply(self) -> None:
        self._act(self._reapply_action, self.tr("Could not re-apply: %1"), "re-apply")

    def _dismiss(self) -> None:
        self._act(self._dismiss_action, self.tr("Could not dismiss: %1"), "dismiss")

    def _act(self, action: ConflictAction, failed: str, name: str) -> None:
        conflict = self.selected()
        if conflict is None or self.busy:
            return
        self.reapply_button.setEnabled(False)
        self.dismiss_button.setEnabled(False)
        self._task = asyncio.ensure_future(self._run(action, conflict.id, failed, name))

    async def _run(self, action: ConflictAction, conflict_id: int, failed: str, name: str) -> None:
        try:
            left = await action(conflict_id)
        except Exception as exc:
            log.exception("%s of conflict %s failed", name, conflict_id)
            self.summary.setText(failed.replace("%1", str(exc)))
            self._show_selected()
            return
        self.show_conflicts(left)
        self.changed.emit()
