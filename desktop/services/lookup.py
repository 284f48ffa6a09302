"""Caller and customer lookup: cache first (synchronous, fast), the central API as a fallback.

`match_caller` runs on the UI thread during a screen pop and only reads indexed cache rows.
`detail` and `match_caller_online` may go to the network; whatever they fetch is written to the
cache on the worker thread so the next pop finds it locally.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from calldesk_domain.models import Customer, CustomerDetail
from calldesk_domain.phone import DEFAULT_REGION, is_withheld, normalize
from calldesk_domain.popcard import PopCard
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.ops import CacheOps
from desktop.services.pop_key_sync import adopt_pop_key

log = logging.getLogger(__name__)

MatchKind = Literal["single", "multiple", "unknown", "withheld"]


@dataclass(frozen=True, slots=True)
class CallerMatch:
    kind: MatchKind
    e164: str | None
    cards: list[PopCard] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DetailResult:
    detail: CustomerDetail | None
    source: Literal["cache", "api"]
    stale: bool
    reason: str = ""  # why the detail is stale or missing, for the agent
    offline: bool = False  # the central server could not be reached (or there is none)


def _match(e164: str, cards: list[PopCard]) -> CallerMatch:
    kind: MatchKind = "single" if len(cards) == 1 else "multiple" if cards else "unknown"
    return CallerMatch(kind, e164, cards)


class LookupService:
    def __init__(
        self,
        store: CacheStore,
        api: CentralApi | None = None,
        ops: CacheOps | None = None,
        *,
        region: str = DEFAULT_REGION,
    ) -> None:
        """`store` is the UI thread's (reads only); writes go through `ops` (the worker thread);
        `region`: where a caller id without a country code is from (Settings.phone_region)."""
        self.store = store
        self.region = region
        self.api = api
        self.ops = ops if ops is not None else CacheOps(store.path)

    def match_caller(self, raw_caller: str | None) -> CallerMatch:
        """Who is calling, from the cache only. Never raises on odd caller ids."""
        if is_withheld(raw_caller):
            return CallerMatch("withheld", None, [])
        e164 = normalize(raw_caller, self.region)
        if e164 is None:
            log.info("lookup: unusable caller id %r", raw_caller)
            return CallerMatch("unknown", None, [])
        return _match(e164, self.store.lookup_phone(e164))

    async def match_caller_online(self, raw_caller: str | None) -> CallerMatch:
        """`match_caller`, then the central API if the cache does not know the number (a customer
        created since the last sync). Online finds are cached. If the API fails: the cache answer."""
        local = self.match_caller(raw_caller)
        if local.kind != "unknown" or local.e164 is None or self.api is None:
            return local
        try:
            customers = await self.api.lookup(local.e164)
        except ApiError as exc:
            log.warning("lookup: online lookup of %s failed: %s", local.e164, exc.message)
            return local
        if not customers:
            return local
        try:
            await self._ensure_pop_key(customers)
            await self.ops.run(CacheStore.store_customers, customers)
        except Exception:  # caching is an optimisation; the agent still gets the card
            log.exception("lookup: could not cache customers found online")
        return _match(local.e164, [PopCard.from_customer(c) for c in customers])

    async def detail(self, customer_id: str) -> DetailResult:
        """The customer's full card: the cache if it holds the detail, else the API (and cache it).
        If the API is unreachable: whatever the cache has, marked stale, or None with a reason."""
        if self.store.has_detail(customer_id):
            return DetailResult(self.store.customer_detail(customer_id), "cache", False)
        if self.api is None:
            return self._cached_fallback(customer_id, "offline: not connected to the central server", True)
        try:
            detail = await self.api.customer_detail(customer_id)
        except ApiError as exc:
            log.warning("lookup: detail for %s not fetched: %s", customer_id, exc.message)
            return self._cached_fallback(customer_id, exc.message, exc.unreachable)
        if detail is None:
            return DetailResult(None, "api", False, f"customer {customer_id} does not exist on the server")
        try:
            await self._ensure_pop_key([detail.customer])
            await self.ops.run(CacheStore.store_detail, detail)
        except Exception:
            log.exception("lookup: could not cache detail of %s", customer_id)
        return DetailResult(detail, "api", False)

    async def _ensure_pop_key(self, customers: list[Customer]) -> None:
        """Masked numbers are cached under their keyed hash: before the first pull has brought
        the key, fetch it, or these customers could not pop offline."""
        keyed = any(phone.key for customer in customers for phone in customer.phones)
        if keyed and self.api is not None and self.store.pop_key() is None:
            await adopt_pop_key(self.api, self.ops)

    def _cached_fallback(self, customer_id: str, reason: str, offline: bool = False) -> DetailResult:
        if self.store.pop_row_only(customer_id):  # an empty card would look complete: say it is missing
            return DetailResult(None, "cache", True, reason, offline)
        cached = self.store.customer_detail(customer_id)
        return DetailResult(cached, "cache", True, reason, offline)
