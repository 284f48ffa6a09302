"""The agent's Ready / Not ready control (status bar): Ready, or Not ready with a reason.

Thin view: picking an entry emits `stateRequested(action, reason)` ("unpause", "") or
("pause", reason code); whoever listens decides (the ready rule, the CTI command) and may put
the shown state back with `show_state`. Programmatic changes never emit.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QComboBox, QWidget

READY = ""  # the "reason" of the Ready entry
PAUSE_REASONS = ("break", "lunch", "training", "meeting", "acw")  # the default codes (Settings.pause_reasons)


class AgentStateBox(QComboBox):
    stateRequested = Signal(str, str)  # action ("pause" | "unpause"), reason code

    def __init__(self, parent: QWidget | None = None, reasons: Sequence[str] = PAUSE_REASONS) -> None:
        super().__init__(parent)
        self.setObjectName("agentState")
        self.shown = READY
        self.set_reasons(reasons)
        self.activated.connect(self._on_activated)
        self._retranslate()

    def set_reasons(self, codes: Sequence[str]) -> None:
        """The configured reason codes, in order (a code without a translation shows as typed)."""
        shown = self.shown
        self.blockSignals(True)
        self.clear()
        for reason in (READY, *(code for code in codes if code != READY)):
            self.addItem(self.reason_text(reason), reason)
        self.blockSignals(False)
        if self.findData(shown) < 0 and shown != READY:
            self.addItem(self.reason_text(shown), shown)  # the state the PBX has stays visible
        self.show_state(shown)

    def reasons(self) -> list[str]:
        return [str(self.itemData(i)) for i in range(1, self.count())]

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
