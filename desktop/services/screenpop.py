"""CTI event -> caller lookup -> prefetch -> "pop" for the views.

The pop is split in two so the agent sees the caller before the first ring ends:
`popped` carries the match from the pop index (name, tier, points, churn) and is emitted in the
same loop iteration as the `call.ringing` event; `detailFilled` follows with orders, points,
service and marketing. Whatever the cache holds of them goes with `popped` (`Pop.detail` set), so
the view paints header and tabs in one frame and never waits for the network: after a windowed
first sync that is the last 180 days (`Pop.older == "loading"`), and `historyFilled` follows with
the whole record once it is fetched (or `older` "offline"/"failed" when it cannot be). Only a
customer with nothing cached (known from an online lookup) has its tabs filled after a fetch.
A `queue.join` for the call pre-warms both, so by the time an agent's phone rings the work is done.
A number the cache does not know is asked of the central API in the background (a customer
created since the last sync); if it finds someone, `popped` is emitted again for the same call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from calldesk_domain.models import CustomerDetail
from desktop.cache.store import CacheStore
from desktop.cti.events import CallEvent, CallEventKind, CtiEvent, QueueEvent, QueueEventKind
from desktop.services.api import ApiError
from desktop.services.lookup import CallerMatch, DetailResult, LookupService
from desktop.services.tasks import cancel_and_wait

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
    # records older than the cached ones: "" none missing, "loading", "offline", "failed" (`error`)
    older: str = ""
    direction: str = "inbound"  # "outbound": the agent dialled (click-to-dial, call back, dial pad)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def customer_id(self) -> str | None:
        return self.match.cards[0].customer_id if self.match.kind == "single" else None


@dataclass(slots=True)
class _Prewarm:
    match: CallerMatch
    detail_task: asyncio.Task[DetailResult] | None
    online_task: asyncio.Task[CallerMatch] | None = None

    def cancel(self) -> None:
        for task in (self.detail_task, self.online_task):
            if task is not None and not task.done():
                task.cancel()


class ScreenPopService(QObject):
    popped = Signal(object)  # Pop, header data ready
    detailFilled = Signal(object)  # Pop, with detail (or error/stale)
    historyFilled = Signal(object)  # Pop whose older records came (older "") or will not ("offline"/"failed")
    callUpdated = Signal(object)  # CallEvent for this agent: answered/held/ended...
    queueEvent = Signal(object)  # QueueEvent, for supervisor panels

    def __init__(
        self,
        lookup: LookupService,
        agent_id: str | None = None,
        parent: QObject | None = None,
        *,
        online: Callable[[], bool] | None = None,
    ):
        """`online`: whether the central server is reachable now (the session's view); offline,
        the card says at once that older records are not available offline (they are still
        asked for, and appended if the server answers after all)."""
        super().__init__(parent)
        self._lookup = lookup
        self._online = online if online is not None else (lambda: True)
        self._agent_id = agent_id
        self._prewarmed: OrderedDict[str, _Prewarm] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self.pops_emitted = 0

    @property
    def agent_id(self) -> str | None:
        return self._agent_id

    def set_agent(self, agent_id: str | None) -> None:
        self._agent_id = agent_id

    async def close(self) -> None:
        """Cancel the pre-warm lookups and background fetches still running (at stop)."""
        for entry in self._prewarmed.values():
            entry.cancel()
        self._prewarmed.clear()
        await cancel_and_wait(list(self._tasks), "screen pop")

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
        if match.kind == "single" and not self._lookup.store.has_detail(match.cards[0].customer_id):
            task = asyncio.ensure_future(self._lookup.detail(match.cards[0].customer_id))
        entry = _Prewarm(match, task)
        if task is None and self._may_be_online(match):
            entry.online_task = asyncio.ensure_future(self._prewarm_online(entry, raw_caller))
        self._prewarmed[call_id] = entry
        while len(self._prewarmed) > _PREWARM_LIMIT:
            _, old = self._prewarmed.popitem(last=False)
            old.cancel()

    def _drop_prewarm(self, call_id: str) -> None:
        entry = self._prewarmed.pop(call_id, None)
        if entry is not None:
            entry.cancel()

    async def _prewarm_online(self, entry: _Prewarm, raw_caller: str | None) -> CallerMatch:
        """Pre-warm for a number the cache does not know: the online match, then its detail."""
        found = await self._lookup.match_caller_online(raw_caller)
        if found.kind == "single":
            entry.detail_task = asyncio.ensure_future(self._online_detail(found.cards[0].customer_id))
        return found

    async def _online_detail(self, customer_id: str) -> DetailResult:
        """Detail of a customer the cache learnt of from an online lookup. Its pop row is cached,
        but none of its orders etc.: ask the API (LookupService.detail would trust the cache once
        the change feed has completed), and cache what comes back."""
        api = self._lookup.api
        if api is None:
            return await self._lookup.detail(customer_id)
        try:
            detail = await api.customer_detail(customer_id)
        except ApiError as exc:
            log.warning("detail of %s (found online) not fetched: %s", customer_id, exc.message)
            return DetailResult(None, "cache", True, exc.message)
        if detail is None:
            return DetailResult(None, "api", False, f"customer {customer_id} does not exist on the server")
        try:
            await self._lookup.ops.run(CacheStore.store_detail, detail)
        except Exception:  # caching is an optimisation; the agent still gets the card
            log.exception("could not cache the detail of %s", customer_id)
        return DetailResult(detail, "api", False)

    def _may_be_online(self, match: CallerMatch) -> bool:
        """An unknown but well-formed number, and a central API to ask."""
        return match.kind == "unknown" and match.e164 is not None and self._lookup.api is not None

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
            direction="outbound" if (event.extra or {}).get("direction") == "outbound" else "inbound",
        )
        pop.timings["matched"] = time.perf_counter()
        self.pops_emitted += 1
        online = warm.online_task if warm is not None else None
        found_online = (
            online is not None and online.done() and not online.cancelled() and online.exception() is None
        )
        if found_online and online is not None:
            pop.match = online.result()  # pre-warmed online: the caller is known by now
        if pop.customer_id is None:
            self.popped.emit(pop)
            if self._may_be_online(pop.match) and not found_online:
                self._spawn(self._find_online(pop, raw_caller, warm))
            return pop
        self._emit_with_detail(pop, warm.detail_task if warm else None, use_cache=not found_online)
        return pop

    def _emit_with_detail(
        self, pop: Pop, task: asyncio.Task[DetailResult] | None, *, use_cache: bool = True
    ) -> None:
        """Emit `popped` (with the detail when it is cached or already fetched), then
        `detailFilled` — at once, or when the fetch ends. `use_cache=False` for a customer found
        online: the cache holds its pop row but not its orders etc."""
        customer_id = pop.customer_id
        assert customer_id is not None
        if task is not None and task.done() and not task.cancelled() and task.exception() is None:
            result = task.result()
            if result.detail is not None:
                pop.detail, pop.detail_source, pop.stale = result.detail, result.source, result.stale
        if pop.detail is None and use_cache:
            pop.detail, pop.older = self._cached_detail(customer_id)
            if pop.detail is not None:
                pop.detail_source = "cache"
        self.popped.emit(pop)
        if pop.detail is None:
            self._spawn(self._fill_detail(pop, customer_id, task))
            return
        self.detailFilled.emit(pop)
        if pop.older:  # asked for even when the session thinks it is offline: it may be back
            self._spawn(self._fill_older(pop, customer_id, task))

    async def _find_online(self, pop: Pop, raw_caller: str | None, warm: _Prewarm | None) -> None:
        task = warm.online_task if warm is not None else None
        try:
            found = await task if task is not None else await self._lookup.match_caller_online(raw_caller)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("online lookup for call %s failed", pop.call_id)
            return
        if found.kind not in ("single", "multiple"):
            return
        pop.match = found
        pop.timings["matched_online"] = time.perf_counter()
        customer_id = pop.customer_id
        if customer_id is None:
            self.popped.emit(pop)
            return
        detail_task = warm.detail_task if warm is not None else None
        if detail_task is None:
            detail_task = asyncio.ensure_future(self._online_detail(customer_id))
        self._emit_with_detail(pop, detail_task, use_cache=False)

    def show_customer(self, customer_id: str, call_id: str = "") -> Pop | None:
        """A pop not caused by a ring: the chooser, a search result, `calldesk pop`."""
        card = self._lookup.store.pop_card(customer_id)
        if card is None:
            return None
        pop = Pop(call_id, None, None, None, CallerMatch("single", None, [card]), time.perf_counter())
        self._emit_with_detail(pop, None)
        return pop

    async def _detail(self, customer_id: str, task: asyncio.Task[DetailResult] | None) -> DetailResult:
        """The pre-warm's fetch, else a lookup; an unexpected failure becomes a result saying so."""
        try:
            return await task if task is not None else await self._lookup.detail(customer_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("detail for %s failed: %s", customer_id, exc)
            return DetailResult(None, "api", False, str(exc))

    async def _fill_detail(self, pop: Pop, customer_id: str, task: asyncio.Task[DetailResult] | None) -> None:
        result = await self._detail(customer_id, task)
        pop.detail, pop.detail_source, pop.stale = result.detail, result.source, result.stale
        if result.detail is None:
            pop.error = result.reason or "no detail"
        self.detailFilled.emit(pop)

    async def _fill_older(self, pop: Pop, customer_id: str, task: asyncio.Task[DetailResult] | None) -> None:
        """The whole record of a customer whose cached records are the window's: `historyFilled`
        with it, or with `older` saying why it is not there."""
        result = await self._detail(customer_id, task)
        if result.detail is not None and not result.stale:
            pop.detail, pop.detail_source, pop.older = result.detail, result.source, ""
        else:
            pop.older = "offline" if result.offline else "failed"
            pop.error = result.reason or "no detail"
        pop.timings["history"] = time.perf_counter()
        self.historyFilled.emit(pop)

    def _cached_detail(self, customer_id: str) -> tuple[CustomerDetail | None, str]:
        """What the cache holds of the customer's records, and whether older ones are missing:
        (detail, "") when it is the whole record, (window, "loading" | "offline") after a windowed
        sync, (None, "") when nothing is cached (a pop row from an online lookup)."""
        store = self._lookup.store
        if store.has_detail(customer_id):
            return store.customer_detail(customer_id), ""
        if store.pop_row_only(customer_id):
            return None, ""
        window = store.customer_detail(customer_id)
        if window is None:
            return None, ""
        return window, "loading" if self._online() else "offline"

    def _spawn(self, coro) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop runs (a synchronous caller): nothing would ever await it
            coro.close()
            log.debug("screen pop background work skipped: no running event loop")
            return
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
