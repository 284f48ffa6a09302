"""CacheOps: the one way cache work leaves the UI thread.

Every cache write (tickets, contacts, conflicts, customers, sync, push) and every read that can
take longer than a frame runs as `await ops.run(fn, *args)`: `fn(store, *args)` on the cache
worker thread (desktop/services/worker.py) with the worker's own CacheStore, so SQLite's write
lock is only ever taken there and the UI thread never waits for it. A SQLite failure is turned
into one error, `CacheUnavailable`, with one message that says what to do; everything else
propagates as it is (a validation error is the caller's to show).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from desktop.cache import cipher
from desktop.cache.damage import is_damage, mark_damaged
from desktop.services.worker import run_in_worker, worker_store

log = logging.getLogger(__name__)

T = TypeVar("T")


class CacheUnavailable(Exception):
    """The local cache could not be read or written; the message says what to do."""


class CacheDamaged(CacheUnavailable):
    """SQLite says the cache file is broken; the next start checks it and offers a rebuild."""


def _on_worker(path: Path, fn: Callable[..., T], args: tuple[object, ...]) -> T:
    return fn(worker_store(path), *args)


class CacheOps:
    """Runs `fn(store, *args)` (`CacheStore.method`, or any function of a store) on the cache
    worker thread, with the worker's CacheStore for one cache file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(store, *args)` on the worker; raises CacheUnavailable when SQLite fails."""
        try:
            return await run_in_worker(_on_worker, self.path, fn, args)
        except cipher.errors() as exc:
            name = getattr(fn, "__name__", "cache work")
            log.error("cache %s: %s failed: %s", self.path, name, exc)
            if is_damage(exc):
                mark_damaged(self.path, str(exc))
                raise CacheDamaged(
                    f"The local cache {self.path} is damaged ({exc}). Restart CallDesk: it offers "
                    "to rebuild the cache and keeps your unsent changes."
                ) from exc
            raise CacheUnavailable(
                f"The local cache {self.path} could not be written ({exc}). "
                "Check free disk space and that no other program locks the file."
            ) from exc
