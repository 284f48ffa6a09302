"""Wires tickets, contact logs and the knowledge base into the running desktop.

Like the customer desk this is the only place that knows both the services
(TicketService, ContactService, KnowledgeService) and the views (TicketForm, WrapUpDialog,
MyWorkPanel, KnowledgePanel):

- Ctrl+N (MainWindow.newTicketRequested) opens the ticket form for the customer on the card,
  pre-linked to the call in progress (or the last call), as the AgentSession knows it;
- a call's end (AgentSession.callEnded) drives the contact log: the wrap-up screen opens with
  direction, channel and start/end from the CTI; Ctrl+L (logContactRequested) opens it by hand;
- "My work" is a dock with my tickets, the team queue and overdue tickets, refreshed on every
  save and every 30 s (SLA countdown);
- the card's "Tickets & contacts" tab lists the customer's tickets and contact logs from the
  cache (refreshed when the card shows a customer, on every save and after every sync); a click
  opens the ticket, and so does Enter on a ticket number in the main search.

Every write (ticket, contact, attachment record) is awaited on the cache worker (`CacheOps`).
The ticket form awaits its save; the wrap-up dialog takes a plain callable, `ContactService.submit`
(the rules' issues go back to the dialog, the write runs in a task): the contact stays pending
until it is stored, and when the cache cannot be written (`saveFailed`) the desk says so and opens
the wrap-up again with the agent's input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget

from calldesk_domain.tickets import ContactLog, Ticket
from calldesk_domain.vocabulary import DISPOSITION_CODES
from desktop.cache.store import CacheStore
from desktop.cti.events import CallEvent
from desktop.desks.dialogs import DialogSlot
from desktop.desks.session import AgentSession, CallInfo
from desktop.services.api import CentralApi
from desktop.services.attachment_download import AttachmentDownloader
from desktop.services.attachments import AttachmentService, attachments_folder
from desktop.services.contacts import ContactService
from desktop.services.customer_work import CustomerWork
from desktop.services.knowledge import KnowledgeService
from desktop.services.ops import CacheOps
from desktop.services.tickets import TicketService
from desktop.views.knowledge_dialog import KnowledgeDialog
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
        session: AgentSession,
        store: CacheStore,
        api: CentralApi | None,
        agent_id: str,
        *,
        dispositions: tuple[str, ...] = DISPOSITION_CODES,
        require_contact_before_ready: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        ops: CacheOps | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        ops = ops if ops is not None else CacheOps(store.path)
        self.window = window
        self.session = session
        self.store = store
        self.clock = clock
        self.tickets = TicketService(store, agent_id, clock=clock, ops=ops)
        self.contacts = ContactService(
            store,
            agent_id,
            ops=ops,
            dispositions=dispositions,
            require_before_ready=require_contact_before_ready,
            clock=clock,
        )
        self.knowledge = KnowledgeService(api) if api is not None else None
        self.attachments = AttachmentService(
            store, attachments_folder(store.path), agent_id, clock=clock, ops=ops
        )
        self.downloader = AttachmentDownloader(api, self.attachments) if api is not None else None
        self.work = CustomerWork(store)
        self.knowledge_dialog: KnowledgeDialog | None = None  # made once, shown again (Ctrl+K)
        self.forms: DialogSlot[TicketForm] = DialogSlot()
        self.wrapups: DialogSlot[WrapUpDialog] = DialogSlot()

        session.callEnded.connect(self._on_call_ended)
        window.newTicketRequested.connect(self.open_new_ticket)
        window.logContactRequested.connect(self.open_manual_contact)
        self.contacts.wrapUpNeeded.connect(self.show_wrapup)
        self.contacts.saveFailed.connect(self._on_contact_not_saved)
        self.tickets.ticketSaved.connect(self._on_ticket_saved)
        self.contacts.contactSaved.connect(self._on_contact_saved)
        window.card.pageShown.connect(self._on_card_shown)
        window.card.work_tab.ticketOpened.connect(self.open_ticket)
        window.searchSubmitted.connect(self._on_search_submitted)
        window.knowledgeRequested.connect(self.open_knowledge)
        session.connectivityChanged.connect(self._on_connectivity)
        self._stopped = False  # the session outlives the window: its signals may still come
        self._tasks: set[asyncio.Task] = set()

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

    @property
    def form(self) -> TicketForm | None:
        """The newest ticket form still open (None once closed: never a deleted one)."""
        return self.forms.current

    @property
    def wrapup(self) -> WrapUpDialog | None:
        """The wrap-up dialog still open, if any."""
        return self.wrapups.current

    def _on_ticket_saved(self, _ticket: object) -> None:
        # A method, not a lambda: Qt holds a connected lambda (and the desk it closes over) for as
        # long as the sender lives, out of the collector's sight, so the whole desktop leaked.
        self.refresh_lists()
        self.refresh_customer_work()

    def _on_contact_saved(self, _contact: object) -> None:
        self.refresh_customer_work()

    def _on_card_shown(self, page: str) -> None:
        if page == "card":
            self.refresh_customer_work()

    def _on_connectivity(self, state: str) -> None:
        if state == "online":  # a pull went through: tickets from other desktops may have come
            self.refresh_customer_work()

    def refresh_customer_work(self) -> None:
        """The card's "Tickets & contacts" tab, from the cache, for the customer on the card."""
        if self._stopped:
            return
        card = self.window.card
        customer_id = card.current_customer_id()
        if customer_id is None or card.page() != "card":
            return
        try:
            items = self.work.for_customer(customer_id)
        except Exception:  # a broken cache must not take the card down
            log.exception("tickets and contacts of %s could not be read", customer_id)
            items = []
        card.show_work(items)

    def _on_search_submitted(self, text: str) -> None:
        """Enter on a ticket number in the main search opens the ticket."""
        ticket_id = self.work.ticket_number(text)
        if ticket_id is not None:
            self.open_ticket(ticket_id)

    # -- calls -----------------------------------------------------------------------------
    def _on_call_ended(self, call: CallInfo, event: CallEvent) -> None:
        self.contacts.call_ended(
            event.call_id,
            started=call.answered_at or event.ts,
            ended=event.ts,
            customer_id=call.customer_id or "",
            extra=event.extra,
        )

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
        call_id = self.session.current_call_id
        customer_id = self.window.card.current_customer_id() or self.session.customer_of(call_id)
        ticket = self.tickets.draft(customer_id or "", call_id=call_id)
        return self._open_form(ticket)

    def open_ticket(self, ticket_id: str) -> TicketForm | None:
        form = self.form
        if form is not None and form.ticket.id == ticket_id:  # already open: to the front
            form.raise_()
            form.activateWindow()
            return form
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
        form.resize(1100, 700)
        self.forms.hold(form)
        form.finished.connect(partial(self._on_form_finished, ticket.id))
        form.show()
        return form

    async def start(self) -> None:
        """No form is open yet: whatever was attached to a ticket never saved is an orphan."""
        try:
            await self.attachments.discard_drafts()
        except Exception:  # a broken cache must not stop the desktop from starting
            log.exception("attachments of unsaved tickets could not be checked")

    def _on_form_finished(self, ticket_id: str, _result: int = 0) -> None:
        """A form closed: if its ticket was never saved, its attachments go with it (not at stop:
        the cache worker is closing then; the next start sweeps them)."""
        if self._stopped:
            return
        task = asyncio.ensure_future(self._discard_drafts(ticket_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _discard_drafts(self, ticket_id: str) -> None:
        try:
            await self.attachments.discard_drafts(ticket_id)
        except Exception:
            log.exception("attachments of unsaved ticket %s could not be discarded", ticket_id)

    def refresh_lists(self) -> None:
        now = self.clock()
        try:
            for view in VIEWS:
                self.my_work.set_tickets(view, self.tickets.list(view), now)
        except Exception:  # a broken local record must not take the window down
            log.exception("my work: could not list tickets")

    def open_knowledge(self) -> KnowledgeDialog | None:
        """Call > Knowledge base… (Ctrl+K): the FAQ search without a ticket open."""
        if self.knowledge is None:
            self.window.show_banner(
                self.tr("The knowledge base needs the connection to the CRM server."), "warning"
            )
            return None
        if self.knowledge_dialog is None:
            self.knowledge_dialog = KnowledgeDialog(self.knowledge.search, self.window)
        self.knowledge_dialog.open_for_search()
        return self.knowledge_dialog

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
            self.contacts.submit,
            self.contacts.dispositions,
            tickets=linkable,
            customer_label=self._customer_label(contact.customer_id),
            required=self.contacts.require_before_ready,
            parent=self.window,
        )
        self.wrapups.hold(dialog)
        dialog.open()
        return dialog

    def _on_contact_not_saved(self, contact: ContactLog, message: str) -> None:
        """The worker could not write a contact the wrap-up handed over: say so and open the
        wrap-up again with the agent's input (a call's contact is still pending)."""
        self.window.show_banner(self.tr("The contact log was not saved: %1").replace("%1", message), "error")
        dialog = self.show_wrapup(contact)
        dialog.required = dialog.required and contact.call_id in self.contacts.pending

    def open_pending_wrapup(self) -> WrapUpDialog | None:
        """Bring the wrap-up of an unsaved contact to the front (opening it if it was closed)."""
        shown = self.wrapup
        if shown is not None:
            shown.raise_()
            shown.activateWindow()
            return shown
        pending = next(iter(self.contacts.pending.values()), None)
        return self.show_wrapup(pending) if pending is not None else None

    def open_manual_contact(self) -> WrapUpDialog:
        pending = next(iter(self.contacts.pending.values()), None)
        if pending is not None:
            return self.show_wrapup(pending)
        customer_id = self.window.card.current_customer_id() or ""
        contact = self.contacts.open_for(self.session.current_call_id, customer_id)
        dialog = self.show_wrapup(contact)
        dialog.required = False  # logged by hand: the agent may cancel
        return dialog

    def stop_painting(self) -> None:
        """Shutdown has begun: nothing from the cache is painted into the card any more."""
        self._stopped = True

    def stop(self) -> None:
        """Stop the refresh timer and close the forms this desk opened."""
        self._stopped = True
        self._timer.stop()
        self.forms.close()
        self.wrapups.close()
        if self.knowledge_dialog is not None:
            with contextlib.suppress(RuntimeError):  # deleted with the window already
                self.knowledge_dialog.close()
            self.knowledge_dialog = None
