"""The knowledge base from the main window (Call > Knowledge base…, Ctrl+K): the same panel as in
the ticket form, without the link button (there is no ticket to link to here). One dialog, made
once by the ticket desk and shown again each time, so nothing can hold a closed one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from desktop.views.knowledge_panel import KnowledgePanel


class KnowledgeDialog(QDialog):
    def __init__(self, search: Callable[[str], Awaitable[Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("knowledgeDialog")
        self.panel = KnowledgePanel(search, self)
        self.panel.link.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.resize(720, 560)
        self._retranslate()

    def open_for_search(self) -> None:
        """Show (or bring back) the dialog with the search field ready to type in."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.panel.query.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.panel.query.selectAll()

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Knowledge base"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
