"""Pick where to transfer (or consult): agents with their live state, queues, favourite numbers,
or a number typed in the filter box. Emits `targetChosen(target)`; it never transfers anything."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.call_controls import transfer_target


class TargetKind(enum.StrEnum):
    AGENT = "agent"
    QUEUE = "queue"
    FAVOURITE = "favourite"
    TYPED = "typed"


@dataclass(frozen=True, slots=True)
class TransferTarget:
    kind: TargetKind
    name: str
    target: str  # what the PBX dials: extension, queue name, number
    state: str = ""  # agents: their live state ("ready", "not_ready", "talking", ...)


TARGET_ROLE = Qt.ItemDataRole.UserRole


class TransferTargetPicker(QDialog):
    targetChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transferPicker")
        self._entries: list[TransferTarget] = []
        self.heading = QLabel(self)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("transferFilter")
        self.list = QListWidget(self)
        self.list.setObjectName("transferTargets")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.filter.textChanged.connect(self._fill)
        self.filter.returnPressed.connect(self._choose)
        self.list.itemActivated.connect(lambda _item: self._choose())
        self.list.currentItemChanged.connect(lambda *_: self._update_ok())
        self.buttons.accepted.connect(self._choose)
        self.buttons.rejected.connect(self.reject)
        self.resize(360, 420)
        self._retranslate()
        self._fill()

    def set_entries(self, entries: Iterable[TransferTarget]) -> None:
        self._entries = list(entries)
        self._fill()

    def update_agent_state(self, target: str, state: str) -> None:
        """A live agent-state change: the list follows it."""
        self._entries = [
            TransferTarget(e.kind, e.name, e.target, state)
            if e.kind is TargetKind.AGENT and e.target == target
            else e
            for e in self._entries
        ]
        self._fill()

    def ask(self, heading: str) -> None:
        """Open (non-modal) for a new choice."""
        self.heading.setText(heading)
        self.filter.clear()
        self._fill()
        self.show()
        self.filter.setFocus()

    def entry_texts(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def _label(self, entry: TransferTarget) -> str:
        if entry.kind is TargetKind.AGENT:
            return (
                self.tr("Agent %1 (%2) · %3")
                .replace("%1", entry.name)
                .replace("%2", entry.target)
                .replace("%3", self._state_text(entry.state))
            )
        if entry.kind is TargetKind.QUEUE:
            return self.tr("Queue %1").replace("%1", entry.name)
        if entry.kind is TargetKind.FAVOURITE:
            return self.tr("%1 · %2").replace("%1", entry.name).replace("%2", entry.target)
        return self.tr("Call %1").replace("%1", entry.target)

    def _state_text(self, state: str) -> str:
        names = {
            "ready": self.tr("ready"),
            "not_ready": self.tr("not ready"),
            "talking": self.tr("on a call"),
            "wrapup": self.tr("wrap-up"),
            "logged_out": self.tr("logged out"),
        }
        return names.get(state, state or self.tr("state unknown"))

    def _fill(self) -> None:
        text = self.filter.text().strip().casefold()
        self.list.clear()
        shown = [
            e for e in self._entries if not text or text in e.name.casefold() or text in e.target.casefold()
        ]
        typed = transfer_target(self.filter.text())
        if typed is not None and all(e.target != typed for e in shown):
            shown.insert(0, TransferTarget(TargetKind.TYPED, typed, typed))
        for entry in shown:
            item = QListWidgetItem(self._label(entry))
            item.setData(TARGET_ROLE, entry.target)
            if entry.kind is TargetKind.AGENT and entry.state == "logged_out":
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(item)
        for row in range(self.list.count()):
            if self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(row)
                break
        self._update_ok()

    def _update_ok(self) -> None:
        item = self.list.currentItem()
        ok = item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def _choose(self) -> None:
        item = self.list.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        self.targetChosen.emit(str(item.data(TARGET_ROLE)))
        self.accept()

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Transfer to"))
        self.filter.setPlaceholderText(self.tr("Name, extension, queue or number"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
