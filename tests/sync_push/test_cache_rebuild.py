"""Rebuild cache against the real central API on loopback and real cache files: the replica is
emptied and downloaded again, pending writes survive and reach the server exactly once, a
failure before or inside the clearing changes nothing, a crash after it resyncs from scratch."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.cache.outbox import new_id
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.cache_rebuild import CacheRebuild, RebuildRefused
from desktop.services.customers import customer_record, validate_new_customer
from desktop.services.push import PushSync
from desktop.services.sync import PullSync

REPLICA_TABLES = ("customers", "phones", "orders", "points_entries", "service_records", "marketing_touches")


def _rows(path: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _count(path: Path, table: str) -> int:
    return _rows(path, f"SELECT count(*) FROM {table}")[0][0]


def _server_versions(central, entity: str, record_id: str) -> list[int]:
    rows = central._rows(
        "SELECT version FROM change_log WHERE entity = :e AND entity_id = :i", e=entity, i=record_id
    )
    return [r[0] for r in rows]


async def _synced(central, path: Path) -> CentralApi:
    api = CentralApi(central.url, token=central.token, max_retries=0, timeout=5)
    result = await PullSync(api, path).run()
    assert result.complete
    return api


def _pending_writes(store: CacheStore, customer_id: str) -> tuple[str, str, str]:
    """A new customer, a note and an edit of a synced customer, all unsent."""
    new = customer_record(validate_new_customer("重建 测试", "13912345678"))
    store.write_local("customer", new)
    note_id = new_id()
    store.write_local("note", {"id": note_id, "customer_id": customer_id, "text": "重建前写的"})
    edited = store.customer_detail(customer_id).customer.to_dict()
    edited["city"] = "重建市"
    store.write_local("customer", edited)
    return new["id"], note_id, customer_id


async def test_rebuild_downloads_everything_again_and_keeps_unsent_writes(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    api = await _synced(central, path)
    before = {t: _count(path, t) for t in REPLICA_TABLES}
    store = CacheStore(path)
    customer_id = central.sample_customer()["id"]
    new_id_, note_id, edited_id = _pending_writes(store, customer_id)
    assert store.outbox_count() == 3
    # a stale row the server no longer has: the rebuild must drop it
    stale = sqlite3.connect(path)
    stale.execute(
        "INSERT INTO orders (id, customer_id, order_no, placed_at, status, amount_fen, version, payload)"
        " VALUES ('stale-order', ?, 'X-1', '2020-01-01T00:00:00+00:00', 'paid', 1, 1, '{}')",
        (customer_id,),
    )
    stale.commit()
    stale.close()

    seen: list[int] = []
    result = await CacheRebuild(api, path, page_size=200).run(progress=lambda p: seen.append(p.applied))

    assert result.complete and result.kept_pending == 3
    assert result.cleared["customers"] == before["customers"] - 1  # the edited one was kept
    assert seen and seen[-1] == result.sync.applied
    after = {t: _count(path, t) for t in REPLICA_TABLES}
    assert after["customers"] == before["customers"] + 1  # plus the unsent new customer
    assert after["orders"] == before["orders"]
    assert _rows(path, "SELECT count(*) FROM orders WHERE id = 'stale-order'") == [(0,)]
    assert store.outbox_count() == 3
    assert store.pop_card(new_id_) is not None  # still pops while unsent
    assert store.customer_detail(edited_id).customer.city == "重建市"  # the pull did not overwrite it
    assert store.local_record("note", note_id)["text"] == "重建前写的"

    pushed = await PushSync(api, path).run()
    await PushSync(api, path).run()  # a second push has nothing left to send
    assert store.outbox_count() == 0, pushed
    assert _server_versions(central, "customer", new_id_) == [1]
    assert _server_versions(central, "note", note_id) == [1]
    assert len(_server_versions(central, "customer", edited_id)) == 1
    with central.client() as client:
        assert client.get(f"/api/v1/customers/{edited_id}").json()["customer"]["city"] == "重建市"
    assert store.conflicts() == []
    store.close()
    await api.aclose()


async def test_rebuild_is_refused_offline_and_the_cache_is_untouched(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    api = await _synced(central, path)
    store = CacheStore(path)
    store.write_local("note", {"id": new_id(), "customer_id": "C0000001", "text": "离线"})
    before = store.counts(), store.last_seq()
    dead = CentralApi("http://127.0.0.1:9", token=central.token, max_retries=0, timeout=2)
    with pytest.raises(RebuildRefused) as refused:
        await CacheRebuild(dead, path).run()
    assert refused.value.reason == "offline" and refused.value.detail
    assert (store.counts(), store.last_seq()) == before
    store.close()
    await dead.aclose()
    await api.aclose()


async def test_a_failure_inside_the_clearing_rolls_all_of_it_back(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    api = await _synced(central, path)
    store = CacheStore(path)
    before = store.counts(), store.last_seq()
    # The disk "fails" half way: deleting orders raises after customers went.
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TRIGGER fail_orders BEFORE DELETE ON orders BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )
    conn.commit()
    with pytest.raises(RebuildRefused) as refused:
        await CacheRebuild(api, path).run()
    assert refused.value.reason == "cache" and "disk I/O error" in refused.value.detail
    assert (store.counts(), store.last_seq()) == before
    conn.execute("DROP TRIGGER fail_orders")
    conn.commit()
    conn.close()
    store.close()
    await api.aclose()


async def test_a_crash_after_the_clearing_resyncs_from_scratch_on_the_next_start(
    seeded_central_sqlite, tmp_path
):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    api = await _synced(central, path)
    full = _count(path, "customers")
    store = CacheStore(path)
    note_id = new_id()
    store.write_local("note", {"id": note_id, "customer_id": "C0000001", "text": "崩溃前"})
    store.clear_replica()  # the process dies here, before the download
    store.close()

    reopened = CacheStore(path)  # the next start
    assert reopened.last_seq() == 0 and not reopened.feed_complete()
    assert _count(path, "customers") == 0 and reopened.outbox_count() == 1
    result = await PullSync(api, path).run()
    assert result.complete and _count(path, "customers") == full
    await PushSync(api, path).run()
    assert reopened.outbox_count() == 0 and _server_versions(central, "note", note_id) == [1]
    reopened.close()
    await api.aclose()


async def test_vacuum_gives_the_space_back(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    api = await _synced(central, path)
    store = CacheStore(path)
    padding = "x" * 4000
    big = sqlite3.connect(path)
    big.executemany(
        "INSERT INTO local_records (entity, id, data, version, updated_at) VALUES ('note', ?, ?, 1, '')",
        [(f"pad-{i}", f'{{"text": "{padding}"}}') for i in range(2000)],
    )
    big.commit()
    big.close()
    swollen = store.file_size_bytes()
    await CacheRebuild(api, path).run()
    assert store.file_size_bytes() < swollen - 6_000_000
    store.close()
    await api.aclose()
