"""Initial sync progress: counts, ETA and Cancel, for the first download of the agent's customers.

The caller feeds `update_progress(applied, remaining, eta_s, phase)` and ends with `finish(result)`;
Cancel emits `cancelRequested()` (the caller stops the sync and then calls `finish`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.views.status_panel import describe_sync_result, eta_text, sync_phase_text


class SyncDialog(QDialog):
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None, *, rebuilding: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("syncDialog")
        self._rebuilding = rebuilding  # Settings > Rebuild cache: the same download, other words
        self.setMinimumWidth(460)
        self._progress: tuple[int, int, float | None, str] | None = None
        self._finished_text = ""
        self._failed_text = ""
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.step = QLabel()
        self.step.setObjectName("syncStep")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first figures arrive
        self.counts = QLabel()
        self.eta = QLabel()
        self.eta.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self._on_cancel)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in (self.title, self.explain, self.step, self.bar, self.counts, self.eta, self.buttons):
            layout.addWidget(widget)
        self._retranslate()

    def update_progress(self, applied: int, remaining: int, eta_s: float | None, phase: str = "feed") -> None:
        self._progress = (max(applied, 0), max(remaining, 0), eta_s, phase)
        self._render()

    def finish(self, result: Any = None) -> None:
        self._finished_text = describe_sync_result(result) if result is not None else self._failed_text
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.disconnect()
        self.buttons.rejected.connect(self.accept)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self._retranslate()

    def fail(self, text: str) -> None:
        """The download stopped: show why (and what happens next) with a Close button."""
        self._failed_text = text
        self.finish(None)

    def _on_cancel(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(False)
        self.explain.setText(
            self.tr("Stopping… what has been downloaded is kept; the next sync resumes from here.")
        )
        self.cancelRequested.emit()

    def reject(self) -> None:  # Esc or the window's close button mean Cancel while syncing
        if self._finished_text or self.buttons.button(QDialogButtonBox.StandardButton.Close):
            super().reject()
        else:
            self._on_cancel()

    def _render(self) -> None:
        if self._progress is None:
            self.counts.setText(self.tr("Connecting to the CRM server…"))
            self.eta.setText("")
            self.step.setText("")
            return
        applied, remaining, eta_s, phase = self._progress
        self.step.setText("" if self._finished_text else sync_phase_text(phase))
        total = applied + remaining
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(applied if total else 1)
        self.counts.setText(
            self.tr("%1 of %2 records downloaded").replace("%1", f"{applied:,}").replace("%2", f"{total:,}")
        )
        self.eta.setText(eta_text(eta_s))

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Downloading customers"))
        self.title.setText(
            self.tr("Rebuilding the local cache")
            if self._rebuilding
            else self.tr("Preparing your customer list")
        )
        if self._finished_text:
            self.explain.setText(self._finished_text)
        elif self._rebuilding:
            self.explain.setText(
                self.tr(
                    "The local copy of your customers is downloaded again. Your unsent changes are "
                    "kept and sent when it is done."
                )
            )
        else:
            self.explain.setText(
                self.tr(
                    "CallDesk keeps a local copy of your customers so calls pop instantly, "
                    "even when the network is down. This first download happens once."
                )
            )
        self._render()
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setText(self.tr("Cancel"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(self.tr("Close"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
