"""The customer card's detail tabs: orders, points, service, marketing, and the customer's own
tickets and contact logs (`work`, filled by the ticket desk). They are painted from the cache in
the same frame as the header; records older than the cached window are appended when they
arrive, and a row under each table says so ("loading older history…", "not available offline")."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QTabWidget, QWidget

from calldesk_domain.customer_work import WorkItem
from calldesk_domain.models import CustomerDetail
from desktop.views.customer_work import CustomerWorkTab
from desktop.views.record_columns import MARKETING_COLUMNS, ORDER_COLUMNS, POINTS_COLUMNS, SERVICE_COLUMNS
from desktop.views.record_tab import RecordTab

# Records older than the cached window: "" none missing, "loading" on their way, "offline" cannot
# be fetched now, "failed" the server did not give them (its reason is shown).
OLDER_STATES = ("", "loading", "offline", "failed")


def _lists(detail: CustomerDetail) -> tuple[Sequence[object], ...]:
    return (detail.orders, detail.points, detail.service, detail.marketing)


class DetailTabs(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailTabs")
        self.setDocumentMode(True)
        self.orders = RecordTab(ORDER_COLUMNS)
        self.points = RecordTab(POINTS_COLUMNS)
        self.service = RecordTab(SERVICE_COLUMNS)
        self.marketing = RecordTab(MARKETING_COLUMNS)
        self.record_tabs = (self.orders, self.points, self.service, self.marketing)
        for tab in self.record_tabs:
            self.addTab(tab, "")
        self.work = CustomerWorkTab()  # filled by the ticket desk from the cache
        self.addTab(self.work, "")
        self._work_count: int | None = None
        self.older = ""
        self._older_reason = ""
        self._counts: tuple[int, ...] | None = None
        self._set_work_title()

    # -- contents -------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """Every record tab shows `text` instead of its table (loading…, not available)."""
        self.older, self._older_reason = "", ""
        for tab in self.record_tabs:
            tab.show_message(text)

    def show_loading(self) -> None:
        self.show_message(self.tr("Loading…"))
        self._set_titles(None)

    def _set_work_title(self) -> None:
        title = self.tr("Tickets && contacts")
        text = title if self._work_count is None else f"{title} ({self._work_count})"
        index = self.indexOf(self.work)
        if self.tabText(index) != text:
            self.setTabText(index, text)

    def show_detail(self, detail: CustomerDetail, older: str = "") -> None:
        self.older, self._older_reason = older, ""
        text = self._older_text()
        for tab, records, empty in zip(self.record_tabs, _lists(detail), self._empty_texts(), strict=True):
            tab.show_records(records, empty, text)
        self._set_titles(tuple(len(records) for records in _lists(detail)))

    def append_older(self, detail: CustomerDetail) -> int:
        """The whole record arrived: the rows not shown yet go under the ones shown."""
        self.older, self._older_reason = "", ""
        added = sum(
            tab.append_older(records, empty)
            for tab, records, empty in zip(self.record_tabs, _lists(detail), self._empty_texts(), strict=True)
        )
        self._set_titles(tuple(tab.model.rowCount() for tab in self.record_tabs))
        return added

    def show_work(self, items: Sequence[WorkItem]) -> None:
        self.work.show_items(items)
        self._work_count = len(items)
        self._set_work_title()

    def set_older(self, state: str, reason: str = "") -> None:
        if self.older == "":
            return  # nothing was missing, or the older records came already
        self.older, self._older_reason = state, reason
        text = self._older_text()
        for tab in self.record_tabs:
            tab.set_older_text(text)

    def retranslate(self) -> None:
        for tab in self.record_tabs:
            tab.model.retranslate()
        text = self._older_text()
        if text:
            for tab in self.record_tabs:
                tab.set_older_text(text)
        self._set_titles(self._counts)
        self._set_work_title()

    # -- text -----------------------------------------------------------------------------------
    def _empty_texts(self) -> tuple[str, str, str, str]:
        return (
            self.tr("No orders"),
            self.tr("No points activity"),
            self.tr("No service history"),
            self.tr("No marketing contacts"),
        )

    def _older_text(self) -> str:
        if self.older == "loading":
            return self.tr("Loading older history…")
        if self.older == "offline":
            return self.tr("Older history not available offline")
        if self.older == "failed":
            return self.tr("Older history could not be loaded: %1").replace("%1", self._older_reason)
        return ""

    def _set_titles(self, counts: tuple[int, ...] | None) -> None:
        self._counts = counts
        titles = (
            self.tr("Orders"),
            self.tr("Points ledger"),
            self.tr("Service history"),
            self.tr("Marketing"),
        )
        more = "+" if self.older else ""  # "12+": older records may still come
        for i, title in enumerate(titles):
            text = title if counts is None else f"{title} ({counts[i]}{more})"
            if self.tabText(i) != text:  # a tab-bar relayout costs more than the comparison
                self.setTabText(i, text)
