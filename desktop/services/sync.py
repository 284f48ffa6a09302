"""PullSync: bring the local cache up to date from the central API (docs/sync-protocol.md).

A fresh (or cleared) cache first *bootstraps* in phases: the feed head H0 is captured, the pop
index (customers and the generic entities) is paged per entity from the feed, the detail records
of the configured window are paged from the record tables, and then `last_seq = H0`; from there
the ordinary change feed takes over. Only the HTTP fetch runs on the event loop; each page is
applied on the cache worker thread in one transaction together with its cursor, so a crash at any
point resumes from the last applied page without loss or duplication. The next page is fetched
while the current one is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from calldesk_domain.models import format_ts
from desktop.cache import outbox
from desktop.cache.store import ApplyReport, CacheStore
from desktop.services.api import ApiError, CentralApi, ChangePage, WindowPage
from desktop.services.notifications import FeedStep
from desktop.services.ops import CacheOps, CacheUnavailable
from desktop.services.pop_key_sync import adopt_pop_key

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 1000
BOOTSTRAP_PAGE_SIZE = 5000
DETAIL_ENTITIES = ("order", "points", "service", "marketing")

# Progress phases
PHASE_POP_INDEX = "pop_index"
PHASE_SEARCH_INDEX = "search_index"  # the pop index's search indexes, built once it is in
PHASE_DETAILS = "details"
PHASE_FEED = "feed"

# sync_state keys of the bootstrap (all in sync_state, so clearing it restarts the bootstrap)
_PHASE = "bootstrap_phase"  # pop | window | done
_HEAD = "bootstrap_head"  # H0
_WINDOW_FROM = "bootstrap_window_from"  # ISO time, "" = every detail record
_ENTITY = "bootstrap_entity"  # entity being paged
_CURSOR = "bootstrap_cursor"  # seq (pop) or record id (window) of the last applied page
_DONE = "bootstrap_done"  # comma list of entities finished in the current phase
_FETCHED = "bootstrap_fetched"  # records received in the current phase (progress)


# The one error for a cache that cannot be written (desktop/services/ops.py), by its older name.
SyncError = CacheUnavailable


@dataclass(frozen=True, slots=True)
class SyncProgress:
    applied: int  # changes applied in this run so far
    remaining: int  # changes the server still has after the last applied page
    rate_per_s: float
    eta_s: float | None  # None until a rate is known
    skipped: int = 0
    last_seq: int = 0
    phase: str = PHASE_FEED  # pop_index / details (bootstrap of a fresh cache) or feed


@dataclass(frozen=True, slots=True)
class SyncResult:
    applied: int
    skipped: int
    pages: int
    last_seq: int
    complete: bool  # reached the end of the feed
    cancelled: bool
    seconds: float


def _apply_page(store: CacheStore, changes: list, next_since: int, feed_complete: bool) -> ApplyReport:
    return store.apply_changes_report(changes, next_since, feed_complete=feed_complete)


class FeedEpochChanged(Exception):
    """The server's change feed is not the one this cache was filled from (a restore)."""


def _sync_state(store: CacheStore) -> tuple[int, dict[str, str]]:
    return store.last_seq(), store.bootstrap_state()


@dataclass(slots=True)
class _Bootstrap:
    """Where a bootstrap stands (mirrors its sync_state keys)."""

    phase: str
    head: int
    window_from: str
    entity: str
    cursor: str
    done: list[str] = field(default_factory=list)
    fetched: int = 0

    @classmethod
    def from_state(cls, state: dict[str, str]) -> _Bootstrap | None:
        phase = state.get(_PHASE)
        head = state.get(_HEAD, "")
        if phase not in ("pop", "window") or not head.isdigit():
            return None
        fetched = state.get(_FETCHED, "0")
        return cls(
            phase,
            int(head),
            state.get(_WINDOW_FROM, ""),
            state.get(_ENTITY, ""),
            state.get(_CURSOR, ""),
            [e for e in state.get(_DONE, "").split(",") if e],
            int(fetched) if fetched.isdigit() else 0,
        )

    def state(self) -> dict[str, str]:
        return {
            _PHASE: self.phase,
            _HEAD: str(self.head),
            _WINDOW_FROM: self.window_from,
            _ENTITY: self.entity,
            _CURSOR: self.cursor,
            _DONE: ",".join(self.done),
            _FETCHED: str(self.fetched),
        }


def pop_index_entities() -> list[str]:
    """The bootstrap's pop-index phase: customers, then every generic entity the cache keeps."""
    return ["customer", *sorted(outbox.LOCAL_ENTITIES)]


class PullSync:
    """Brings the cache file up to date: the bootstrap of a fresh cache, then the change feed.

    `detail_window_days`: the bootstrap brings detail records (orders, points, service,
    marketing) dated within that many days of the server's clock; None brings every record
    (then every cached customer's detail counts as complete). Records outside the window are
    fetched on demand (`LookupService.detail`) and then cached and kept current by the feed.
    """

    def __init__(
        self,
        api: CentralApi,
        cache_path: Path | str,
        page_size: int = DEFAULT_PAGE_SIZE,
        *,
        detail_window_days: int | None = None,
        bootstrap_page_size: int = BOOTSTRAP_PAGE_SIZE,
        ops: CacheOps | None = None,
    ) -> None:
        self._api = api
        self._path = Path(cache_path)
        self._ops = ops if ops is not None else CacheOps(self._path)
        self._page_size = max(1, min(5000, page_size))
        self._bootstrap_page_size = max(1, min(10000, bootstrap_page_size))
        if detail_window_days is not None and detail_window_days < 0:
            raise ValueError(f"detail_window_days must be >= 0 or None, got {detail_window_days}")
        self._window_days = detail_window_days

    async def run(
        self,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: asyncio.Event | None = None,
    ) -> SyncResult:
        """Bootstrap a fresh cache (or resume its bootstrap), then apply feed pages until the feed
        is exhausted or `cancel` is set (checked between pages).

        Raises ApiError when the server cannot be reached or answers badly, SyncError when the
        cache cannot be written; everything applied before the failure stays applied."""
        try:
            await adopt_pop_key(self._api, self._ops)
            return await self._run(progress, cancel)
        except FeedEpochChanged as exc:
            # The cache may hold changes the restored server no longer has, and the restored
            # feed's numbers may run past ours again with other records behind them: start over
            # (the outbox is kept and pushed as usual).
            log.warning("sync: %s; rebuilding the cache from the server", exc)
            await self._ops.run(CacheStore.clear_replica)
            return await self._run(progress, cancel)

    async def _run(
        self,
        progress: Callable[[SyncProgress], None] | None,
        cancel: asyncio.Event | None,
    ) -> SyncResult:
        started = time.monotonic()
        last_seq, state = await self._ops.run(_sync_state)
        if cancel is not None and cancel.is_set():
            return SyncResult(0, 0, 0, last_seq, False, True, 0.0)
        boot = _Bootstrap.from_state(state)
        if boot is None and last_seq == 0 and state.get(_PHASE) != "done":
            boot = await self._begin_bootstrap()  # None: a server without the bootstrap
        counted = _Counts()
        if boot is not None:
            finished = await self._bootstrap(boot, counted, progress, cancel, started)
            if not finished:
                return counted.result(last_seq, False, True, started)
        # A bootstrap cut short before its build, then a server without the bootstrap (or a
        # cache rebuilt meanwhile): the indexes are still built before the feed runs.
        await self._build_search_index(counted, progress)
        # Only a full copy of every detail record makes the feed's end mean "every record".
        all_details = (await self._ops.run(_sync_state))[1].get(_WINDOW_FROM, "") == ""
        return await self._run_feed(counted, progress, cancel, started, all_details)

    async def run_incremental(self) -> SyncResult:
        """A later poll: the same paging from the stored seq, usually one small page."""
        return await self.run()

    async def apply_step(self, step: FeedStep) -> int | None:
        """A page the notification stream carried: applied when the cache stands at its `since`
        under the same feed epoch; returns the new stored seq, or None when it was not for this
        cache (the caller pulls instead). Raises SyncError when the cache cannot be written."""
        if step.epoch is None:
            return None
        stored = await self._ops.run(CacheStore.feed_epoch)
        if stored != step.epoch:  # a restore (or a cache from before epochs): the pull decides
            return None
        report = await self._ops.run(CacheStore.apply_feed_step, step.since, step.changes, step.next_since)
        return None if report is None else report.last_seq

    # ---- bootstrap ------------------------------------------------------------------------

    async def _begin_bootstrap(self) -> _Bootstrap | None:
        try:
            head = await self._api.bootstrap_head(pop_index_entities())
        except ApiError as exc:
            if exc.status != 404:
                raise
            log.warning("sync: the server has no bootstrap endpoints; paging the whole feed instead")
            return None
        window_from = ""
        if self._window_days is not None:
            window_from = format_ts(head.server_time - timedelta(days=self._window_days)) or ""
        boot = _Bootstrap("pop", head.seq, window_from, "customer", "0")
        await self._ops.run(CacheStore.begin_bootstrap, boot.state())
        log.info("sync: bootstrap from feed head %d, detail window from %r", head.seq, window_from or "all")
        return boot

    async def _bootstrap(
        self,
        boot: _Bootstrap,
        counted: _Counts,
        progress: Callable[[SyncProgress], None] | None,
        cancel: asyncio.Event | None,
        started: float,
    ) -> bool:
        """Run the bootstrap's remaining pages; True when it finished, False when cancelled."""
        if boot.phase != "pop":  # resumed past the pop index: its search indexes come first
            await self._build_search_index(counted, progress)
        totals = _Totals(self._api, boot) if progress is not None else None
        if totals is not None:
            await totals.start()
        bootstrap_started = time.monotonic()
        last_report: SyncProgress | None = None
        fetch: asyncio.Future | None = asyncio.ensure_future(self._fetch_bootstrap(boot))
        await self._ops.run(CacheStore.bulk_load, True)
        try:
            while fetch is not None:
                page = await fetch
                fetch = None
                following = self._advance(boot, page)
                stop_requested = cancel is not None and cancel.is_set()
                if following.phase != "done" and not stop_requested:
                    fetch = asyncio.ensure_future(self._fetch_bootstrap(following))
                state = following.state()
                if following.phase == "done":
                    state = {**state, "last_seq": str(boot.head)}
                    if boot.window_from == "":
                        state["feed_complete"] = "1"
                report = await self._ops.run(CacheStore.apply_bootstrap_page, page.changes, state)
                counted.add(report)
                if progress is not None and totals is not None:
                    if following.phase == "window":
                        await totals.details_known()
                    left = totals.remaining(following)
                    elapsed = max(time.monotonic() - bootstrap_started, 1e-6)
                    rate = counted.applied / elapsed
                    phase = PHASE_POP_INDEX if boot.phase == "pop" else PHASE_DETAILS
                    last_report = SyncProgress(
                        counted.applied,
                        left,
                        rate,
                        left / rate if rate > 0 else None,
                        counted.skipped,
                        counted.last_seq,
                        phase,
                    )
                    self._report(progress, last_report)
                if boot.phase == "pop" and following.phase != "pop":
                    await self._build_search_index(counted, progress, last_report)
                boot = following
                if boot.phase == "done":
                    log.info("sync: bootstrap done, feed continues from seq %d", boot.head)
                    return True
                if cancel is not None and cancel.is_set():
                    return False
        finally:
            with contextlib.suppress(SyncError):  # the page's own error is the one to raise
                await self._ops.run(CacheStore.bulk_load, False)
            if totals is not None:
                totals.close()
            if fetch is not None and not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
        return True

    async def _build_search_index(
        self,
        counted: _Counts,
        progress: Callable[[SyncProgress], None] | None,
        last_report: SyncProgress | None = None,
    ) -> None:
        """Build the search indexes a bootstrap deferred (desktop/cache/search_index.py), if any;
        one transaction on the worker thread, reported as its own phase (with the counts and
        ETA of `last_report`, the pop index's last page, when there is one)."""
        if await self._ops.run(CacheStore.search_index_ready):
            return
        if last_report is None:
            last_report = SyncProgress(counted.applied, 0, 0.0, None, counted.skipped, counted.last_seq)
        report = dataclasses.replace(last_report, phase=PHASE_SEARCH_INDEX)
        if progress is not None:
            self._report(progress, report)
        await self._ops.run(CacheStore.build_search_index)
        if progress is not None:  # its end, too: the indexes are there
            self._report(progress, report)

    def _fetch_bootstrap(self, boot: _Bootstrap) -> Awaitable[ChangePage | WindowPage]:
        if boot.phase == "pop":
            return self._api.bootstrap_changes(boot.entity, int(boot.cursor or 0), self._bootstrap_page_size)
        return self._api.bootstrap_window(
            boot.entity, boot.window_from, boot.cursor, self._bootstrap_page_size
        )

    def _advance(self, boot: _Bootstrap, page: ChangePage | WindowPage) -> _Bootstrap:
        """Where the bootstrap stands once `page` is applied."""
        fetched = boot.fetched + len(page.changes)
        if isinstance(page, ChangePage):
            if page.has_more and page.next_since <= int(boot.cursor or 0):
                raise ApiError(
                    None,
                    "bad_response",
                    "The central server's change feed made no progress; sync stopped. Try again later.",
                )
            cursor = str(page.next_since)
            order = pop_index_entities()
        else:
            cursor = page.next_after
            order = list(DETAIL_ENTITIES)
        if page.has_more:
            return _Bootstrap(
                boot.phase, boot.head, boot.window_from, boot.entity, cursor, boot.done, fetched
            )
        done = [*boot.done, boot.entity]
        rest = [e for e in order if e not in done]
        if rest:
            first = "0" if boot.phase == "pop" else ""
            return _Bootstrap(boot.phase, boot.head, boot.window_from, rest[0], first, done, fetched)
        if boot.phase == "pop":
            return _Bootstrap("window", boot.head, boot.window_from, DETAIL_ENTITIES[0], "", [], 0)
        return _Bootstrap("done", boot.head, boot.window_from, "", "", [], 0)

    # ---- the change feed ------------------------------------------------------------------

    async def _run_feed(
        self,
        counted: _Counts,
        progress: Callable[[SyncProgress], None] | None,
        cancel: asyncio.Event | None,
        started: float,
        all_details: bool,
    ) -> SyncResult:
        since = await self._ops.run(CacheStore.last_seq)
        last_seq = since
        applied_before = counted.applied
        feed_started = time.monotonic()
        fetch: asyncio.Future[ChangePage] | None = asyncio.ensure_future(self._fetch(since))
        complete = cancelled = epoch_checked = False
        try:
            while fetch is not None:
                page = await fetch
                fetch = None
                if page.epoch is not None and not epoch_checked:
                    epoch_checked = True
                    stored = await self._ops.run(CacheStore.adopt_feed_epoch, page.epoch)
                    if stored is not None and stored != page.epoch:
                        raise FeedEpochChanged(f"the feed epoch changed from {stored} to {page.epoch}")
                if page.has_more and page.next_since <= last_seq and not page.changes:
                    raise ApiError(
                        None,
                        "bad_response",
                        "The central server's change feed made no progress; sync stopped. Try again later.",
                    )
                stop_requested = cancel is not None and cancel.is_set()
                if page.has_more and not stop_requested:
                    fetch = asyncio.ensure_future(self._fetch(page.next_since))
                report = await self._ops.run(
                    _apply_page, page.changes, page.next_since, all_details and not page.has_more
                )
                counted.add(report)
                last_seq = max(report.last_seq, page.next_since)
                counted.last_seq = last_seq
                if progress is not None:
                    self._report(
                        progress,
                        self._progress(
                            counted.applied - applied_before,
                            counted.skipped,
                            page.remaining,
                            last_seq,
                            feed_started,
                            counted.applied,
                        ),
                    )
                if not page.has_more:
                    complete = True
                elif cancel is not None and cancel.is_set():
                    cancelled = True
                    break
        finally:
            if fetch is not None and not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
        return counted.result(last_seq, complete, cancelled, started)

    @staticmethod
    def _report(progress: Callable[[SyncProgress], None], value: SyncProgress) -> None:
        """A failing progress display must not abort the sync."""
        try:
            progress(value)
        except Exception:
            log.exception("sync: progress callback failed")

    async def _fetch(self, since: int) -> ChangePage:
        return await self._api.changes(since, self._page_size)

    @staticmethod
    def _progress(
        applied: int, skipped: int, remaining: int, last_seq: int, started: float, applied_total: int
    ) -> SyncProgress:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = applied / elapsed
        eta = remaining / rate if rate > 0 else None
        return SyncProgress(applied_total, remaining, rate, eta, skipped, last_seq)


class _Totals:
    """Progress totals of a bootstrap: the pop index's (`/head` counts) and the detail window's
    (`/window/counts`, asked in the background while the pop index pages). Missing totals
    (the server could not say) count as what has been fetched, never as an error."""

    def __init__(self, api: CentralApi, boot: _Bootstrap) -> None:
        self._api = api
        self._boot = boot
        self._pop: int | None = None
        self._details: asyncio.Future[int | None] | None = None

    async def start(self) -> None:
        self._details = asyncio.ensure_future(self._count_details())
        if self._boot.phase == "pop":
            try:
                head = await self._api.bootstrap_head(pop_index_entities())
                self._pop = sum(head.counts.values())
            except ApiError as exc:
                log.warning("sync: pop index total unavailable: %s", exc.message)

    async def _count_details(self) -> int | None:
        try:
            counts = await self._api.bootstrap_window_counts(self._boot.window_from)
        except ApiError as exc:
            log.warning("sync: detail window total unavailable: %s", exc.message)
            return None
        return sum(counts.get(e, 0) for e in DETAIL_ENTITIES)

    async def details_known(self) -> None:
        if self._details is not None and not self._details.done():
            with contextlib.suppress(Exception):
                await self._details

    def _details_total(self) -> int | None:
        if self._details is None or not self._details.done() or self._details.cancelled():
            return None
        if self._details.exception() is not None:
            return None
        return self._details.result()

    def remaining(self, at: _Bootstrap) -> int:
        """Records still to come after the page that brought the bootstrap to `at`."""
        details = self._details_total()
        if at.phase == "pop":
            return max(0, (self._pop or at.fetched) - at.fetched) + (details or 0)
        if at.phase == "window":
            return max(0, (details or at.fetched) - at.fetched)
        return 0

    def close(self) -> None:
        if self._details is not None and not self._details.done():
            self._details.cancel()


@dataclass(slots=True)
class _Counts:
    """What one run() did, across bootstrap and feed."""

    applied: int = 0
    skipped: int = 0
    pages: int = 0
    last_seq: int = 0

    def add(self, report: ApplyReport) -> None:
        self.applied += report.applied
        self.skipped += report.skipped
        self.pages += 1
        self.last_seq = max(self.last_seq, report.last_seq)

    def result(self, last_seq: int, complete: bool, cancelled: bool, started: float) -> SyncResult:
        seconds = time.monotonic() - started
        last_seq = max(last_seq, self.last_seq)
        log.info(
            "sync: %d applied, %d skipped in %d pages, seq %d, %.2fs%s",
            self.applied,
            self.skipped,
            self.pages,
            last_seq,
            seconds,
            " (cancelled)" if cancelled else "",
        )
        return SyncResult(self.applied, self.skipped, self.pages, last_seq, complete, cancelled, seconds)
