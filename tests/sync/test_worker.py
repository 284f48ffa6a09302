"""The cache worker: one thread, off the Qt thread, its own store per cache file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop.cache.store import CacheStore
from desktop.services.worker import release_worker_store, run_in_worker, worker_store


async def test_work_runs_on_one_thread_that_is_not_the_callers() -> None:
    threads = {await run_in_worker(threading.get_ident) for _ in range(5)}
    assert len(threads) == 1
    assert threading.get_ident() not in threads


async def test_exceptions_come_back_to_the_caller() -> None:
    def boom() -> None:
        raise ValueError("bad page")

    with pytest.raises(ValueError, match="bad page"):
        await run_in_worker(boom)
    assert await run_in_worker(int, "7") == 7  # the worker survives


async def test_worker_store_is_its_own_connection_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with CacheStore(path) as ui_store:
        worker_side = await run_in_worker(worker_store, path)
        assert worker_side is not ui_store
        assert await run_in_worker(worker_store, path) is worker_side
        await run_in_worker(lambda: worker_store(path).apply_changes([], next_since=9))
        assert ui_store.last_seq() == 9  # WAL: the UI connection sees the worker's commit
    await release_worker_store(path)
    assert await run_in_worker(worker_store, path) is not worker_side
