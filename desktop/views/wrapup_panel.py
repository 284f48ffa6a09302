"""The after-call-work panel: a countdown (calldesk_domain.wrapup.WrapupCountdown), Extend and
End early. When time is up it emits `finished(outcome)` once: "go_ready", or "wait_for_log" while
the required contact log is unsaved (then once more, "go_ready", after `mark_log_saved()`).
`deadlineChanged(StoredWrapup)` is for the desks layer to persist (a restart resumes from it)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from calldesk_domain.wrapup import WrapupCountdown, WrapupOutcome
from desktop.views import display


class WrapupPanel(QFrame):
    finished = Signal(str)  # WrapupOutcome value
    deadlineChanged = Signal(object)  # StoredWrapup
    extended = Signal(int)
    endedEarly = Signal()

    def __init__(self, parent: QWidget | None = None, extend_seconds: int = 30, tick_ms: int = 250) -> None:
        super().__init__(parent)
        self.setObjectName("wrapupPanel")
        self.extend_seconds = extend_seconds
        self.countdown: WrapupCountdown | None = None
        self._reported: WrapupOutcome | None = None
        self.title = QLabel(self)
        self.title.setObjectName("wrapupTitle")
        self.remaining_label = QLabel(self)
        self.remaining_label.setObjectName("wrapupRemaining")
        self.note = QLabel(self)
        self.note.setObjectName("wrapupNote")
        self.extend_button = QPushButton(self)
        self.extend_button.setObjectName("wrapupExtend")
        self.end_button = QPushButton(self)
        self.end_button.setObjectName("wrapupEnd")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.remaining_label)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.extend_button)
        layout.addWidget(self.end_button)
        self.extend_button.clicked.connect(self.extend)
        self.end_button.clicked.connect(self.end_early)
        self.ticker = QTimer(self)
        self.ticker.setInterval(tick_ms)
        self.ticker.timeout.connect(self.tick)
        self._render()

    def start(self, countdown: WrapupCountdown) -> None:
        """A new wrap-up, or one resumed after a restart."""
        self.countdown = countdown
        self._reported = None
        self.ticker.start()
        self.deadlineChanged.emit(countdown.stored())
        self.tick()

    def stop(self) -> None:
        self.ticker.stop()
        self.countdown = None
        self._reported = None
        self._render()

    def extend(self) -> None:
        if self.countdown is None:
            return
        self.countdown.extend(self.extend_seconds)
        self._reported = None
        self.ticker.start()
        self.deadlineChanged.emit(self.countdown.stored())
        self.extended.emit(self.extend_seconds)
        self.tick()

    def end_early(self) -> None:
        if self.countdown is None:
            return
        self.countdown.end_early()
        self.deadlineChanged.emit(self.countdown.stored())
        self.endedEarly.emit()
        self.tick()

    def mark_log_saved(self) -> None:
        if self.countdown is None:
            return
        self.countdown.mark_log_saved()
        self.deadlineChanged.emit(self.countdown.stored())
        self.tick()

    def tick(self) -> None:
        self._render()
        if self.countdown is None:
            return
        outcome = self.countdown.outcome()
        if outcome is not WrapupOutcome.COUNTING and outcome is not self._reported:
            self._reported = outcome
            if outcome is WrapupOutcome.GO_READY:
                self.ticker.stop()
            self.finished.emit(outcome.value)

    def remaining_text(self) -> str:
        return self.remaining_label.text()

    def _render(self) -> None:
        self.title.setText(self.tr("After-call work"))
        self.extend_button.setText(self.tr("Extend +%1 s").replace("%1", str(self.extend_seconds)))
        self.end_button.setText(self.tr("End early"))
        self.extend_button.setToolTip(self.tr("More time for the contact log before the next call"))
        self.end_button.setToolTip(self.tr("Finish wrap-up now and go Ready"))
        countdown = self.countdown
        active = countdown is not None
        self.extend_button.setEnabled(active)
        self.end_button.setEnabled(active and countdown is not None and countdown.remaining() > 0)
        if countdown is None:
            self.remaining_label.setText("")
            self.note.setText("")
            return
        self.remaining_label.setText(
            self.tr("%1 left").replace("%1", display.duration(countdown.remaining_seconds()))
        )
        outcome = countdown.outcome()
        if outcome is WrapupOutcome.WAIT_FOR_LOG:
            self.note.setText(self.tr("Time is up: save the contact log to go Ready."))
        elif outcome is WrapupOutcome.GO_READY:
            self.note.setText(self.tr("Wrap-up finished."))
        else:
            self.note.setText(self.tr("You are paused at the PBX; no call rings until wrap-up ends."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._render()
        super().changeEvent(event)
