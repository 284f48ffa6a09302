"""CTI event -> caller lookup -> prefetch -> "pop" for the views.

The pop is split in two so the agent sees the caller before the first ring ends:
`popped` carries the match from the pop index (name, tier, points, churn) and is emitted in the
same loop iteration as the `call.ringing` event; `detailFilled` follows with orders, points,
service and marketing — at once when the detail is cached, else after an on-demand fetch.
A `queue.join` for the call pre-warms both, so by the time an agent's phone rings the work is done.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from desktop.cti.events import CallEvent, CallEventKind, CtiEvent, QueueEvent, QueueEventKind
from desktop.domain.models import CustomerDetail
from desktop.services.lookup import CallerMatch, DetailResult, LookupService

log = logging.getLogger(__name__)

_PREWARM_LIMIT = 256


@dataclass(slots=True)
class Pop:
    """One screen pop: the call, who it matched, and (later) the customer's detail."""

    call_id: str
    raw_caller: str | None
    dnis: str | None
    queue: str | None
    match: CallerMatch
    received_at: float  # time.perf_counter() when the ringing event arrived
    detail: CustomerDetail | None = None
    detail_source: str = ""  # "cache" | "api" | ""
    stale: bool = False
    prewarmed: bool = False
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def customer_id(self) -> str | None:
        return self.match.cards[0].customer_id if self.match.kind == "single" else None


@dataclass(slots=True)
class _Prewarm:
    match: CallerMatch
    detail_task: asyncio.Task[DetailResult] | None


class ScreenPopService(QObject):
    popped = Signal(object)  # Pop, header data ready
    detailFilled = Signal(object)  # Pop, with detail (or error/stale)
    callUpdated = Signal(object)  # CallEvent for this agent: answered/held/ended...
    queueEvent = Signal(object)  # QueueEvent, for supervisor panels

    def __init__(self, lookup: LookupService, agent_id: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._lookup = lookup
        self._agent_id = agent_id
        self._prewarmed: OrderedDict[str, _Prewarm] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self.pops_emitted = 0

    @property
    def agent_id(self) -> str | None:
        return self._agent_id

    def set_agent(self, agent_id: str | None) -> None:
        self._agent_id = agent_id

    # -- CTI side ---------------------------------------------------------------------------
    def handle_event(self, event: CtiEvent, source_agent: str | None = None) -> None:
        """Listener callback. Never raises: a bad event must not take the desktop down."""
        try:
            if isinstance(event, QueueEvent):
                self._on_queue_event(event)
            elif isinstance(event, CallEvent):
                self._on_call_event(event)
        except Exception:
            log.exception("screen pop failed for %s", event)

    def _is_mine(self, event: CallEvent) -> bool:
        return not self._agent_id or not event.agent or event.agent == self._agent_id

    def _on_queue_event(self, event: QueueEvent) -> None:
        self.queueEvent.emit(event)
        if event.kind is QueueEventKind.JOIN and event.call_id:
            self.prewarm(event.call_id, event.caller)
        elif event.kind in (QueueEventKind.ABANDON, QueueEventKind.TIMEOUT) and event.call_id:
            self._drop_prewarm(event.call_id)

    def _on_call_event(self, event: CallEvent) -> None:
        if not self._is_mine(event):
            return
        if event.kind is CallEventKind.RINGING:
            self.pop(event)
            return
        if event.kind is CallEventKind.ENDED:
            self._drop_prewarm(event.call_id)
        self.callUpdated.emit(event)

    # -- lookups ----------------------------------------------------------------------------
    def prewarm(self, call_id: str, raw_caller: str | None) -> None:
        if call_id in self._prewarmed:
            return
        match = self._lookup.match_caller(raw_caller)
        task = None
        if match.kind == "single" and self._cached_detail(match.cards[0].customer_id) is None:
            task = asyncio.ensure_future(self._lookup.detail(match.cards[0].customer_id))
        self._prewarmed[call_id] = _Prewarm(match, task)
        while len(self._prewarmed) > _PREWARM_LIMIT:
            _, old = self._prewarmed.popitem(last=False)
            if old.detail_task and not old.detail_task.done():
                old.detail_task.cancel()

    def _drop_prewarm(self, call_id: str) -> None:
        entry = self._prewarmed.pop(call_id, None)
        if entry and entry.detail_task and not entry.detail_task.done():
            entry.detail_task.cancel()

    def pop(self, event: CallEvent, received_at: float | None = None) -> Pop:
        received_at = time.perf_counter() if received_at is None else received_at
        raw = event.extra.get("caller_raw") if event.extra else None
        raw_caller = raw if isinstance(raw, str) else event.caller
        warm = self._prewarmed.pop(event.call_id, None)
        match = warm.match if warm else self._lookup.match_caller(raw_caller)
        pop = Pop(
            call_id=event.call_id,
            raw_caller=raw_caller,
            dnis=event.dnis,
            queue=event.queue,
            match=match,
            received_at=received_at,
            prewarmed=warm is not None,
        )
        pop.timings["matched"] = time.perf_counter()
        self.pops_emitted += 1
        self.popped.emit(pop)
        customer_id = pop.customer_id
        if customer_id is None:
            return pop
        cached = self._cached_detail(customer_id)
        if cached is not None:
            pop.detail, pop.detail_source = cached, "cache"
            self.detailFilled.emit(pop)
        else:
            task = warm.detail_task if warm and warm.detail_task else None
            self._spawn(self._fill_detail(pop, customer_id, task))
        return pop

    def show_customer(self, customer_id: str, call_id: str = "") -> Pop | None:
        """A pop not caused by a ring: the chooser, a search result, `calldesk pop`."""
        card = self._lookup.store.pop_card(customer_id)
        if card is None:
            return None
        pop = Pop(call_id, None, None, None, CallerMatch("single", None, [card]), time.perf_counter())
        self.popped.emit(pop)
        cached = self._cached_detail(customer_id)
        if cached is not None:
            pop.detail, pop.detail_source = cached, "cache"
            self.detailFilled.emit(pop)
        else:
            self._spawn(self._fill_detail(pop, customer_id, None))
        return pop

    async def _fill_detail(self, pop: Pop, customer_id: str, task: asyncio.Task[DetailResult] | None) -> None:
        try:
            result = await task if task is not None else await self._lookup.detail(customer_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("detail for %s failed: %s", customer_id, exc)
            pop.error = str(exc)
            self.detailFilled.emit(pop)
            return
        pop.detail, pop.detail_source, pop.stale = result.detail, result.source, result.stale
        if result.detail is None:
            pop.error = result.reason or ""
        self.detailFilled.emit(pop)

    def _cached_detail(self, customer_id: str) -> CustomerDetail | None:
        store = self._lookup.store
        return store.customer_detail(customer_id) if store.has_detail(customer_id) else None

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
