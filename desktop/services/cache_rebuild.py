"""Rebuild cache: empty the local replica and download it again (docs/sync-protocol.md "Rebuild").

1. The central API must answer first: offline, the cache is left as it is (the pop index would
   stay empty until the network is back).
2. On the cache worker thread, in ONE transaction, every replicated row and all sync state go;
   the outbox, the conflict list and every record with a pending write stay
   (desktop/cache/rebuild.py). A crash after this point leaves a cache without sync state,
   which the next start (or the next background pull) syncs from the beginning.
3. VACUUM gives the space back, then PullSync runs the initial sync with progress.

The caller pauses background sync while this runs (the runtime stops ConnectivityService), so
no half-applied pull can write an old position back into the emptied cache.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.ops import CacheOps, CacheUnavailable
from desktop.services.sync import DEFAULT_PAGE_SIZE, PullSync, SyncError, SyncProgress, SyncResult

log = logging.getLogger(__name__)


class RebuildRefused(Exception):
    """The cache was not touched: `reason` is "offline" (server unreachable) or "cache"
    (the file could not be written); `detail` is the underlying message."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class RebuildResult:
    cleared: dict[str, int]  # rows deleted per table
    kept_pending: int  # outbox rows kept (still to push)
    sync: SyncResult | None  # None when the download failed (see sync_error)
    sync_error: str | None = None

    @property
    def complete(self) -> bool:
        return self.sync is not None and self.sync.complete


def _clear(store: CacheStore) -> tuple[dict[str, int], int]:
    cleared = store.clear_replica()
    return cleared, store.outbox_count()


class CacheRebuild:
    def __init__(
        self,
        api: CentralApi,
        cache_path: Path | str,
        page_size: int = DEFAULT_PAGE_SIZE,
        pull: PullSync | None = None,
        ops: CacheOps | None = None,
    ) -> None:
        """`pull` downloads the cache again (the desktop's own, with its detail window); by
        default a PullSync of every record."""
        self._api = api
        self._path = Path(cache_path)
        self._ops = ops if ops is not None else CacheOps(self._path)
        self._pull = pull or PullSync(api, self._path, page_size)

    async def check_reachable(self) -> None:
        """Raise RebuildRefused("offline") unless the change feed answers right now."""
        try:
            await self._api.changes(0, 1)
        except ApiError as exc:
            log.warning("rebuild: refused, the central API does not answer: %s", exc.message)
            raise RebuildRefused("offline", exc.message) from exc

    async def run(
        self,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: asyncio.Event | None = None,
    ) -> RebuildResult:
        await self.check_reachable()
        try:
            cleared, pending = await self._ops.run(_clear)
        except CacheUnavailable as exc:
            log.error("rebuild: cache %s could not be cleared: %s", self._path, exc.__cause__)
            raise RebuildRefused("cache", str(exc.__cause__ or exc)) from exc
        log.info("rebuild: cleared %s; %d pending writes kept", cleared, pending)
        try:
            await self._ops.run(CacheStore.compact)
        except CacheUnavailable as exc:  # space not given back yet; the rebuild itself is fine
            log.warning("rebuild: VACUUM of %s failed: %s", self._path, exc)
        try:
            result = await self._pull.run(progress, cancel)
        except (ApiError, SyncError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            log.warning("rebuild: the download stopped: %s", message)
            return RebuildResult(cleared, pending, None, message)
        return RebuildResult(cleared, pending, result)
