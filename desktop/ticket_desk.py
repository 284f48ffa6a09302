"""Wires tickets, contact logs and the knowledge base into the running desktop.

Like desktop/controller.py this is the only place that knows both the services
(TicketService, ContactService, KnowledgeService) and the views (TicketForm, WrapUpDialog,
MyWorkPanel, KnowledgePanel):

- Ctrl+N (MainWindow.newTicketRequested) opens the ticket form for the customer on the card,
  pre-linked to the call in progress (or the last call) ;
- the CTI `call.answered` / `call.ended` events (ScreenPopService.callUpdated) drive the contact
  log: when a call ends the wrap-up screen opens with direction, channel and start/end from the
  CTI; Ctrl+L (logContactRequested) opens it by hand;
- "My work" is a dock with my tickets, the team queue and overdue tickets, refreshed on every
  save and every 30 s (SLA countdown).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget

from calldesk_domain.tickets import ContactLog, Ticket
from calldesk_domain.vocabulary import DISPOSITION_CODES
from desktop.cti.events import CallEvent, CallEventKind
from desktop.services.attachment_download import AttachmentDownloader
from desktop.services.attachments import AttachmentService, attachments_folder
from desktop.services.contacts import ContactService
from desktop.services.knowledge import KnowledgeService
from desktop.services.screenpop import Pop, ScreenPopService
from desktop.services.tickets import TicketService
from desktop.views.knowledge_panel import KnowledgePanel
from desktop.views.main_window import MainWindow
from desktop.views.my_work import VIEWS, MyWorkPanel
from desktop.views.ticket_form import TicketForm
from desktop.views.wrapup_dialog import WrapUpDialog

log = logging.getLogger(__name__)

REFRESH_MS = 30_000


class TicketDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        screenpop: ScreenPopService,
        store,
        api,
        agent_id: str,
        *,
        dispositions: tuple[str, ...] = DISPOSITION_CODES,
        require_contact_before_ready: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.store = store
        self.clock = clock
        self.tickets = TicketService(store, agent_id, clock=clock)
        self.contacts = ContactService(
            store,
            agent_id,
            dispositions=dispositions,
            require_before_ready=require_contact_before_ready,
            clock=clock,
        )
        self.knowledge = KnowledgeService(api) if api is not None else None
        self.attachments = AttachmentService(store, attachments_folder(store.path), agent_id, clock=clock)
        self.downloader = AttachmentDownloader(api, self.attachments) if api is not None else None
        self.current_call: str = ""
        self.call_customers: dict[str, str] = {}
        self.form: TicketForm | None = None
        self.wrapup: WrapUpDialog | None = None

        screenpop.popped.connect(self._on_popped)
        screenpop.callUpdated.connect(self._on_call_updated)
        window.newTicketRequested.connect(self.open_new_ticket)
        window.logContactRequested.connect(self.open_manual_contact)
        self.contacts.wrapUpNeeded.connect(self.show_wrapup)
        self.tickets.ticketSaved.connect(self._on_ticket_saved)

        self.my_work = MyWorkPanel()
        self.my_work.ticketOpened.connect(self.open_ticket)
        self.dock = QDockWidget(window)
        self.dock.setObjectName("myWorkDock")
        self.dock.setWidget(self.my_work)
        self.dock.setWindowTitle(self.my_work.dock_title())
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        # Hidden until asked for (View menu, Ctrl+M): the card keeps the whole height on a 768 px screen.
        self.dock.hide()
        toggle = self.dock.toggleViewAction()
        toggle.setShortcut(QKeySequence("Ctrl+M"))
        toggle.setText(self.my_work.dock_title())
        window.view_menu.addAction(toggle)
        window.addAction(toggle)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh_lists)
        self._timer.start(REFRESH_MS)
        self.refresh_lists()

    def stop(self) -> None:
        """No more list refreshes: the store they read is about to close."""
        self._timer.stop()

    def _on_ticket_saved(self, _ticket: object) -> None:
        # A method, not a lambda: Qt holds a connected lambda (and the desk it closes over) for as
        # long as the sender lives, out of the collector's sight, so the whole desktop leaked.
        self.refresh_lists()

    # -- calls -----------------------------------------------------------------------------
    def _on_popped(self, pop: Pop) -> None:
        if pop.call_id:
            self.current_call = pop.call_id
            if pop.customer_id:
                self.call_customers[pop.call_id] = pop.customer_id
                self.contacts.note_customer(pop.call_id, pop.customer_id)

    def _on_call_updated(self, event: CallEvent) -> None:
        if event.kind is CallEventKind.ANSWERED:
            self.current_call = event.call_id
        self.contacts.on_call_event(event)

    def may_go_ready(self) -> bool:
        """False while a finished call's contact is unsaved (when configured)."""
        return self.contacts.may_go_ready()

    # -- tickets ---------------------------------------------------------------------------
    def _customer_label(self, customer_id: str) -> str:
        card = self.store.pop_card(customer_id) if customer_id else None
        return f"{card.name} ({customer_id})" if card is not None else customer_id

    def _knowledge_panel(self) -> KnowledgePanel | None:
        return KnowledgePanel(self.knowledge.search) if self.knowledge is not None else None

    def open_new_ticket(self) -> TicketForm | None:
        customer_id = self.window.card.current_customer_id() or self.call_customers.get(self.current_call, "")
        ticket = self.tickets.draft(customer_id or "", call_id=self.current_call)
        return self._open_form(ticket)

    def open_ticket(self, ticket_id: str) -> TicketForm | None:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            log.warning("ticket %s is not in the local cache", ticket_id)
            return None
        return self._open_form(ticket)

    def _open_form(self, ticket: Ticket) -> TicketForm:
        form = TicketForm(
            ticket,
            self.tickets.save,
            customer_label=self._customer_label(ticket.customer_id),
            clock=self.clock,
            knowledge=self._knowledge_panel(),
            author=self.tickets.agent_id,
            attach=lambda path: self.attachments.attach(ticket.id, path),
            attachments=self.attachments.for_ticket(ticket.id),
            fetch=self.downloader.fetch if self.downloader is not None else None,
            parent=self.window,
        )
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.resize(1100, 700)
        self.form = form
        form.show()
        return form

    def refresh_lists(self) -> None:
        now = self.clock()
        try:
            for view in VIEWS:
                self.my_work.set_tickets(view, self.tickets.list(view), now)
        except Exception:  # a broken local record must not take the window down
            log.exception("my work: could not list tickets")

    # -- contacts --------------------------------------------------------------------------
    def show_wrapup(self, contact: ContactLog) -> WrapUpDialog:
        linkable = [
            (t.id, t.fault_description[:30])
            for t in self.tickets.all()
            if t.call_id == contact.call_id or (contact.customer_id and t.customer_id == contact.customer_id)
        ]
        if linkable and not contact.ticket_id:
            contact.ticket_id = next((tid for tid, _ in linkable if tid), "")
        dialog = WrapUpDialog(
            contact,
            self.contacts.save,
            self.contacts.dispositions,
            tickets=linkable,
            customer_label=self._customer_label(contact.customer_id),
            required=self.contacts.require_before_ready,
            parent=self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.wrapup = dialog
        dialog.open()
        return dialog

    def open_pending_wrapup(self) -> WrapUpDialog | None:
        """Bring the wrap-up of an unsaved contact to the front (opening it if it was closed)."""
        try:
            if self.wrapup is not None and self.wrapup.isVisible():
                self.wrapup.raise_()
                self.wrapup.activateWindow()
                return self.wrapup
        except RuntimeError:  # the last dialog was closed and deleted (WA_DeleteOnClose)
            self.wrapup = None
        pending = next(iter(self.contacts.pending.values()), None)
        return self.show_wrapup(pending) if pending is not None else None

    def open_manual_contact(self) -> WrapUpDialog:
        pending = next(iter(self.contacts.pending.values()), None)
        if pending is not None:
            return self.show_wrapup(pending)
        customer_id = self.window.card.current_customer_id() or ""
        contact = self.contacts.open_for(self.current_call, customer_id)
        dialog = self.show_wrapup(contact)
        dialog.required = False  # logged by hand: the agent may cancel
        return dialog
