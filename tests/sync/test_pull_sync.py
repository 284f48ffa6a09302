"""PullSync end to end: the real central API on loopback -> a real cache file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from central_world import CentralWorld

from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi, ChangePage, WindowPage
from desktop.services.sync import PullSync, SyncProgress, pop_index_entities

PAGE = 97  # not a divisor of anything in the seed, so pages end mid-customer


def _snapshot(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as conn:
        return {
            "customers": conn.execute("SELECT id, name, version, data FROM customers ORDER BY id").fetchall(),
            "phones": conn.execute(
                "SELECT customer_id, e164 FROM phones ORDER BY customer_id, e164"
            ).fetchall(),
            **{
                table: conn.execute(f"SELECT id, version, payload FROM {table} ORDER BY id").fetchall()
                for table in ("orders", "points_entries", "service_records", "marketing_touches")
            },
            "last_seq": conn.execute("SELECT value FROM sync_state WHERE key = 'last_seq'").fetchall(),
        }


def _assert_mirrors(world: CentralWorld, path: Path) -> None:
    with CacheStore(path) as store:
        counts = store.counts()
        for name, expected in world.counts().items():
            assert counts[name] == expected, name
        for e164, owners in world.owners_by_phone().items():
            assert {c.customer_id for c in store.lookup_phone(e164)} == owners, e164


def _bootstrap_pages(world: CentralWorld, page: int) -> int:
    """Pages a full bootstrap takes: each entity paged to an empty-or-short last page, plus the
    one feed page from H0 (docs/sync-protocol.md "Bootstrap")."""
    counts = world.counts()
    # customer, then the generic entities (none seeded; other modules may register more)
    per_entity = [counts["customers"]] + [0] * (len(pop_index_entities()) - 1)
    per_entity += [counts[t] for t in ("orders", "points_entries", "service_records", "marketing_touches")]
    return sum(n // page + 1 for n in per_entity) + 1


async def test_initial_sync_mirrors_the_server(central_300: CentralWorld, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    reports: list[SyncProgress] = []
    async with CentralApi(central_300.url, token=central_300.token) as api:
        result = await PullSync(api, path, page_size=PAGE, bootstrap_page_size=PAGE).run(
            progress=reports.append
        )
    counts = central_300.counts()
    total = sum(
        counts[t] for t in ("customers", "orders", "points_entries", "service_records", "marketing_touches")
    )
    assert result.complete and not result.cancelled
    assert result.applied == total
    assert result.skipped == 0
    assert result.pages == _bootstrap_pages(central_300, PAGE)
    assert [r.applied for r in reports] == sorted(r.applied for r in reports)
    assert [r.phase for r in reports] == sorted(
        (r.phase for r in reports), key=["pop_index", "search_index", "details", "feed"].index
    )
    # remaining covers the whole bootstrap: the pop index left, plus the detail records once
    # their count is known (asked in the background)
    details_total = total - counts["customers"]
    assert reports[0].phase == "pop_index"
    assert reports[0].remaining in (counts["customers"] - PAGE, total - PAGE)
    pop = [r for r in reports if r.phase == "pop_index"]
    details = [r for r in reports if r.phase == "details"]
    assert pop[-1].remaining == details_total and pop[-1].applied == counts["customers"]
    assert details[0].remaining == details_total - PAGE
    assert [r.remaining for r in details] == sorted((r.remaining for r in details), reverse=True)
    assert details[-1].remaining == 0 and reports[-1].remaining == 0
    assert all(r.eta_s is not None for r in reports if r.phase != "feed")
    assert all(r.rate_per_s > 0 for r in reports if r.phase != "feed")
    _assert_mirrors(central_300, path)
    with CacheStore(path) as store:
        assert store.feed_complete()  # no detail window: every record is cached
        assert store.last_seq() == result.last_seq == central_300.max_seq()
        assert store.has_detail("C0000001")


async def test_second_run_applies_nothing(central_300: CentralWorld, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    async with CentralApi(central_300.url, token=central_300.token) as api:
        first = await PullSync(api, path, page_size=1000).run()
        before = _snapshot(path)
        second = await PullSync(api, path, page_size=1000).run_incremental()
    assert first.applied > 0
    assert (second.applied, second.pages, second.complete) == (0, 1, True)
    assert second.last_seq == first.last_seq
    assert _snapshot(path) == before


async def test_cancel_half_way_then_resume_gives_the_same_state(
    central_300: CentralWorld, tmp_path: Path
) -> None:
    straight, resumed = tmp_path / "straight.sqlite3", tmp_path / "resumed.sqlite3"
    cancel = asyncio.Event()

    def stop_after_three_pages(progress: SyncProgress) -> None:
        if progress.applied >= 3 * PAGE:
            cancel.set()

    async with CentralApi(central_300.url, token=central_300.token) as api:
        await PullSync(api, straight, page_size=PAGE, bootstrap_page_size=PAGE).run()
        partial = await PullSync(api, resumed, page_size=PAGE, bootstrap_page_size=PAGE).run(
            stop_after_three_pages, cancel
        )
        assert partial.cancelled and not partial.complete
        assert partial.pages == 3
        with CacheStore(resumed) as store:
            assert store.last_seq() == partial.last_seq
            assert not store.feed_complete()
            assert (
                sum(v for k, v in store.counts().items() if k not in ("phones", "outbox", "conflicts"))
                == 3 * PAGE
            )
        rest = await PullSync(api, resumed, page_size=PAGE, bootstrap_page_size=PAGE).run()
    assert rest.complete
    assert partial.applied + rest.applied == sum(v for k, v in central_300.counts().items() if k != "phones")
    assert _snapshot(resumed) == _snapshot(straight)


class FlakyApi(CentralApi):
    """The real client whose network dies after `healthy_pages` pages (a fault, injected)."""

    def __init__(self, *args, healthy_pages: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.healthy_pages = healthy_pages

    def _one_more(self) -> None:
        if self.healthy_pages <= 0:
            raise ApiError(None, "unreachable", "network cable pulled")
        self.healthy_pages -= 1

    async def changes(self, since: int, limit: int = 1000) -> ChangePage:
        self._one_more()
        return await super().changes(since, limit)

    async def bootstrap_changes(self, entity: str, since: int, limit: int) -> ChangePage:
        self._one_more()
        return await super().bootstrap_changes(entity, since, limit)

    async def bootstrap_window(self, entity: str, start: str, after: str, limit: int) -> WindowPage:
        self._one_more()
        return await super().bootstrap_window(entity, start, after, limit)


async def test_network_loss_mid_sync_keeps_applied_pages_and_resumes(
    central_300: CentralWorld, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    async with FlakyApi(central_300.url, token=central_300.token, healthy_pages=9) as flaky:
        try:
            await PullSync(flaky, path, page_size=PAGE, bootstrap_page_size=PAGE).run()
        except ApiError as exc:
            assert exc.unreachable
        else:
            raise AssertionError("the sync should have failed with the network")
    with CacheStore(path) as store:
        # Nine pages fetched (one of them the prefetch); only pages that were applied count:
        # the pop index is in, the bootstrap stopped in its detail phase.
        assert store.counts()["customers"] == central_300.counts()["customers"]
        assert store.bootstrap_state()["bootstrap_phase"] == "window"
        assert store.last_seq() == 0 and not store.feed_complete()
    async with CentralApi(central_300.url, token=central_300.token) as api:
        result = await PullSync(api, path, page_size=PAGE, bootstrap_page_size=PAGE).run()
    assert result.complete
    _assert_mirrors(central_300, path)


async def test_incremental_sync_applies_updates_inserts_and_tombstones(
    central_small: CentralWorld, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    async with CentralApi(central_small.url, token=central_small.token) as api:
        sync = PullSync(api, path)
        await sync.run()
        with CacheStore(path) as store:
            renamed = store.customer_detail("C0000002")
            doomed = store.customer_detail("C0000003")
        assert renamed is not None and doomed is not None
        customer = renamed.customer.to_dict()
        customer["name"] = "改名测试"
        customer["phones"] = [{"e164": "+8613311112222", "kind": "mobile", "label": ""}]
        newcomer = {"id": "C0009999", "name": "新客户", "phones": [{"e164": "+8613322223333"}]}
        central_small.write("customer", upserts=[customer, newcomer])
        central_small.write("customer", deletes=["C0000003"])
        doomed_records = len(doomed.orders) + len(doomed.points) + len(doomed.service) + len(doomed.marketing)
        result = await sync.run_incremental()
    assert result.applied == 3 + doomed_records  # 2 upserts, 1 customer tombstone, child tombstones
    _assert_mirrors(central_small, path)
    with CacheStore(path) as store:
        assert store.pop_card("C0000002").name == "改名测试"  # type: ignore[union-attr]
        assert [c.customer_id for c in store.lookup_phone("+8613311112222")] == ["C0000002"]
        for old_phone in renamed.customer.phones:
            assert "C0000002" not in {c.customer_id for c in store.lookup_phone(old_phone.e164)}
        assert store.pop_card("C0000003") is None
        assert store.customer_detail("C0000003") is None
        assert [c.name for c in store.search("xkh")] == ["新客户"]


async def test_cancel_before_start_does_nothing(central_300: CentralWorld, tmp_path: Path) -> None:
    cancel = asyncio.Event()
    cancel.set()
    async with CentralApi(central_300.url, token=central_300.token) as api:
        result = await PullSync(api, tmp_path / "c.sqlite3").run(cancel=cancel)
    assert result.cancelled and result.applied == 0 and result.pages == 0


async def test_a_failing_progress_display_does_not_abort_the_sync(
    central_300: CentralWorld, tmp_path: Path
) -> None:
    def broken(progress: SyncProgress) -> None:
        raise RuntimeError("widget already deleted")

    async with CentralApi(central_300.url, token=central_300.token) as api:
        result = await PullSync(api, tmp_path / "c.sqlite3", page_size=500).run(progress=broken)
    assert result.complete and result.pages > 1
