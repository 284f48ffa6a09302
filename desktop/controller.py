"""Wires services to views: the only place that knows both.

Views stay dumb (they receive data objects and emit intent signals); services stay headless
(they emit data). The controller translates between them and measures what the agent feels:
the time from a ringing event to a painted card.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from calldesk_domain.phone import mask, national_display
from desktop.config import Settings
from desktop.cti.events import CallEvent, CallEventKind
from desktop.services.auth import can_see_full_numbers
from desktop.services.customers import CustomerFormError, CustomerService
from desktop.services.lookup import LookupService
from desktop.services.screenpop import Pop, ScreenPopService
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


class DesktopController(QObject):
    popPainted = Signal(object)  # PopPainted, after the header is on screen
    detailPainted = Signal(object)  # PopPainted, after the detail tabs are on screen

    def __init__(
        self,
        window: MainWindow,
        screenpop: ScreenPopService,
        lookup: LookupService,
        settings: Settings,
        role: str,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.window = window
        self.screenpop = screenpop
        self.lookup = lookup
        self.settings = settings
        self.masked = not can_see_full_numbers(role)
        self._calls: dict[str, tuple[str, str | None, str | None]] = {}  # call_id -> (caller, name, id)
        self._card_ms: dict[str, float] = {}
        screenpop.popped.connect(self._on_popped)
        screenpop.detailFilled.connect(self._on_detail)
        screenpop.callUpdated.connect(self._on_call_updated)
        window.searchChanged.connect(self._on_search)
        window.customerChosen.connect(self._on_customer_chosen)
        window.card.searchRequested.connect(window.focus_search)
        window.card.createCustomerRequested.connect(self._on_create_customer)
        self.customers = CustomerService(lookup.store)
        self.new_customer_dialog: NewCustomerDialog | None = None
        self._last_call_id = ""
        self._tasks: set[asyncio.Task[None]] = set()

    def display_number(self, e164: str | None, raw: str | None = None) -> str:
        if not e164:
            return raw or ""
        return mask(e164) if self.masked else national_display(e164)

    def _is_stale(self, pop: Pop) -> bool:
        """Cached data shown while the central server is unreachable may be out of date: say so."""
        return pop.stale or (pop.detail_source == "cache" and self.window.connection_state() == "offline")

    # -- pops --------------------------------------------------------------------------------
    def _on_popped(self, pop: Pop) -> None:
        card = self.window.card
        match = pop.match
        painted_detail = False
        if match.kind == "single" and pop.detail is not None and pop.detail.customer.id == pop.customer_id:
            # Detail already at hand (cached or pre-warmed): one render and one paint for the whole card.
            card.show_detail(pop.detail, masked=self.masked, stale=self._is_stale(pop))
            painted_detail = True
        elif match.kind == "single":
            card.show_pop(match.cards[0], masked=self.masked)
        elif match.kind == "multiple":
            card.show_matches(match.cards, masked=self.masked)
        elif match.kind == "withheld":
            card.show_withheld()
        else:
            card.show_new_caller(match.e164, pop.raw_caller or "")
        name = match.cards[0].name if match.kind == "single" else None
        if pop.call_id:
            self._last_call_id = pop.call_id
            # "" for a withheld number: the call bar says so in the agent's language, not "anonymous"
            caller_display = (
                "" if match.kind == "withheld" else self.display_number(match.e164, pop.raw_caller)
            )
            self._calls[pop.call_id] = (caller_display, name, pop.customer_id)
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

    def _on_detail(self, pop: Pop) -> None:
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

    def _on_call_updated(self, event: CallEvent) -> None:
        if event.kind is CallEventKind.ENDED:
            caller_display, name, customer_id = self._calls.pop(
                event.call_id, (self.display_number(event.caller), None, None)
            )
            self.window.add_recent_call(
                event.call_id,
                caller_display,
                name,
                event.ts,
                event.extra.get("outcome", "ended"),
                customer_id=customer_id,
            )
            self.window.clear_call()

    # -- agent intents -----------------------------------------------------------------------
    def _on_search(self, text: str) -> None:
        text = text.strip()
        if not text:
            self.window.show_search_results([], self.masked)
            return
        try:
            results = self.lookup.store.search(text, limit=20)
            limited = not results and not self.lookup.store.search_index_ready()
        except Exception as exc:  # a broken cache must not take the window down
            log.exception("search failed")
            self.window.show_banner(self.tr("Search failed: %1").replace("%1", str(exc)), "error")
            return
        self.window.show_search_results(results, self.masked, limited)

    def _on_customer_chosen(self, customer_id: str) -> None:
        if self.screenpop.show_customer(customer_id) is None:
            self.window.show_banner(
                self.tr("Customer %1 is not in the local cache.").replace("%1", customer_id), "warning"
            )

    # -- new customer (unknown caller) ----------------------------------------------------------
    def _on_create_customer(self, number: str) -> None:
        prefill = national_display(number) if number.startswith("+") else number
        dialog = NewCustomerDialog(prefill, self.window)
        dialog.saveRequested.connect(
            lambda name, phone: self._spawn(self._create_customer(dialog, name, phone))
        )
        self.new_customer_dialog = dialog
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
        call = self._calls.get(self._last_call_id)
        if call is not None and call[2] is None:  # the caller on the line is this new customer
            self._calls[self._last_call_id] = (call[0], card.name, card.customer_id)
        detail = self.lookup.store.customer_detail(card.customer_id)  # new: no orders etc. yet
        if detail is not None:
            self.window.card.show_detail(detail, masked=self.masked)
        else:
            self.window.card.show_pop(card, masked=self.masked)

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop(self) -> None:
        """Cancel the searches and detail loads in flight: none may paint after the desktop stops."""
        for task in list(self._tasks):
            task.cancel()
