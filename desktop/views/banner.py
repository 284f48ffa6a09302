"""In-window notices (info / warning / error): the visible fallback where no system tray exists.

Up to MAX_BANNERS are stacked, newest on top; an identical notice is not repeated; info notices hide
themselves after INFO_TIMEOUT_MS, warnings and errors stay until the agent closes them.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

LEVELS = ("info", "warning", "error")
MAX_BANNERS = 3
INFO_TIMEOUT_MS = 8000


class Banner(QFrame):
    def __init__(self, text: str, level: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("level", level)
        self.level = level
        self.dismissed = False
        self.label = QLabel(text)
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.close_button = QToolButton()
        self.close_button.setObjectName("bannerClose")
        self.close_button.setText("×")
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)

    def dismiss(self) -> None:
        self.dismissed = True
        self.hide()
        self.deleteLater()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.close_button.setToolTip(self.tr("Dismiss"))
        super().changeEvent(event)


class BannerArea(QWidget):
    def __init__(self, parent: QWidget | None = None, info_timeout_ms: int = INFO_TIMEOUT_MS) -> None:
        super().__init__(parent)
        self._info_timeout_ms = info_timeout_ms
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    def show_banner(self, text: str, level: str = "info") -> Banner | None:
        if level not in LEVELS:
            log.warning("unknown banner level %r, showing as warning", level)
            level = "warning"
        for existing in self.banners():
            if existing.label.text() == text and existing.level == level:
                return existing
        banner = Banner(text, level, self)
        self._layout.insertWidget(0, banner)
        banner.show()
        if level == "info":
            QTimer.singleShot(self._info_timeout_ms, banner, banner.dismiss)
        for extra in self.banners()[MAX_BANNERS:]:
            extra.dismiss()
        return banner

    def banners(self) -> list[Banner]:
        """Banners currently shown, newest first."""
        found = []
        for i in range(self._layout.count()):
            item = self._layout.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, Banner) and not widget.dismissed:
                found.append(widget)
        return found

    def texts(self) -> list[str]:
        return [b.label.text() for b in self.banners()]
