"""The agent's main window: call bar and search on top, the customer card in the centre, calls
today on the right, notices under the top bar and connection/CTI/sync state in the status bar.

Thin view: the integrator connects its signals to services and calls its `show_*`/`set_*` slots.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.call_controls import CallPhase
from calldesk_domain.popcard import PopCard
from calldesk_domain.vocabulary import LANGUAGE_NAMES
from desktop.views.banner import Banner, BannerArea
from desktop.views.call_bar import CallBar
from desktop.views.customer_card import CustomerCardView
from desktop.views.recent_calls import RecentCall, RecentCallsPanel
from desktop.views.search_box import SearchBox
from desktop.views.status_panel import StatusPanel, describe_sync_result

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1280, 720)  # fits a 1366x768 screen with its taskbar
RECENT_PANEL_WIDTH = 310


def app_icon() -> QIcon:
    """A plain drawn icon (a headset-blue disc) so the tray and title bar never show a blank."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#2563eb"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(4, 4, 56, 56)
    painter.setPen(QColor("white"))
    font = painter.font()
    font.setPixelSize(34)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "C")
    painter.end()
    return QIcon(pixmap)


class MainWindow(QMainWindow):
    searchChanged = Signal(str)
    searchSubmitted = Signal(str)  # Enter in the search box
    customerChosen = Signal(str)
    recentCallChosen = Signal(str)  # call_id, for calls without a known customer
    languageChangeRequested = Signal(str)
    settingsRequested = Signal()
    syncNowRequested = Signal()
    conflictsRequested = Signal()
    quitRequested = Signal()
    signOutRequested = Signal()
    newTicketRequested = Signal()
    logContactRequested = Signal()
    knowledgeRequested = Signal()  # Ctrl+K
    answerRequested = Signal()
    syncCancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        self._language = "en"
        self._conflict_count = 0
        self._tray: QSystemTrayIcon | None = None
        # Seams for the notification path: offscreen and many Linux desktops have no tray.
        self.tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable
        self.last_notification: tuple[str, str] | None = None  # ("tray" | "banner", text)
        self._incoming_banner: Banner | None = None  # only the newest call's notice is shown

        central = QWidget()
        central.setObjectName("central")
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(10, 8, 10, 6)
        outer.setSpacing(8)

        top = QHBoxLayout()
        top.setSpacing(10)
        self.call_bar = CallBar()
        self.search_box = SearchBox(central)
        self.search_box.setMinimumWidth(380)
        top.addWidget(self.call_bar, 3)
        top.addWidget(self.search_box, 2)
        outer.addLayout(top)

        self._outer = outer
        self.banners = BannerArea()
        outer.addWidget(self.banners)

        self.card = CustomerCardView()
        self.recent_calls = RecentCallsPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.card)
        self.splitter.addWidget(self.recent_calls)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.recent_calls.setMinimumWidth(240)
        self.splitter.setSizes([DEFAULT_SIZE[0] - RECENT_PANEL_WIDTH, RECENT_PANEL_WIDTH])
        outer.addWidget(self.splitter, 1)
        self._outer = outer
        self.pages: QTabWidget | None = None  # made by the first add_page (agents have none)

        self.status = StatusPanel()
        self.statusBar().addPermanentWidget(self.status)
        self.statusBar().setSizeGripEnabled(False)

        self.search_box.searchChanged.connect(self.searchChanged)
        self.search_box.submitted.connect(self.searchSubmitted)
        self.search_box.customerChosen.connect(self.customerChosen)
        self.recent_calls.customerChosen.connect(self.customerChosen)
        self.card.customerChosen.connect(self.customerChosen)  # the shared-number chooser
        self.recent_calls.callChosen.connect(self.recentCallChosen)
        self.status.syncCancelRequested.connect(self.syncCancelRequested)
        self.card.searchRequested.connect(self.focus_search)
        self.card.pageShown.connect(lambda _page: self.search_box.hide_results())

        self._build_actions()
        self._build_menus()
        self._retranslate()
        self.resize(*DEFAULT_SIZE)

    # ------------------------------------------------------------------ search ------------------
    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def show_search_results(self, cards: list[PopCard], masked: bool, limited: bool = False) -> None:
        self.search_box.show_results(cards, masked, limited)

    def clear_search(self) -> None:
        self.search_box.clear_search()

    # ------------------------------------------------------------------ calls -------------------
    def show_call(
        self, caller_display: str, dnis_label: str, queue: str, started_at: float | datetime
    ) -> None:
        self.call_bar.show_call(caller_display, dnis_label, queue, started_at)

    def clear_call(self) -> None:
        self.call_bar.clear_call()

    def set_call_phase(self, phase: CallPhase) -> None:
        """Where the current call stands, as CTI says (the call bar shows it)."""
        self.call_bar.set_phase(phase)

    def add_above_card(self, widget: QWidget) -> None:
        """A row between the notices and the card (the call controls, the after-call work)."""
        self._outer.insertWidget(self._outer.indexOf(self.splitter), widget)

    def add_recent_call(
        self,
        call_id: str,
        caller_display: str,
        customer_name: str | None,
        ts: float | datetime | None,
        outcome: str,
        *,
        customer_id: str | None = None,
        number: str = "",
    ) -> None:
        """Add a finished call to "calls today"; pass customer_id so a click reopens the card, and
        the E.164 number for its Call back."""
        self.recent_calls.add_call(
            RecentCall(call_id, caller_display, customer_name, ts, outcome, customer_id, number)
        )

    def raise_for_call(self) -> None:
        """Bring the window to the front; if the agent could not see it, notify (tray, else banner)."""
        was_hidden = self.isMinimized() or not self.isVisible() or not self.isActiveWindow()
        if self.isMinimized():
            # Clear only the minimised bit (showNormal would also drop a maximised state).
            self.setWindowState(
                (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
            )
            self.show()
        elif not self.isVisible():
            self.show()
        self.raise_()
        self.activateWindow()
        if was_hidden:
            self._notify_incoming_call()

    def _notify_incoming_call(self) -> None:
        caller = self.call_bar.caller_text()
        text = self.tr("Incoming call: %1").replace("%1", caller) if caller else self.tr("Incoming call")
        if self.tray_available():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.windowIcon(), self)
                self._tray.show()
            self._tray.showMessage(self.tr("CallDesk"), text, QSystemTrayIcon.MessageIcon.Information, 5000)
            self.last_notification = ("tray", text)
        else:
            previous, self._incoming_banner = self._incoming_banner, self.banners.show_banner(text, "info")
            if previous is not None and previous is not self._incoming_banner and not previous.dismissed:
                previous.dismiss()  # that call is answered or gone: its notice only takes room
            self.last_notification = ("banner", text)

    # ------------------------------------------------------------------ pages ------------------
    def add_page(self, page: QWidget) -> None:
        """Another page beside the calls page (the supervisor's board), titled by its window
        title. The first page turns the centre into tabs; without one the window is unchanged."""
        if self.pages is None:
            self.pages = QTabWidget()
            self.pages.setObjectName("mainPages")
            self.pages.setDocumentMode(True)
            self._outer.replaceWidget(self.splitter, self.pages)
            self.pages.addTab(self.splitter, self.tr("Calls"))
            self._outer.setStretchFactor(self.pages, 1)
        pages = self.pages
        pages.addTab(page, page.windowTitle())
        page.windowTitleChanged.connect(lambda title: pages.setTabText(pages.indexOf(page), title))

    def show_page(self, page: QWidget) -> None:
        if self.pages is not None and self.pages.indexOf(page) >= 0:
            self.pages.setCurrentWidget(page)

    # ------------------------------------------------------------------ notices and status -----
    def add_top_strip(self, strip: QWidget) -> None:
        """A strip above the banners (the update notice): shown and hidden by its owner."""
        self._outer.insertWidget(self._outer.indexOf(self.banners), strip)

    def show_banner(self, text: str, level: str = "info") -> Banner | None:
        """The banner shown (None when the same text is already up), to dismiss it when stale."""
        return self.banners.show_banner(text, level)

    def set_connection_state(self, state: str) -> None:
        self.status.set_connection_state(state)

    def connection_state(self) -> str:
        """The central server connection as the status bar shows it: online | offline | syncing."""
        return self.status.connection_state()

    def set_cti_state(self, connected: bool, detail: str = "") -> None:
        self.status.set_cti_state(connected, detail)

    def set_outbox_count(self, count: int) -> None:
        self.status.set_outbox_count(count)

    def set_sync_progress(
        self, applied: int, remaining: int, eta_s: float | None, phase: str = "feed"
    ) -> None:
        self.status.set_sync_progress(applied, remaining, eta_s, phase)

    def sync_finished(self, result: Any = None) -> None:
        """Hide the sync progress; `result` is a SyncResult (applied, seconds, cancelled) or None."""
        self.status.sync_finished()
        if result is not None:
            self.statusBar().showMessage(describe_sync_result(result), 15000)

    def set_language(self, language: str) -> None:
        """Tick the current language in the View menu (the integrator installs the translator)."""
        self._language = language
        for action in self._language_group.actions():
            action.setChecked(action.data() == language)

    # ------------------------------------------------------------------ actions and menus ------
    def _build_actions(self) -> None:
        self.search_action = QAction(self)
        self.search_action.setShortcuts([QKeySequence("Ctrl+F"), QKeySequence("F3")])
        self.search_action.triggered.connect(self.focus_search)
        self.answer_action = QAction(self)
        self.answer_action.setShortcut(QKeySequence("F5"))
        self.answer_action.triggered.connect(self.answerRequested)
        self.knowledge_action = QAction(self)
        self.knowledge_action.setObjectName("knowledgeAction")
        self.knowledge_action.setShortcut(QKeySequence("Ctrl+K"))
        self.knowledge_action.triggered.connect(self.knowledgeRequested)
        self.new_ticket_action = QAction(self)
        self.new_ticket_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_ticket_action.triggered.connect(self.newTicketRequested)
        self.log_contact_action = QAction(self)
        self.log_contact_action.setShortcut(QKeySequence("Ctrl+L"))
        self.log_contact_action.triggered.connect(self.logContactRequested)
        self.settings_action = QAction(self)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.settingsRequested)
        self.sync_now_action = QAction(self)
        self.sync_now_action.setObjectName("syncNowAction")
        self.sync_now_action.triggered.connect(self.syncNowRequested)
        self.conflicts_action = QAction(self)
        self.conflicts_action.setObjectName("conflictsAction")
        self.conflicts_action.triggered.connect(self.conflictsRequested)
        self.sign_out_action = QAction(self)
        self.sign_out_action.setObjectName("signOutAction")
        self.sign_out_action.triggered.connect(self.signOutRequested)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self._quit)
        self.about_action = QAction(self)
        self.about_action.triggered.connect(self._about)
        self._language_group = QActionGroup(self)
        self._language_group.setExclusive(True)
        for code, name in LANGUAGE_NAMES.items():
            action = QAction(name, self)
            action.setCheckable(True)
            action.setData(code)
            action.triggered.connect(lambda _checked=False, c=code: self.languageChangeRequested.emit(c))
            self._language_group.addAction(action)
        for action in (
            self.search_action,
            self.answer_action,
            self.new_ticket_action,
            self.log_contact_action,
            self.knowledge_action,
            self.settings_action,
        ):
            self.addAction(action)  # shortcuts work even with the menu bar hidden
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WindowShortcut)
        escape.activated.connect(self.clear_search)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.sign_out_action)
        self.file_menu.addAction(self.quit_action)
        self.call_menu = bar.addMenu("")
        for action in (
            self.answer_action,
            self.new_ticket_action,
            self.log_contact_action,
            self.knowledge_action,
            self.search_action,
        ):
            self.call_menu.addAction(action)
        self.sync_menu = bar.addMenu("")
        self.sync_menu.addAction(self.sync_now_action)
        self.sync_menu.addAction(self.conflicts_action)
        self.view_menu = bar.addMenu("")
        self.language_menu = self.view_menu.addMenu("")
        for action in self._language_group.actions():
            self.language_menu.addAction(action)
        self.help_menu = bar.addMenu("")
        self.help_menu.addAction(self.about_action)
        self.set_language(self._language)

    def set_conflict_count(self, count: int) -> None:
        """Show the number of unresolved sync conflicts on the Sync > Conflicts… entry."""
        self._conflict_count = max(int(count), 0)
        self._retranslate_conflicts()

    def conflict_count(self) -> int:
        return self._conflict_count

    def _retranslate_conflicts(self) -> None:
        self.conflicts_action.setText(self.tr("&Conflicts… (%1)").replace("%1", str(self._conflict_count)))

    def _quit(self) -> None:
        self.quitRequested.emit()
        self.close()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About CallDesk"),
            self.tr(
                "CallDesk: the call-centre agent desktop.\nScreen pop, customer card, tickets and contact "
                "log, working from a local cache when the network is down."
            ),
        )

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("CallDesk — Agent desktop"))
        self.file_menu.setTitle(self.tr("&File"))
        self.call_menu.setTitle(self.tr("&Call"))
        self.sync_menu.setTitle(self.tr("&Sync"))
        self.sync_now_action.setText(self.tr("Sync &now"))
        self._retranslate_conflicts()
        self.view_menu.setTitle(self.tr("&View"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.settings_action.setText(self.tr("&Settings…"))
        self.sign_out_action.setText(self.tr("Sign &out"))
        self.quit_action.setText(self.tr("&Quit"))
        self.about_action.setText(self.tr("&About CallDesk"))
        self.search_action.setText(self.tr("&Find customer"))
        self.answer_action.setText(self.tr("&Answer call"))
        self.new_ticket_action.setText(self.tr("&New ticket"))
        self.knowledge_action.setText(self.tr("&Knowledge base…"))
        self.log_contact_action.setText(self.tr("&Log contact"))
        if self.pages is not None:
            self.pages.setTabText(self.pages.indexOf(self.splitter), self.tr("Calls"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
