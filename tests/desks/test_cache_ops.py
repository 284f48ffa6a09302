"""CacheOps: cache writes run on the cache worker thread, a SQLite failure is translated once, and
the UI thread never waits for the write lock (a worker holding it does not block a UI call)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from desktop.cache.store import CacheStore
from desktop.services.customers import CustomerService
from desktop.services.ops import CacheOps, CacheUnavailable
from desktop.services.sync import SyncError
from desktop.services.worker import run_in_worker


def _thread_of_write(store: CacheStore, note_id: str) -> str:
    store.write_local("note", {"id": note_id, "customer_id": "C1", "text": "x"})
    return threading.current_thread().name


async def test_a_write_runs_on_the_worker_thread_and_lands_in_the_file(tmp_path):
    path = tmp_path / "cache.sqlite3"
    ops = CacheOps(path)
    thread = await ops.run(_thread_of_write, "n1")
    assert thread.startswith("calldesk-cache-worker") and thread != threading.current_thread().name
    with CacheStore(path) as store:  # another connection sees it: committed
        assert store.local_record("note", "n1")["text"] == "x"
        assert store.outbox_count() == 1


def _broken(store: CacheStore) -> None:
    raise sqlite3.OperationalError("disk I/O error")


def _wrong(store: CacheStore) -> None:
    raise ValueError("not a cache problem")


async def test_a_sqlite_error_is_translated_once_and_others_pass_through(tmp_path, caplog):
    ops = CacheOps(tmp_path / "cache.sqlite3")
    with pytest.raises(CacheUnavailable) as failed:
        await ops.run(_broken)
    message = str(failed.value)
    assert "disk I/O error" in message and "Check free disk space" in message
    assert isinstance(failed.value.__cause__, sqlite3.OperationalError)
    assert SyncError is CacheUnavailable  # sync, push and the desks catch the same error
    assert sum("disk I/O error" in r.getMessage() for r in caplog.records) == 1
    with pytest.raises(ValueError, match="not a cache problem"):
        await ops.run(_wrong)


def _hold_write_lock(path, held: threading.Event, release: threading.Event) -> None:
    """A long write on the worker: BEGIN IMMEDIATE on its own connection, held until released."""
    conn = sqlite3.connect(path, timeout=5)
    try:
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(10)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


async def test_the_ui_thread_is_not_blocked_while_the_worker_holds_the_write_lock(tmp_path):
    path = tmp_path / "cache.sqlite3"
    CacheStore(path).close()  # created and migrated
    held, release = threading.Event(), threading.Event()
    holder = asyncio.ensure_future(run_in_worker(_hold_write_lock, path, held, release))
    while not held.is_set():
        await asyncio.sleep(0.01)
    service = CustomerService(CacheStore(path), CacheOps(path))
    started = time.perf_counter()
    create = asyncio.ensure_future(service.create("新客户", "13900001111"))
    await asyncio.sleep(0.2)  # the UI loop keeps turning while the write waits its turn
    assert time.perf_counter() - started < 1.0
    assert not create.done()  # queued behind the worker, not written on this thread
    release.set()
    await holder
    card = await asyncio.wait_for(create, 10)
    assert card.name == "新客户"
    service.store.close()
