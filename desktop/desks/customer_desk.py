"""The customer desk: screen pops, search, the customer card, recent calls, new customers.

Views stay dumb (they receive data objects and emit intent signals); services stay headless
(they emit data). This desk translates between them and measures what the agent feels: the time
from a ringing event to a painted card. Which call is on the line, and whether the central server
answers, it reads from the AgentSession, never from a widget.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from calldesk_domain.phone import mask, national_display
from desktop.config import Settings
from desktop.cti.events import CallEvent
from desktop.desks.dialogs import DialogSlot
from desktop.desks.session import AgentSession, CallInfo
from desktop.services.audit import AuditService, RevealUnavailable
from desktop.services.auth import can_see_full_numbers
from desktop.services.customers import CustomerFormError, CustomerService
from desktop.services.lookup import LookupService
from desktop.services.screenpop import Pop, ScreenPopService
from desktop.services.tasks import cancel_and_wait
from desktop.views.main_window import MainWindow
from desktop.views.new_customer_dialog import NewCustomerDialog

log = logging.getLogger(__name__)


@dataclass(slots=True, frozen=True)
class PopPainted:
    """What the agent saw for one pop, and how long it took (ms from event receipt)."""

    call_id: str
    caller: str | None
    customer_id: str | None
    kind: str  # single | multiple | unknown | withheld
    card_ms: float  # header painted
    detail_ms: float | None  # detail tabs painted (None until they are)
    history_ms: float | None = None  # older records appended, or the card said why not
    older: str = ""  # Pop.older when this was reported


class CustomerDesk(QObject):
    popPainted = Signal(object)  # PopPainted, after the header is on screen
    detailPainted = Signal(object)  # PopPainted, after the detail tabs are on screen
    historyPainted = Signal(object)  # PopPainted, after older records were appended (or were not)

    def __init__(
        self,
        window: MainWindow,
        screenpop: ScreenPopService,
        lookup: LookupService,
        settings: Settings,
        role: str,
        session: AgentSession,
        customers: CustomerService,
        parent: QObject | None = None,
        audit: AuditService | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.session = session
        self.screenpop = screenpop
        self.lookup = lookup
        self.settings = settings
        self.masked = not can_see_full_numbers(role)
        self._card_ms: dict[str, float] = {}
        screenpop.popped.connect(self._on_popped)
        screenpop.detailFilled.connect(self._on_detail)
        screenpop.historyFilled.connect(self._on_history)
        session.callEnded.connect(self._on_call_ended)
        window.searchChanged.connect(self._on_search)
        window.customerChosen.connect(self._on_customer_chosen)
        window.card.searchRequested.connect(window.focus_search)
        window.card.createCustomerRequested.connect(self._on_create_customer)
        self.customers = customers
        self.audit = audit
        window.card.reveal_allowed = self.masked and audit is not None  # staff see numbers in full
        window.card.revealRequested.connect(lambda customer_id: self._spawn(self._reveal(customer_id)))
        self.new_customer_dialogs: DialogSlot[NewCustomerDialog] = DialogSlot()
        self._tasks: set[asyncio.Task[None]] = set()
        # a card fetch still in flight at stop() must not paint a card whose window is deleted
        self._stopped = False

    @property
    def new_customer_dialog(self) -> NewCustomerDialog | None:
        """The new-customer form while it is open (released and deleted when it closes)."""
        return self.new_customer_dialogs.current

    def display_number(self, e164: str | None, raw: str | None = None) -> str:
        if not e164:
            return raw or ""
        return mask(e164) if self.masked else national_display(e164, self.lookup.region)

    def _is_stale(self, pop: Pop) -> bool:
        """Cached data shown while the central server is unreachable may be out of date: say so."""
        return pop.stale or (pop.detail_source == "cache" and not self.session.online)

    # -- pops --------------------------------------------------------------------------------
    def _on_popped(self, pop: Pop) -> None:
        card = self.window.card
        match = pop.match
        painted_detail = False
        if match.kind == "single" and pop.detail is not None and pop.detail.customer.id == pop.customer_id:
            # Detail already at hand (cached or pre-warmed): one render and one paint for the whole card.
            card.show_detail(pop.detail, masked=self.masked, stale=self._is_stale(pop), older=pop.older)
            painted_detail = True
        elif match.kind == "single":
            card.show_pop(match.cards[0], masked=self.masked)
        elif match.kind == "multiple":
            card.show_matches(match.cards, masked=self.masked)
        elif match.kind == "withheld":
            card.show_withheld()
        else:
            card.show_new_caller(match.e164, pop.raw_caller or "")
        if pop.call_id:
            # "" for a withheld number: the call bar says so in the agent's language, not "anonymous"
            caller_display = (
                "" if match.kind == "withheld" else self.display_number(match.e164, pop.raw_caller)
            )
            if pop.direction == "outbound":  # the agent dialled: the bar times the call from here
                self.window.show_call(caller_display, self.tr("Outbound call"), "", time.time())
            else:
                self.window.show_call(
                    caller_display, self.settings.hotline_name(pop.dnis), pop.queue or "", time.time()
                )
                self.window.raise_for_call()
        card.repaint()  # paint now, inside this frame: the agent must see the caller before "hello"
        card_ms = (time.perf_counter() - pop.received_at) * 1000
        self._card_ms[pop.call_id] = card_ms
        if painted_detail:
            pop.timings["detail_painted"] = time.perf_counter()
        self.popPainted.emit(PopPainted(pop.call_id, match.e164, pop.customer_id, match.kind, card_ms, None))
        if self.audit is not None and match.kind == "single":
            # after the paint: the audit row is written on the worker thread, the pop never waits
            self.audit.record_view(pop.customer_id, pop.call_id or self.session.current_call_id or "")

    def _on_detail(self, pop: Pop) -> None:
        if self._stopped:
            return
        card = self.window.card
        if pop.detail is None:
            if card.current_customer_id() == pop.customer_id:
                card.show_detail_unavailable(pop.error, stale=pop.stale)
            if pop.error:
                self.window.show_banner(
                    self.tr("Could not load the customer's details: %1").replace("%1", pop.error), "warning"
                )
            return
        if card.current_customer_id() != pop.detail.customer.id:
            return  # the agent has moved on to another customer
        painted_at = pop.timings.get("detail_painted")
        if painted_at is None:
            card.show_detail(pop.detail, masked=self.masked, stale=self._is_stale(pop))
            card.repaint()
            painted_at = time.perf_counter()
        detail_ms = (painted_at - pop.received_at) * 1000
        self.detailPainted.emit(
            PopPainted(
                pop.call_id,
                pop.match.e164,
                pop.customer_id,
                pop.match.kind,
                self._card_ms.pop(pop.call_id, detail_ms),
                detail_ms,
            )
        )

    def _on_history(self, pop: Pop) -> None:
        """Older records than the cached window: appended under the rows the agent already sees."""
        if self._stopped:
            return
        card = self.window.card
        if pop.detail is None or card.current_customer_id() != pop.customer_id:
            return
        if pop.older == "":
            card.append_older(pop.detail)
            if pop.detail_source == "api":
                card.set_stale(False)  # the server just answered: what is shown is current
        else:
            card.set_older(pop.older, pop.error)
        card.repaint()
        history_ms = (time.perf_counter() - pop.received_at) * 1000
        self.historyPainted.emit(
            PopPainted(
                pop.call_id, pop.match.e164, pop.customer_id, pop.match.kind, 0.0, None, history_ms, pop.older
            )
        )

    def _on_call_ended(self, call: CallInfo, event: CallEvent) -> None:
        caller_display = "" if call.withheld else self.display_number(call.e164, call.raw_caller)
        self.window.add_recent_call(
            event.call_id,
            caller_display,
            call.customer_name,
            event.ts,
            event.extra.get("outcome", "ended"),
            customer_id=call.customer_id,
            number="" if call.withheld else call.e164 or "",
        )
        self.window.clear_call()

    # -- agent intents -----------------------------------------------------------------------
    def _on_search(self, text: str) -> None:
        text = text.strip()
        if not text:
            self.window.show_search_results([], self.masked)
            return
        try:
            results = self.lookup.store.search(text, limit=20, region=self.lookup.region)
            limited = not results and not self.lookup.store.search_index_ready()
        except Exception as exc:  # a broken cache must not take the window down
            log.exception("search failed")
            self.window.show_banner(self.tr("Search failed: %1").replace("%1", str(exc)), "error")
            return
        self.window.show_search_results(results, self.masked, limited)

    def show_customer(self, customer_id: str) -> None:
        """Show a customer on the card (chosen in search, or handed over by `calldesk pop`)."""
        self._on_customer_chosen(customer_id)

    def _on_customer_chosen(self, customer_id: str) -> None:
        if self.screenpop.show_customer(customer_id) is None:
            self.window.show_banner(
                self.tr("Customer %1 is not in the local cache.").replace("%1", customer_id), "warning"
            )

    async def _reveal(self, customer_id: str) -> None:
        """The card's Reveal: the numbers from the server (which records it; the desktop queues
        the same audit event), shown on the card and never written to the cache."""
        numbers: list[str] | None = None
        try:
            assert self.audit is not None  # the button is only offered with an audit service
            numbers = await self.audit.reveal(customer_id, self.session.current_call_id or "")
        except RevealUnavailable as exc:
            self.window.show_banner(self._reveal_problem(customer_id, exc), "warning")
        except Exception as exc:  # the card stays usable; the agent is told
            log.exception("reveal of %s failed", customer_id)
            self.window.show_banner(
                self.tr("The number was not revealed: %1").replace("%1", str(exc)), "error"
            )
        finally:
            self.window.card.end_reveal(customer_id, numbers)

    def _reveal_problem(self, customer_id: str, exc: RevealUnavailable) -> str:
        if exc.reason == "offline":
            return self.tr("Revealing a number needs the central server, which cannot be reached now.")
        if exc.reason == "missing":
            return self.tr("Customer %1 does not exist on the server.").replace("%1", customer_id)
        return self.tr("The number was not revealed: %1").replace("%1", str(exc))

    # -- new customer (unknown caller) ----------------------------------------------------------
    def _on_create_customer(self, number: str) -> None:
        prefill = national_display(number, self.lookup.region) if number.startswith("+") else number
        dialog = NewCustomerDialog(prefill, self.window)
        dialog.saveRequested.connect(
            lambda name, phone: self._spawn(self._create_customer(dialog, name, phone))
        )
        self.new_customer_dialogs.hold(dialog)
        dialog.open()

    async def _create_customer(self, dialog: NewCustomerDialog, name: str, phone: str) -> None:
        try:
            card = await self.customers.create(name, phone)
        except CustomerFormError as exc:
            dialog.show_error(exc.field, exc.code)
            return
        except Exception as exc:  # the cache could not be written: say so, keep the form filled in
            log.exception("new customer not saved")
            dialog.show_error("name", "not_saved", str(exc))
            return
        dialog.accept()
        # the caller on the line (if the call had no customer) is this new customer
        self.session.link_customer(self.session.current_call_id, card.customer_id, card.name)
        detail = self.lookup.store.customer_detail(card.customer_id)  # new: no orders etc. yet
        if detail is not None:
            self.window.card.show_detail(detail, masked=self.masked)
        else:
            self.window.card.show_pop(card, masked=self.masked)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Cancel what is still running (a new customer being written) and close its dialog;
        pops that arrive after this paint nothing."""
        self._stopped = True
        await cancel_and_wait(list(self._tasks), "customer desk")
        self.new_customer_dialogs.close()
