"""Missed calls: abandoned and timed-out calls of the agent's queues (from the CTI's queue
events), listed in a dock with call back, "mark seen" and "mark all seen", and their unseen count
in the status bar (a click opens the list). The queue events reach every desktop of the queue;
which queues are the agent's is the CTI source's business (it sends this agent its queues).

Each missed call and each "seen" mark is stored in the local cache (services/missed_store.py, on
the cache worker), and `start()` reads them back, so a restart keeps the list and the count."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget

from calldesk_domain.missed_calls import MissedCalls
from desktop.cti.events import QueueEvent, to_wire
from desktop.services.missed_store import MissedCallStore
from desktop.services.ops import CacheUnavailable
from desktop.services.screenpop import ScreenPopService
from desktop.services.tasks import CacheWrites
from desktop.views.main_window import MainWindow
from desktop.views.missed_calls_view import MissedCallsCount, MissedCallsView

log = logging.getLogger(__name__)


class MissedCallsDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        screenpop: ScreenPopService,
        call_back: Callable[[str], None],
        store: MissedCallStore,
        parent: QObject | None = None,
    ) -> None:
        """`call_back(number)`: the call bar's call back (CallControlBar.call_back)."""
        super().__init__(parent)
        self.window = window
        self.store = store
        self.writes = CacheWrites("missed calls", lambda message: window.show_banner(message, "error"))
        self.missed = MissedCalls()
        self.view = MissedCallsView(self.missed)
        self.count = MissedCallsCount()
        self.dock = QDockWidget(window)
        self.dock.setObjectName("missedCallsDock")
        self.dock.setWidget(self.view)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()  # the card keeps the width until the agent asks (the count, View menu)
        toggle = self.dock.toggleViewAction()
        window.view_menu.addAction(toggle)
        self._toggle = toggle
        window.statusBar().addPermanentWidget(self.count)
        self.count.clicked.connect(self.show_list)
        self.view.unseenCountChanged.connect(self.count.set_count)
        self.view.callBackRequested.connect(call_back)
        self.view.seenChanged.connect(self._on_seen)
        screenpop.queueEvent.connect(self.on_queue_event)
        self._retranslate()

    def on_queue_event(self, event: QueueEvent) -> None:
        try:
            found = self.missed.feed(to_wire(event))
        except ValueError as exc:  # a malformed event: said in the log, the list stays as it was
            log.warning("missed calls: queue event ignored: %s", exc)
            return
        if found is not None:
            self.writes.spawn(self.store.record(found))
            self.view.refresh()

    async def start(self) -> None:
        """The missed calls stored before a restart, with their seen marks, back in the list."""
        try:
            calls = await self.store.load()
        except CacheUnavailable as exc:
            log.error("missed calls not reloaded: %s", exc)
            self.window.show_banner(str(exc), "error")
            return
        if self.missed.restore(calls):
            self.view.refresh()

    async def stop(self) -> None:
        await self.writes.flush()

    def _on_seen(self, call_ids: list[str]) -> None:
        if call_ids:
            self.writes.spawn(self.store.mark_seen(call_ids))

    def show_list(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.view.table.setFocus()

    def _retranslate(self) -> None:
        title = self.tr("Missed calls")
        self.dock.setWindowTitle(title)
        self._toggle.setText(title)
