"""Status-bar widgets: connection state, outbox count, CTI state and the sync progress."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

CONNECTION_STATES = ("online", "offline", "syncing")


def eta_text(eta_s: float | None) -> str:
    if eta_s is None:
        return QCoreApplication.translate("StatusPanel", "estimating…")
    seconds = max(round(eta_s), 0)
    if seconds < 60:
        return QCoreApplication.translate("StatusPanel", "about %1 s left").replace("%1", str(seconds))
    return (
        QCoreApplication.translate("StatusPanel", "about %1 min %2 s left")
        .replace("%1", str(seconds // 60))
        .replace("%2", str(seconds % 60))
    )


def sync_phase_text(phase: str) -> str:
    """What a sync is doing, in the agent's words (phases of desktop.services.sync)."""
    texts = {
        "pop_index": QCoreApplication.translate("StatusPanel", "Customers and phone numbers"),
        "search_index": QCoreApplication.translate("StatusPanel", "Building the search index…"),
        "details": QCoreApplication.translate("StatusPanel", "Recent orders and history"),
    }
    return texts.get(phase, QCoreApplication.translate("StatusPanel", "Latest changes"))


class StatusPanel(QWidget):
    """Signal: syncCancelRequested()."""

    syncCancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._connection = "offline"
        self._cti: tuple[bool, str] = (False, "")
        self._outbox = 0
        self._sync: tuple[int, int, float | None, str] | None = None
        self.connection_label = QLabel()
        self.connection_label.setObjectName("connectionState")
        self.outbox_label = QLabel()
        self.outbox_label.setObjectName("outboxCount")
        self.cti_label = QLabel()
        self.cti_label.setObjectName("ctiState")
        self.sync_bar = QProgressBar()
        self.sync_bar.setObjectName("syncProgress")
        self.sync_bar.setFixedWidth(320)
        self.sync_bar.setTextVisible(True)
        self.sync_cancel = QPushButton()
        self.sync_cancel.setObjectName("syncCancel")
        self.sync_cancel.clicked.connect(self.syncCancelRequested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(16)
        layout.addWidget(self.sync_bar)
        layout.addWidget(self.sync_cancel)
        layout.addWidget(self.cti_label)
        layout.addWidget(self.outbox_label)
        layout.addWidget(self.connection_label)
        self.sync_bar.hide()
        self.sync_cancel.hide()
        self._render()

    def set_connection_state(self, state: str) -> None:
        self._connection = state if state in CONNECTION_STATES else "offline"
        self.connection_label.setProperty("state", self._connection)
        self.connection_label.style().unpolish(self.connection_label)
        self.connection_label.style().polish(self.connection_label)
        self._render()

    def connection_state(self) -> str:
        """online | offline | syncing, as last set."""
        return self._connection

    def set_cti_state(self, connected: bool, detail: str) -> None:
        self._cti = (connected, detail)
        self.cti_label.setProperty("state", "online" if connected else "offline")
        self.cti_label.style().unpolish(self.cti_label)
        self.cti_label.style().polish(self.cti_label)
        self._render()

    def set_outbox_count(self, count: int) -> None:
        self._outbox = max(int(count), 0)
        self._render()

    def set_sync_progress(
        self, applied: int, remaining: int, eta_s: float | None, phase: str = "feed"
    ) -> None:
        self._sync = (max(applied, 0), max(remaining, 0), eta_s, phase)
        self.sync_bar.show()
        self.sync_cancel.show()
        self._render()

    def sync_finished(self) -> None:
        self._sync = None
        self.sync_bar.hide()
        self.sync_cancel.hide()
        self._render()

    def _render(self) -> None:
        words = {"online": self.tr("Online"), "offline": self.tr("Offline"), "syncing": self.tr("Syncing…")}
        self.connection_label.setText("● " + words[self._connection])
        self.outbox_label.setText(self.tr("Unsent changes: %1").replace("%1", str(self._outbox)))
        connected, detail = self._cti
        cti = self.tr("CTI: connected") if connected else self.tr("CTI: not connected")
        self.cti_label.setText(f"{cti} ({detail})" if detail else cti)
        self.cti_label.setToolTip(detail)
        self.sync_cancel.setText(self.tr("Cancel"))
        if self._sync is not None:
            applied, remaining, eta, phase = self._sync
            total = applied + remaining
            self.sync_bar.setRange(0, max(total, 1))
            self.sync_bar.setValue(applied if total else 1)
            self.sync_bar.setToolTip(sync_phase_text(phase))
            if phase == "search_index":  # one step without counts: say what it is
                self.sync_bar.setFormat(sync_phase_text(phase))
                return
            self.sync_bar.setFormat(
                self.tr("Sync %1 / %2 · %3")
                .replace("%1", f"{applied:,}")
                .replace("%2", f"{total:,}")
                .replace("%3", eta_text(eta))
            )

    def sync_text(self) -> str:
        return self.sync_bar.format() if self._sync is not None else ""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._render()
        super().changeEvent(event)


def describe_sync_result(result: Any) -> str:
    """One line for the status bar from a SyncResult (duck-typed: applied, seconds, cancelled)."""
    applied = int(getattr(result, "applied", 0) or 0)
    seconds = float(getattr(result, "seconds", 0.0) or 0.0)
    if getattr(result, "cancelled", False):
        return QCoreApplication.translate("StatusPanel", "Sync cancelled after %1 changes.").replace(
            "%1", f"{applied:,}"
        )
    return (
        QCoreApplication.translate("StatusPanel", "Sync complete: %1 changes in %2 s.")
        .replace("%1", f"{applied:,}")
        .replace("%2", f"{seconds:.1f}")
    )
