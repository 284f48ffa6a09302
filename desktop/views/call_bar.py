"""The call bar at the top of the window: where the call stands (ringing, on call, on hold...), who
is on the line, which hotline and queue, and for how long: the ring time while it rings, the talk
time from the answer. Its height never changes between idle and in-call, so the card below never
jumps."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from calldesk_domain.call_controls import CallPhase
from desktop.views import display

_RINGING = (CallPhase.RINGING, CallPhase.OUTBOUND_RINGING)


class CallBar(QFrame):
    def __init__(self, parent: QWidget | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.setObjectName("callBar")
        self._clock = clock
        self._started_at: float | None = None
        self._call: tuple[str, str, str] | None = None
        # what CTI says of the current call (CallsDesk); None until it says anything
        self._phase: CallPhase | None = None
        self._state = QLabel()
        self._state.setObjectName("callState")
        self._caller = QLabel()
        self._caller.setObjectName("callCaller")
        self._route = QLabel()
        self._route.setObjectName("callRoute")
        self._timer_label = QLabel()
        self._timer_label.setObjectName("callTimer")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(12)
        layout.addWidget(self._state)
        layout.addWidget(self._caller)
        layout.addWidget(self._route, 1)
        layout.addWidget(self._timer_label)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._render()

    def show_call(
        self, caller_display: str, dnis_label: str, queue: str, started_at: float | datetime
    ) -> None:
        started = display.to_datetime(started_at)
        self._started_at = started.timestamp() if started else self._clock()
        self._call = (caller_display, dnis_label, queue)
        self.setProperty("active", True)
        self._repolish()
        self._render()
        self._ticker.start()

    def set_phase(self, phase: CallPhase) -> None:
        """Where the current call stands. The timer starts again at the answer: while the call
        rings it counts the ring, then the talk."""
        if phase is self._phase:
            return
        answered = self._phase in _RINGING and phase not in _RINGING and phase is not CallPhase.IDLE
        self._phase = phase
        if answered and self._call is not None:
            self._started_at = self._clock()
        self._render()

    def phase_text(self) -> str:
        return self._state.text()

    def clear_call(self) -> None:
        self._ticker.stop()
        self._call = None
        self._started_at = None
        self.setProperty("active", False)
        self._repolish()
        self._render()

    def in_call(self) -> bool:
        return self._call is not None

    def caller_text(self) -> str:
        return self._caller.text()

    def route_text(self) -> str:
        """Hotline (the DNIS's name) and queue as shown."""
        return self._route.text()

    def timer_text(self) -> str:
        return self._timer_label.text()

    def _tick(self) -> None:
        if self._started_at is not None:
            self._timer_label.setText(display.duration(self._clock() - self._started_at))

    def _render(self) -> None:
        if self._call is None:
            self._state.setText(self.tr("No call"))
            self._caller.setText("")
            self._route.setText(self.tr("Ready: the caller's card pops here when a call rings."))
            self._timer_label.setText("")
            return
        caller, dnis_label, queue = self._call
        self._state.setText(self._phase_label())
        self._caller.setText(caller or self.tr("Withheld number"))
        parts = []
        if dnis_label:
            parts.append(self.tr("Hotline: %1").replace("%1", dnis_label))
        if queue:
            parts.append(self.tr("Queue: %1").replace("%1", queue))
        self._route.setText("   ·   ".join(parts))
        self._tick()

    def _phase_label(self) -> str:
        # no word from CTI yet (None), talking, or idle while the ended call is still shown
        labels: dict[CallPhase | None, str] = {
            CallPhase.RINGING: self.tr("Ringing"),
            CallPhase.OUTBOUND_RINGING: self.tr("Calling"),
            CallPhase.HELD: self.tr("On hold"),
            CallPhase.CONSULTING: self.tr("Consulting"),
            CallPhase.CONFERENCE: self.tr("Conference"),
        }
        return labels.get(self._phase, self.tr("On call"))

    def _repolish(self) -> None:
        self.style().unpolish(self)
        self.style().polish(self)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._render()
        super().changeEvent(event)
