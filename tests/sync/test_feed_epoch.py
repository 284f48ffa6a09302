"""A server restored from a backup has a new feed epoch: a desktop whose cache came from the
server before the restore rebuilds instead of keeping records the restored server lacks."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from central.backup import backup, restore
from central.db import make_engine
from central.seed import seed_database
from central.server import start_in_thread
from central.writes import write_records
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.sync import PullSync


def _token(url: str) -> str:
    reply = httpx.post(f"{url}/api/v1/auth/token", json={"username": "1001", "password": "demo"})
    return reply.json()["access_token"]


async def _pull(url: str, cache: Path) -> None:
    async with CentralApi(url, token=_token(url)) as api:
        result = await PullSync(api, cache).run()
    assert result.complete


def _add_customer(db_url: str, customer_id: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            write_records(conn, "customer", [{"id": customer_id, "name": "恢复前的客户", "phones": []}])
    finally:
        engine.dispose()


async def test_a_cache_ahead_of_a_restored_server_is_rebuilt_and_keeps_its_unsent_writes(
    tmp_path: Path,
) -> None:
    live = f"sqlite:///{tmp_path / 'live.db'}"
    seed_database(live, 30, 4)
    server = start_in_thread(live)
    cache = tmp_path / "cache.sqlite3"
    try:
        await _pull(server.url, cache)
        backup(live, tmp_path / "backup.sqlite3")  # the nightly backup
        _add_customer(live, "C9000001")  # a write after it, which the desktop pulls
        await _pull(server.url, cache)
    finally:
        server.stop()
    with CacheStore(cache) as store:
        assert store.pop_card("C9000001") is not None
        store.write_local("note", {"id": str(uuid.uuid4()), "customer_id": "C0000001", "text": "未发送"})
        epoch_before = store.adopt_feed_epoch("ignored")
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(restored, tmp_path / "backup.sqlite3")  # the live database was lost
    server = start_in_thread(restored)
    try:
        await _pull(server.url, cache)
    finally:
        server.stop()
    with CacheStore(cache) as store:
        assert store.pop_card("C9000001") is None  # gone with the restore: not kept as a ghost
        assert store.pop_card("C0000001") is not None
        assert store.outbox_count() == 1  # the agent's unsent write survives the rebuild
        assert store.adopt_feed_epoch("ignored") not in (None, epoch_before)


async def test_the_same_epoch_or_no_epoch_keeps_the_cache(tmp_path: Path) -> None:
    live = f"sqlite:///{tmp_path / 'live.db'}"
    seed_database(live, 10, 4)
    server = start_in_thread(live)
    cache = tmp_path / "cache.sqlite3"
    try:
        await _pull(server.url, cache)
        with CacheStore(cache) as store:
            epoch = store.adopt_feed_epoch("ignored")
            seq = store.last_seq()
        _add_customer(live, "C9000002")
        await _pull(server.url, cache)
    finally:
        server.stop()
    with CacheStore(cache) as store:
        assert store.adopt_feed_epoch("other") == epoch  # never overwritten
        assert store.last_seq() > seq and store.pop_card("C9000002") is not None
