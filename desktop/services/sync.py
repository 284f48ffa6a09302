"""PullSync: bring the local cache up to date from the central change feed (docs/sync-protocol.md).

Only the HTTP fetch runs on the event loop; each page is applied on the cache worker thread in one
transaction together with its `next_since`, so a crash at any point resumes from the last applied
page without loss or duplication. The next page is fetched while the current one is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.cache.store import ApplyReport
from desktop.services.api import ApiError, CentralApi, ChangePage
from desktop.services.worker import run_in_worker, worker_store

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 1000


class SyncError(Exception):
    """The local cache could not be written; the message says what to do."""


@dataclass(frozen=True, slots=True)
class SyncProgress:
    applied: int  # changes applied in this run so far
    remaining: int  # changes the server still has after the last applied page
    rate_per_s: float
    eta_s: float | None  # None until a rate is known
    skipped: int = 0
    last_seq: int = 0


@dataclass(frozen=True, slots=True)
class SyncResult:
    applied: int
    skipped: int
    pages: int
    last_seq: int
    complete: bool  # reached the end of the feed
    cancelled: bool
    seconds: float


def _last_seq(path: Path) -> int:
    return worker_store(path).last_seq()


def _apply_page(path: Path, changes: list, next_since: int, feed_complete: bool) -> ApplyReport:
    return worker_store(path).apply_changes_report(changes, next_since, feed_complete=feed_complete)


@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """Hide the objects alive before the sync (imports, pinyin and phone tables, Qt) from the
    garbage collector while it runs. A sync allocates fast enough to trigger full collections,
    and each walked ~300k long-lived objects, stalling every thread (the UI too) for ~90 ms;
    frozen, a collection walks only what the sync itself made. Unfrozen afterwards."""
    # A running desktop froze its start-up heap already (QtThreadCollector.settle): leave it frozen.
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    switch_interval = sys.getswitchinterval()
    # The worker and the JSON decoding hold the GIL in long stretches; a shorter switch interval
    # hands it back to the event loop sooner (1 ms instead of 5 ms per hand-over).
    sys.setswitchinterval(min(switch_interval, 0.001))
    try:
        yield
    finally:
        sys.setswitchinterval(switch_interval)
        if not frozen_before:
            gc.unfreeze()


class PullSync:
    """Pages through `/sync/changes` from the cache's last applied seq into the cache file."""

    def __init__(self, api: CentralApi, cache_path: Path | str, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        self._api = api
        self._path = Path(cache_path)
        self._page_size = max(1, min(5000, page_size))

    async def run(
        self,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: asyncio.Event | None = None,
    ) -> SyncResult:
        """Apply pages until the feed is exhausted or `cancel` is set (checked between pages).

        Raises ApiError when the server cannot be reached or answers badly, SyncError when the
        cache cannot be written; everything applied before the failure stays applied."""
        with _heap_frozen():
            return await self._run(progress, cancel)

    async def _run(
        self,
        progress: Callable[[SyncProgress], None] | None,
        cancel: asyncio.Event | None,
    ) -> SyncResult:
        started = time.monotonic()
        applied = skipped = pages = 0
        since = await self._in_worker(_last_seq, self._path)
        last_seq = since
        if cancel is not None and cancel.is_set():
            return SyncResult(0, 0, 0, since, False, True, 0.0)
        fetch: asyncio.Future[ChangePage] | None = asyncio.ensure_future(self._fetch(since))
        complete = cancelled = False
        try:
            while fetch is not None:
                page = await fetch
                fetch = None
                if page.has_more and page.next_since <= last_seq and not page.changes:
                    raise ApiError(
                        None,
                        "bad_response",
                        "The central server's change feed made no progress; sync stopped. Try again later.",
                    )
                stop_requested = cancel is not None and cancel.is_set()
                if page.has_more and not stop_requested:
                    fetch = asyncio.ensure_future(self._fetch(page.next_since))
                report = await self._in_worker(
                    _apply_page, self._path, page.changes, page.next_since, not page.has_more
                )
                pages += 1
                applied += report.applied
                skipped += report.skipped
                last_seq = max(report.last_seq, page.next_since)
                if progress is not None:
                    self._report(
                        progress, self._progress(applied, skipped, page.remaining, last_seq, started)
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
        seconds = time.monotonic() - started
        log.info(
            "sync: %d applied, %d skipped in %d pages, seq %d, %.2fs%s",
            applied,
            skipped,
            pages,
            last_seq,
            seconds,
            " (cancelled)" if cancelled else "",
        )
        return SyncResult(applied, skipped, pages, last_seq, complete, cancelled, seconds)

    async def run_incremental(self) -> SyncResult:
        """A later poll: the same paging from the stored seq, usually one small page."""
        return await self.run()

    @staticmethod
    def _report(progress: Callable[[SyncProgress], None], value: SyncProgress) -> None:
        """A failing progress display must not abort the sync."""
        try:
            progress(value)
        except Exception:
            log.exception("sync: progress callback failed")

    async def _fetch(self, since: int) -> ChangePage:
        return await self._api.changes(since, self._page_size)

    async def _in_worker(self, fn, *args):
        try:
            return await run_in_worker(fn, *args)
        except sqlite3.Error as exc:
            log.error("sync: cache %s not writable: %s", self._path, exc)
            raise SyncError(
                f"The local cache {self._path} could not be written ({exc}). "
                "Check free disk space and that no other program locks the file."
            ) from exc

    @staticmethod
    def _progress(applied: int, skipped: int, remaining: int, last_seq: int, started: float) -> SyncProgress:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = applied / elapsed
        eta = remaining / rate if rate > 0 else None
        return SyncProgress(applied, remaining, rate, eta, skipped, last_seq)
