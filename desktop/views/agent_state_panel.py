"""The agent-state box: the state the PBX reports (never an unconfirmed one), a pending marker
while a change is in flight, reason codes from a configurable list, and the time in state.

Thin view: Ready / Not ready emit `stateRequested(action, reason)` ("unpause", "") or
("pause", code) and show the request as pending; `show_pbx_state(state, reason, since)` is the
only way the shown state changes; `show_refusal(message)` drops the pending marker and says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from calldesk_domain.agent_intervals import AgentState
from desktop.views import display

DEFAULT_REASON_CODES = ("break", "lunch", "training", "meeting", "acw")  # Settings.pause_reasons


class AgentStatePanel(QFrame):
    stateRequested = Signal(str, str)  # "pause" | "unpause", reason code

    def __init__(
        self,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
        reasons: Sequence[str] = DEFAULT_REASON_CODES,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("agentStatePanel")
        self._clock = clock
        self.state = AgentState.LOGGED_OUT
        self.reason = ""
        self._since: float | None = None
        self.pending: tuple[str, str] | None = None
        self.state_label = QLabel(self)
        self.state_label.setObjectName("agentStateShown")
        self.time_label = QLabel(self)
        self.time_label.setObjectName("agentStateTime")
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("agentStatePending")
        self.ready_button = QPushButton(self)
        self.ready_button.setObjectName("agentReady")
        self.reason_box = QComboBox(self)
        self.reason_box.setObjectName("agentReason")
        self.pause_button = QPushButton(self)
        self.pause_button.setObjectName("agentPause")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for label in (self.state_label, self.time_label, self.pending_label):
            layout.addWidget(label)
        layout.addStretch(1)
        for control in (self.ready_button, self.reason_box, self.pause_button):
            layout.addWidget(control)
        self.ready_button.clicked.connect(lambda: self._request("unpause", ""))
        self.pause_button.clicked.connect(lambda: self._request("pause", str(self.reason_box.currentData())))
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.tick)
        self.set_reasons(reasons)
        self._render()

    def set_reasons(self, codes: Sequence[str]) -> None:
        """The configured reason codes (settings), in order."""
        self.reason_box.clear()
        for code in codes:
            self.reason_box.addItem(self.reason_text(code), code)
        self._render()

    def reason_codes(self) -> list[str]:
        return [str(self.reason_box.itemData(i)) for i in range(self.reason_box.count())]

    def show_pbx_state(self, state: AgentState, reason: str = "", since: float | None = None) -> None:
        """What the PBX reports: it becomes the shown state, and ends any pending change."""
        if (state, reason) != (self.state, self.reason) or since is not None:
            self._since = since if since is not None else self._clock()
        self.state, self.reason = state, reason if state is AgentState.NOT_READY else ""
        self.pending = None
        self.pending_label.setToolTip("")
        self._render()
        if state is AgentState.LOGGED_OUT:
            self.ticker.stop()
        else:
            self.ticker.start()

    def show_refusal(self, message: str) -> None:
        """The change was refused (or timed out): the state stays as the PBX reported it."""
        self.pending = None
        self._render()
        self.pending_label.setText(self.tr("Not changed: %1").replace("%1", message))
        self.pending_label.setToolTip(message)
        self.pending_label.setProperty("outcome", "error")

    def ready_refused_text(self) -> str:
        return self.tr("Save the contact log of your last call before going Ready.")

    def refresh(self) -> None:
        """Show `pending` as it is now (set from outside: a change the after-call work asked for)."""
        self._render()

    def shown_text(self) -> str:
        return self.state_label.text()

    def tick(self) -> None:
        seconds = 0.0 if self._since is None else max(0.0, self._clock() - self._since)
        self.time_label.setText(display.duration(seconds) if self._since is not None else "")

    def _request(self, action: str, reason: str) -> None:
        if self.pending is not None or (action == "pause" and not reason):
            return
        self.pending = (action, reason)
        self._render()
        self.stateRequested.emit(action, reason)

    def reason_text(self, code: str) -> str:
        names = {
            "break": self.tr("Break"),
            "lunch": self.tr("Lunch"),
            "meeting": self.tr("Meeting"),
            "training": self.tr("Training"),
            "acw": self.tr("After-call work"),
        }
        return names.get(code, code)

    def state_text(self, state: AgentState, reason: str) -> str:
        if state is AgentState.NOT_READY:
            return (
                self.tr("Not ready: %1").replace("%1", self.reason_text(reason))
                if reason
                else self.tr("Not ready")
            )
        names = {
            AgentState.READY: self.tr("Ready"),
            AgentState.TALKING: self.tr("Talking"),
            AgentState.WRAPUP: self.tr("Wrap-up"),
            AgentState.LOGGED_OUT: self.tr("Logged out"),
        }
        return names[state]

    def _render(self) -> None:
        self.state_label.setText(self.state_text(self.state, self.reason))
        self.state_label.setProperty("agentState", self.state.value)
        self.pending_label.setProperty("outcome", "pending")
        if self.pending is not None:
            action, reason = self.pending
            wanted = self.state_text(
                AgentState.READY if action == "unpause" else AgentState.NOT_READY, reason
            )
            self.pending_label.setText(self.tr("→ %1 (waiting for the PBX…)").replace("%1", wanted))
        else:
            self.pending_label.setText("")
        busy = self.pending is not None
        self.ready_button.setEnabled(not busy and self.state is not AgentState.READY)
        self.pause_button.setEnabled(not busy and self.reason_box.count() > 0)
        self.reason_box.setEnabled(not busy)
        self.ready_button.setText(self.tr("Ready"))
        self.pause_button.setText(self.tr("Not ready"))
        self.pause_button.setToolTip(self.tr("Not ready with the reason on the left"))
        self.setToolTip(self.tr("Your state as the PBX reports it, and for how long"))
        self.tick()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            for index in range(self.reason_box.count()):
                self.reason_box.setItemText(index, self.reason_text(str(self.reason_box.itemData(index))))
            self._render()
        super().changeEvent(event)
