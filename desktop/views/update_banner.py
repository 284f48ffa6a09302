"""A strip above the main window's content telling the agent that a newer CallDesk exists
(dismissable) or is required by the admin (stays; says to finish the call and ask IT). It never
installs anything: "Get it" emits the admin's download address for the desks layer to open."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop.services.update_check import UpdateNotice


class UpdateBanner(QFrame):
    downloadRequested = Signal(str)  # the admin's download address

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.notice = UpdateNotice("none", "")
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.get_button = QPushButton()
        self.get_button.clicked.connect(lambda: self.downloadRequested.emit(self.notice.download_url))
        self.close_button = QToolButton()
        self.close_button.setObjectName("bannerClose")
        self.close_button.setText("×")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.get_button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_notice(self, notice: UpdateNotice) -> None:
        self.notice = notice
        if notice.kind == "none":
            self.hide()
            return
        self.setProperty("level", "warning" if notice.kind == "required" else "info")
        self.style().unpolish(self)
        self.style().polish(self)
        self._retranslate()
        self.get_button.setVisible(bool(notice.download_url))
        # A required update cannot be waved away; an available one can, until the next check.
        self.close_button.setVisible(notice.kind == "available")
        self.show()

    def _retranslate(self) -> None:
        notice = self.notice
        if notice.kind == "required":
            text = self.tr(
                "CallDesk %1 is required (this desktop has %2). Finish your current call, then ask IT to "
                "install it or install it from the link."
            )
        else:
            text = self.tr("CallDesk %1 is available (this desktop has %2).")
        text = text.replace("%1", notice.current).replace("%2", notice.installed)
        if notice.message:
            text += " " + notice.message
        self.label.setText(text)
        self.get_button.setText(self.tr("Get it"))
        self.close_button.setToolTip(self.tr("Dismiss"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self.notice.kind != "none":
            self._retranslate()
        super().changeEvent(event)
