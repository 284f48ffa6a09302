"""The agent's Ready / Not ready control (status bar): Ready, or Not ready with a reason.

Thin view: picking an entry emits `stateRequested(action, reason)` ("unpause", "") or
("pause", reason code); whoever listens decides (the ready rule, the CTI command) and may put
the shown state back with `show_state`. Programmatic changes never emit.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QComboBox, QWidget

READY = ""  # the "reason" of the Ready entry
PAUSE_REASONS = ("break", "lunch", "training", "meeting", "acw")  # codes of docs/cti-protocol.md


class AgentStateBox(QComboBox):
    stateRequested = Signal(str, str)  # action ("pause" | "unpause"), reason code

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agentState")
        for reason in (READY, *PAUSE_REASONS):
            self.addItem("", reason)
        self.shown = READY
        self.activated.connect(self._on_activated)
        self._retranslate()

    def reason_text(self, reason: str) -> str:
        names = {
            READY: self.tr("Ready"),
            "break": self.tr("Not ready: break"),
            "lunch": self.tr("Not ready: lunch"),
            "training": self.tr("Not ready: training"),
            "meeting": self.tr("Not ready: meeting"),
            "acw": self.tr("Not ready: after-call work"),
        }
        return names.get(reason, reason)

    def ready_refused_text(self) -> str:
        return self.tr("Save the contact log of your last call before going Ready.")

    def show_state(self, reason: str) -> None:
        """Show Ready (`READY`) or Not ready with `reason`, without emitting anything."""
        index = self.findData(reason)
        if index >= 0:
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)
            self.shown = reason

    def _on_activated(self, index: int) -> None:
        reason = self.itemData(index)
        previous, self.shown = self.shown, reason
        self.show_state(previous)  # shown state changes once the listener accepts (show_state)
        self.stateRequested.emit("unpause" if reason == READY else "pause", reason)

    def _retranslate(self) -> None:
        self.setToolTip(self.tr("Your state for the call queues"))
        for index in range(self.count()):
            self.setItemText(index, self.reason_text(self.itemData(index)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
