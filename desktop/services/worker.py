"""One worker thread for blocking cache work, so the UI thread never waits on SQLite writes.

All cache writes go through the same single thread, which serialises them (SQLite allows one
writer at a time anyway). The worker keeps its own CacheStore (own connection) per cache file:
`worker_store(path)` called from inside a function run by `run_in_worker`.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from desktop.cache.store import CacheStore

T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_thread_state = threading.local()


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calldesk-cache-worker")
        return _executor


async def run_in_worker(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` on the cache worker thread and await its result (exceptions propagate)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_get_executor(), functools.partial(fn, *args))


def worker_store(path: Path | str) -> CacheStore:
    """The worker thread's own CacheStore for `path` (opened and migrated on first use).
    Call only from functions running on the worker."""
    stores: dict[Path, CacheStore] = _thread_state.__dict__.setdefault("stores", {})
    key = Path(path).resolve()
    store = stores.get(key)
    if store is None:
        store = stores[key] = CacheStore(key)
    return store


def _close_stores(path: Path | str | None) -> None:
    stores: dict[Path, CacheStore] = _thread_state.__dict__.setdefault("stores", {})
    keys = list(stores) if path is None else [Path(path).resolve()]
    for key in keys:
        store = stores.pop(key, None)
        if store is not None:
            store.close()


async def release_worker_store(path: Path | str | None = None) -> None:
    """Close the worker's store for `path` (all stores if None), e.g. before deleting the file."""
    await run_in_worker(_close_stores, path)


def shutdown_worker() -> None:
    """Close the worker's stores and stop its thread (at application exit)."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.submit(_close_stores, None).result()
        executor.shutdown(wait=True)
