"""The phased bootstrap of a fresh cache (docs/sync-protocol.md "Bootstrap"), against the real
central API on loopback: pop index, detail window, then the feed from H0; changes made during
the bootstrap, cancel/resume in each phase, bad rows, a garbage answer, a cleared cache."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from central_world import CentralWorld

from calldesk_domain.models import parse_ts
from central.tables import ENTITY_TABLES, change_log
from desktop.cache import search_index
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.sync import PullSync, SyncProgress

PAGE = 7  # small pages: every phase takes several
WINDOW = 180
DETAILS = {  # feed entity -> (cache table, server time column)
    "order": ("orders", "placed_at"),
    "points": ("points_entries", "ts"),
    "service": ("service_records", "ts"),
    "marketing": ("marketing_touches", "ts"),
}


def _state(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM sync_state"))


def _cached_ids(path: Path, table: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}


def _server_ids(world: CentralWorld, entity: str, since: datetime | None = None) -> set[str]:
    table = ENTITY_TABLES[entity]
    query = sa.select(table.c.id)
    if since is not None:
        query = query.where(table.c[DETAILS[entity][1]] >= since)
    with world.engine.connect() as conn:
        return set(conn.execute(query).scalars())


def _changed_after(world: CentralWorld, entity: str, head: int) -> set[str]:
    with world.engine.connect() as conn:
        return set(
            conn.execute(
                sa.select(change_log.c.entity_id).where(
                    change_log.c.entity == entity, change_log.c.seq > head, change_log.c.op == "upsert"
                )
            ).scalars()
        )


def _assert_bootstrapped(world: CentralWorld, path: Path) -> None:
    """Pop index whole and current; detail records = the window's plus whatever changed after H0."""
    state = _state(path)
    assert state["bootstrap_phase"] == "done"
    head = int(state["bootstrap_head"])
    assert int(state["last_seq"]) == world.max_seq()
    with CacheStore(path) as store, world.engine.connect() as conn:
        customers = dict(conn.execute(sa.text("SELECT id, version FROM customers")).all())
        cached = dict(store._conn.execute("SELECT id, version FROM customers").fetchall())
        assert cached == customers
        for e164, owners in world.owners_by_phone().items():
            assert {c.customer_id for c in store.lookup_phone(e164)} == owners, e164
    window_from = parse_ts(state["bootstrap_window_from"])
    for entity, (table, _) in DETAILS.items():
        live = _server_ids(world, entity)
        expected = (_server_ids(world, entity, window_from) | _changed_after(world, entity, head)) & live
        assert _cached_ids(path, table) == expected, entity


def _snapshot(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as conn:
        out = {
            "customers": conn.execute("SELECT id, version, data FROM customers ORDER BY id").fetchall(),
            "phones": conn.execute(
                "SELECT customer_id, e164 FROM phones ORDER BY customer_id, e164"
            ).fetchall(),
            "grams": conn.execute("SELECT gram, customer_id FROM name_grams ORDER BY 1, 2").fetchall(),
        }
        for table, _ in DETAILS.values():
            out[table] = conn.execute(f"SELECT id, version, payload FROM {table} ORDER BY id").fetchall()
        return out


def _sync(api: CentralApi, path: Path, window: int | None = WINDOW) -> PullSync:
    return PullSync(api, path, page_size=PAGE, bootstrap_page_size=PAGE, detail_window_days=window)


async def test_windowed_bootstrap_then_incremental(central_small: CentralWorld, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    reports: list[SyncProgress] = []
    async with CentralApi(central_small.url, token=central_small.token) as api:
        result = await _sync(api, path).run(progress=reports.append)
        assert result.complete and result.skipped == 0
        _assert_bootstrapped(central_small, path)
        state = _state(path)
        window_from = parse_ts(state["bootstrap_window_from"])
        assert window_from is not None
        assert (datetime.now(window_from.tzinfo) - window_from).days == WINDOW
        old_orders = _server_ids(central_small, "order") - _server_ids(central_small, "order", window_from)
        assert old_orders and not old_orders & _cached_ids(path, "orders")  # outside the window: absent
        assert _cached_ids(path, "orders")  # inside: present
        # the search indexes are built once, between the pop index and the detail window
        assert list(dict.fromkeys(r.phase for r in reports)) == [
            "pop_index",
            "search_index",
            "details",
            "feed",
        ]
        window_records = sum(len(_cached_ids(path, table)) for table, _ in DETAILS.values())
        assert [r for r in reports if r.phase == "pop_index"][-1].remaining == window_records
        assert [r for r in reports if r.phase == "details"][-1].remaining == 0

        with CacheStore(path) as store:
            assert store.search_index_ready()
            name = store.pop_card("C0000002").name  # type: ignore[union-attr]
            assert "C0000002" in {c.customer_id for c in store.search(name[-1:])}  # substring piece
            # Windowed: no customer counts as complete until fetched on demand ...
            assert not store.feed_complete()
            assert not store.has_detail("C0000001") and not store.pop_row_only("C0000001")
            detail = await api.customer_detail("C0000001")
            assert detail is not None
            store.store_detail(detail)
            assert store.has_detail("C0000001")  # ... then it is, and the feed keeps it current
            assert len(store.customer_detail("C0000001").orders) == len(detail.orders)  # type: ignore[union-attr]

        customer = json.loads(_snapshot(path)["customers"][1][2])
        customer["name"] = "增量改名"
        central_small.write("customer", upserts=[customer])
        old_order_id = sorted(old_orders)[0]
        with central_small.engine.connect() as conn:
            old_order = conn.execute(
                sa.text("SELECT data FROM change_log WHERE entity = 'order' AND entity_id = :i"),
                {"i": old_order_id},
            ).scalar_one()
        central_small.write("order", upserts=[{**json.loads(old_order), "status": "refunded"}])
        later = await _sync(api, path).run_incremental()
    assert later.applied == 2 and later.pages == 1
    with CacheStore(path) as store:
        assert store.pop_card(customer["id"]).name == "增量改名"  # type: ignore[union-attr]
        assert old_order_id in _cached_ids(path, "orders")  # changed after H0: the feed brings it
        assert not store.feed_complete()  # the feed's end does not make a windowed cache complete
    _assert_bootstrapped(central_small, path)


async def test_changes_on_the_server_during_the_bootstrap_are_not_lost(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    done: set[str] = set()
    snapshot_customer = {}

    def meddle(progress: SyncProgress) -> None:
        """Server writes between pages: in the pop phase and in the detail phase."""
        if progress.phase == "pop_index" and "pop" not in done:
            done.add("pop")
            first = json.loads(_snapshot(path)["customers"][0][2])  # already applied
            snapshot_customer.update(first)
            central_small.write("customer", upserts=[{**first, "name": "引导中改名"}])
            central_small.write("customer", upserts=[{"id": "C0009001", "name": "引导中新建", "phones": []}])
            central_small.write("customer", deletes=["C0000039"])  # not fetched yet
        if progress.phase == "details" and "details" not in done:
            done.add("details")
            with central_small.engine.connect() as conn:
                orders = (
                    conn.execute(sa.text("SELECT id FROM orders ORDER BY id DESC LIMIT 2")).scalars().all()
                )
            central_small.write("order", deletes=[orders[0]])  # not fetched yet (ids are paged ascending)
            points = _server_ids(central_small, "points")
            central_small.write("points", deletes=[sorted(points)[0]])  # maybe already fetched

    async with CentralApi(central_small.url, token=central_small.token) as api:
        result = await _sync(api, path).run(progress=meddle)
    assert done == {"pop", "details"} and result.complete
    _assert_bootstrapped(central_small, path)
    with CacheStore(path) as store:
        assert store.pop_card(snapshot_customer["id"]).name == "引导中改名"  # type: ignore[union-attr]
        assert store.pop_card("C0009001") is not None
        assert store.pop_card("C0000039") is None


@pytest.mark.parametrize("phase", ["pop_index", "search_index", "details"])
async def test_cancel_in_each_phase_then_resume_gives_the_same_state(
    central_small: CentralWorld, tmp_path: Path, phase: str
) -> None:
    straight, resumed = tmp_path / "straight.sqlite3", tmp_path / "resumed.sqlite3"
    cancel = asyncio.Event()
    seen: list[SyncProgress] = []

    def stop_in_phase(progress: SyncProgress) -> None:
        seen.append(progress)
        if progress.phase == phase and sum(p.phase == phase for p in seen) == 2:
            cancel.set()

    async with CentralApi(central_small.url, token=central_small.token) as api:
        await _sync(api, straight).run()
        partial = await _sync(api, resumed).run(stop_in_phase, cancel)
        assert partial.cancelled and not partial.complete
        state = _state(resumed)
        assert state["bootstrap_phase"] == ("pop" if phase == "pop_index" else "window")
        with CacheStore(resumed) as store:  # a cancel never cuts the search index build short
            assert store.search_index_ready() == (phase != "pop_index")
        assert state.get("last_seq", "0") == "0"  # the feed cursor moves only when the bootstrap ends
        rest = await _sync(api, resumed).run()
    assert rest.complete and not rest.cancelled
    assert partial.applied + rest.applied == _sync_total(straight)  # nothing fetched twice
    assert _snapshot(resumed) == _snapshot(straight)
    _assert_bootstrapped(central_small, resumed)


def _sync_total(path: Path) -> int:
    snapshot = _snapshot(path)
    return sum(len(rows) for name, rows in snapshot.items() if name not in ("phones", "grams"))


async def test_bad_rows_in_each_phase_are_skipped_and_counted(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    with central_small.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO change_log (entity, entity_id, op, version, data, changed_at)"
                " VALUES ('customer', 'C0009002', 'upsert', 1, '{\"id\": \"C0009002\"}',"
                " '2026-11-01 00:00:00')"
            )
        )  # no name: the pop phase must skip it
        bad_order = conn.execute(
            sa.text("SELECT id FROM orders WHERE placed_at >= '2026-11-01' ORDER BY id LIMIT 1")
        ).scalar_one()
        conn.execute(sa.text("UPDATE orders SET items = '[1]' WHERE id = :i"), {"i": bad_order})
    path = tmp_path / "cache.sqlite3"
    async with CentralApi(central_small.url, token=central_small.token) as api:
        result = await _sync(api, path).run()
    assert result.complete and result.skipped == 2
    with CacheStore(path) as store:
        assert store.pop_card("C0009002") is None
        assert bad_order not in _cached_ids(path, "orders")
        assert store.counts()["customers"] == central_small.counts()["customers"]
        assert store.bootstrap_state()["bootstrap_phase"] == "done"


async def test_a_garbage_answer_mid_bootstrap_is_an_api_error_and_the_cache_resumes(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    """A proxy in front of the real API answers the third bootstrap page with garbage."""
    bootstrap_pages = 0
    async with httpx.AsyncClient(base_url=central_small.url) as upstream:

        async def handler(request: httpx.Request) -> httpx.Response:
            nonlocal bootstrap_pages
            if request.url.path == "/api/v1/sync/bootstrap/changes":
                bootstrap_pages += 1
                if bootstrap_pages == 3:
                    return httpx.Response(200, content=b'{"changes":[\n{"seq":1,\n], oops')
            forwarded = await upstream.request(
                request.method, request.url.path, params=request.url.params, headers=request.headers
            )
            return httpx.Response(forwarded.status_code, content=forwarded.content, headers=forwarded.headers)

        path = tmp_path / "cache.sqlite3"
        proxied = CentralApi(
            "http://proxy.invalid",
            token=central_small.token,
            transport=httpx.MockTransport(handler),
            allow_insecure_http=True,  # a mock transport in front of the real server
        )
        async with proxied:
            with pytest.raises(ApiError) as failure:
                await _sync(proxied, path).run()
    assert failure.value.code == "bad_response"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with CacheStore(path) as store:
        assert store.counts()["customers"] == 2 * PAGE  # the two good pages, whole
        assert store.bootstrap_state()["bootstrap_cursor"] != "0"
    async with CentralApi(central_small.url, token=central_small.token) as api:
        assert (await _sync(api, path).run()).complete
    _assert_bootstrapped(central_small, path)


async def test_a_cleared_cache_bootstraps_again(central_small: CentralWorld, tmp_path: Path) -> None:
    """The settings dialog's "rebuild cache": replicated tables and sync_state emptied, then run()."""
    path = tmp_path / "cache.sqlite3"
    async with CentralApi(central_small.url, token=central_small.token) as api:
        await _sync(api, path).run()
        before = _snapshot(path)
        with sqlite3.connect(path) as conn:
            for table in ("phones", "name_grams", "customers", *(t for t, _ in DETAILS.values())):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM sync_state")
        again = await _sync(api, path).run()
    assert again.complete and again.applied == _sync_total(path)
    assert _snapshot(path) == before
    _assert_bootstrapped(central_small, path)


async def test_a_cache_synced_by_the_old_full_feed_just_continues_the_feed(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    async with CentralApi(central_small.url, token=central_small.token) as api:
        with CacheStore(path) as store:  # the pre-bootstrap client: first feed page applied
            page = await api.changes(0, 50)
            store.apply_changes(page.changes, page.next_since)
        result = await _sync(api, path, window=None).run()
    assert result.complete
    state = _state(path)
    assert "bootstrap_phase" not in state and state["feed_complete"] == "1"
    with CacheStore(path) as store:
        assert store.counts()["orders"] == central_small.counts()["orders"]


async def test_a_server_without_the_bootstrap_gets_the_whole_feed(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    """An older central API (404 on /sync/bootstrap/...): the cache is filled from the feed."""
    async with httpx.AsyncClient(base_url=central_small.url) as upstream:

        async def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.startswith("/api/v1/sync/bootstrap/"):
                return httpx.Response(
                    404, json={"error": {"code": "not_found", "message": "no", "field": None}}
                )
            forwarded = await upstream.request(
                request.method, request.url.path, params=request.url.params, headers=request.headers
            )
            return httpx.Response(forwarded.status_code, content=forwarded.content, headers=forwarded.headers)

        path = tmp_path / "cache.sqlite3"
        old_server = CentralApi(
            "http://old.invalid",
            token=central_small.token,
            transport=httpx.MockTransport(handler),
            allow_insecure_http=True,  # a mock transport in front of the real server
        )
        async with old_server:
            result = await _sync(old_server, path).run()
    assert result.complete
    state = _state(path)
    assert "bootstrap_phase" not in state and state["feed_complete"] == "1"
    assert int(state["last_seq"]) == central_small.max_seq()
    with CacheStore(path) as store:
        counts = store.counts()
        for name, expected in central_small.counts().items():
            assert counts[name] == expected, name


async def test_pops_work_while_the_pop_index_loads_and_search_waits_for_its_indexes(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    during: dict[str, object] = {}

    def look(progress: SyncProgress) -> None:
        if progress.phase != "pop_index" or during:
            return
        with CacheStore(path) as store:
            customer_id, name = store._conn.execute("SELECT id, name FROM customers LIMIT 1").fetchone()
            e164 = store._conn.execute(
                "SELECT e164 FROM phones WHERE customer_id = ?", (customer_id,)
            ).fetchone()[0]
            plan = " ".join(
                row[3]
                for row in store._conn.execute(
                    "EXPLAIN QUERY PLAN SELECT customer_id FROM phones WHERE e164 = ?", (e164,)
                )
            )
            during.update(
                ready=store.search_index_ready(),
                pop=[c.customer_id for c in store.lookup_phone(e164)],
                by_id=[c.customer_id for c in store.search(customer_id)],
                by_name=store.search(name),
                plan=plan,
                customer_id=customer_id,
                name=name,
            )

    async with CentralApi(central_small.url, token=central_small.token) as api:
        result = await _sync(api, path).run(progress=look)
    assert result.complete
    assert during["ready"] is False
    assert during["customer_id"] in during["pop"]  # type: ignore[operator]
    assert "ix_phones_e164" in during["plan"]  # type: ignore[operator]  # the pop stays an index lookup
    assert during["by_id"] == [during["customer_id"]]
    assert during["by_name"] == []  # no full scan of the customers on the UI thread
    with CacheStore(path) as store:
        assert store.search_index_ready()
        assert during["customer_id"] in {c.customer_id for c in store.search(during["name"])}  # type: ignore[arg-type]


async def test_search_indexes_missing_at_a_later_sync_are_built_before_the_feed(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    """A bootstrap cut short before its build, then a server without the bootstrap endpoints or
    a cleared sync state: the next run builds the indexes, with the very pieces of a feed."""
    path = tmp_path / "cache.sqlite3"
    async with CentralApi(central_small.url, token=central_small.token) as api:
        await _sync(api, path).run()
        before = _snapshot(path)
        with sqlite3.connect(path) as conn:
            search_index.defer(conn)
        with CacheStore(path) as store:
            assert not store.search_index_ready()
        result = await _sync(api, path).run()
    assert result.complete
    assert _snapshot(path) == before
    with CacheStore(path) as store:
        assert store.search_index_ready()
