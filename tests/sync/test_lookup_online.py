"""LookupService with the real central API: cache misses go online and the answers get cached."""

from __future__ import annotations

from pathlib import Path

from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.lookup import LookupService
from desktop.services.sync import PullSync


async def test_customer_created_after_sync_is_found_online_and_cached(
    seeded_central_sqlite, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    async with CentralApi(seeded_central_sqlite.url, token=seeded_central_sqlite.token) as api:
        await PullSync(api, path).run()
        seeded_central_sqlite.write(
            "customer",
            {"id": "C0777777", "name": "后来者", "phones": [{"e164": "+8613677776666", "kind": "mobile"}]},
        )
        with CacheStore(path) as store:
            service = LookupService(store, api)
            assert service.match_caller("136 7777 6666").kind == "unknown"
            online = await service.match_caller_online("136 7777 6666")
            assert online.kind == "single"
            assert [c.name for c in online.cards] == ["后来者"]
            cached = service.match_caller("13677776666")  # now straight from the cache
            assert [c.customer_id for c in cached.cards] == ["C0777777"]
            nobody = await service.match_caller_online("13600000001")
            assert nobody.kind == "unknown"


async def test_detail_is_fetched_once_then_served_from_the_cache(
    seeded_central_sqlite, tmp_path: Path
) -> None:
    sample = seeded_central_sqlite.sample_customer()
    async with CentralApi(seeded_central_sqlite.url, token=seeded_central_sqlite.token) as api:
        with CacheStore(tmp_path / "cache.sqlite3") as store:
            service = LookupService(store, api)
            first = await service.detail(sample["id"])
            assert (first.source, first.stale) == ("api", False)
            assert first.detail is not None
            assert sorted(o.order_no for o in first.detail.orders) == sorted(sample["order_nos"])
            assert store.has_detail(sample["id"])
            second = await service.detail(sample["id"])
            assert (second.source, second.stale) == ("cache", False)
            assert second.detail == first.detail
            assert [c.customer_id for c in store.lookup_phone(sample["mobile"])] == [sample["id"]]
            missing = await service.detail("C9999999")
            assert (missing.detail, missing.source) == (None, "api")
            assert "does not exist" in missing.reason
