"""Knowledge panel: search the FAQ from the call and link an article into the ticket."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)


class KnowledgePanel(QWidget):
    linkRequested = Signal(str)  # article id

    def __init__(self, search: Callable[[str], Awaitable[Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self._task: asyncio.Future | None = None
        self._articles: dict[str, Any] = {}
        self.title = QLabel()
        self.query = QLineEdit()
        self.results = QListWidget()
        self.body = QTextBrowser()
        self.state = QLabel()
        self.link = QPushButton()
        self.link.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.query, self.results, self.body, self.state, self.link):
            layout.addWidget(widget)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self._debounce.start())
        self.results.currentItemChanged.connect(self._show_current)
        self.link.clicked.connect(self._link_current)
        self._retranslate()

    def run_search(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._do_search(self.query.text()))

    async def _do_search(self, text: str) -> None:
        try:
            result = await self._search(text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("knowledge search failed")
            self.state.setText(self.tr("Search failed: %1").replace("%1", str(exc)))
            return
        self.show_articles(result.articles, offline=result.offline)

    def show_articles(self, articles: list[Any], offline: bool = False) -> None:
        self.results.clear()
        self._articles = {a.id: a for a in articles}
        for article in articles:
            item = QListWidgetItem(f"{article.id}  {article.title}")
            item.setData(Qt.ItemDataRole.UserRole, article.id)
            self.results.addItem(item)
        if offline:
            self.state.setText(self.tr("Offline: showing articles seen earlier."))
        else:
            self.state.setText(self.tr("%1 articles").replace("%1", str(len(articles))))
        if articles:
            self.results.setCurrentRow(0)

    def _show_current(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        article = self._articles.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
        self.body.setPlainText(f"{article.title}\n\n{article.body}" if article else "")
        self.link.setEnabled(article is not None)

    def _link_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self.linkRequested.emit(item.data(Qt.ItemDataRole.UserRole))

    def _retranslate(self) -> None:
        self.title.setText(self.tr("Knowledge base"))
        self.query.setPlaceholderText(self.tr("Search FAQ (e.g. 保修, 退货)"))
        self.link.setText(self.tr("Link article to ticket"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
