"""LookupService from the cache alone: caller formats, shared numbers, withheld ids, offline detail."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calldesk_domain.models import Customer, CustomerDetail, Order, Phone
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.lookup import LookupService


def _customer(cid: str, name: str, *phones: str) -> Customer:
    return Customer(id=cid, name=name, phones=[Phone(e164=p) for p in phones])


@pytest.fixture
def store(tmp_path: Path):
    store = CacheStore(tmp_path / "cache.sqlite3")
    store.store_customers(
        [
            _customer("C1", "张三", "+8613800138000", "+861012345678"),
            _customer("C2", "李四", "+861012345678"),
        ]
    )
    yield store
    store.close()


@pytest.mark.parametrize("raw", ["13800138000", "+86 138-0013-8000", "008613800138000", "13800138000 转 123"])
def test_single_match_in_any_format(store: CacheStore, raw: str) -> None:
    match = LookupService(store).match_caller(raw)
    assert match.kind == "single"
    assert match.e164 == "+8613800138000"
    assert [c.name for c in match.cards] == ["张三"]


def test_shared_landline_is_multiple(store: CacheStore) -> None:
    match = LookupService(store).match_caller("010-12345678")
    assert match.kind == "multiple"
    assert sorted(c.customer_id for c in match.cards) == ["C1", "C2"]


@pytest.mark.parametrize("raw", [None, "", "  ", "anonymous", "Withheld", "PRIVATE"])
def test_withheld(store: CacheStore, raw: str | None) -> None:
    match = LookupService(store).match_caller(raw)
    assert (match.kind, match.e164, match.cards) == ("withheld", None, [])


@pytest.mark.parametrize("raw", ["13700000000", "garbage!!", "12", "x" * 500, "\x00\x01"])
def test_unknown(store: CacheStore, raw: str) -> None:
    match = LookupService(store).match_caller(raw)
    assert match.kind == "unknown"
    assert match.cards == []


async def test_detail_without_api_is_stale_cache_with_reason(store: CacheStore) -> None:
    service = LookupService(store, api=None)
    # C1 came from an online lookup only: no records cached, so no empty card that looks complete
    result = await service.detail("C1")
    assert (result.detail, result.source, result.stale) == (None, "cache", True)
    assert "offline" in result.reason
    store.store_detail(CustomerDetail(customer=_customer("C1", "张三", "+8613800138000")))
    result = await service.detail("C1")
    assert result.detail is not None and result.detail.customer.name == "张三"
    missing = await service.detail("C404")
    assert (missing.detail, missing.stale) == (None, True)


async def test_detail_from_cache_when_held(store: CacheStore) -> None:
    store.store_detail(
        CustomerDetail(
            customer=_customer("C1", "张三", "+8613800138000"),
            orders=[Order("O1", "C1", "SO1", None, "paid", 100)],
        )
    )
    api = CentralApi("http://127.0.0.1:9", max_retries=0)  # would fail if it were asked
    result = await LookupService(store, api).detail("C1")
    await api.aclose()
    assert (result.source, result.stale) == ("cache", False)
    assert [o.order_no for o in result.detail.orders] == ["SO1"]  # type: ignore[union-attr]


async def test_unreachable_api_falls_back_to_stale_cache(store: CacheStore) -> None:
    api = CentralApi("http://127.0.0.1:9", max_retries=0)
    service = LookupService(store, api)
    store.apply_changes(
        [
            {
                "seq": 1,
                "entity": "customer",
                "id": "C2",
                "op": "upsert",
                "version": 2,
                "data": _customer("C2", "李四", "+861012345678").to_dict() | {"version": 2},
            }
        ],
        1,
    )
    result = await service.detail("C2")  # fed, feed not complete: what the cache has, marked stale
    assert (result.source, result.stale) == ("cache", True)
    assert result.detail is not None and result.detail.customer.name == "李四"
    assert "Cannot reach" in result.reason
    online = await service.match_caller_online("13700000000")
    assert online.kind == "unknown"  # the cache answer stands when the API is down
    await api.aclose()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.none(), st.text(max_size=80), st.from_regex(r"[+0-9 ()\-]{0,25}", fullmatch=True)))
def test_any_caller_id_gives_a_match_and_never_raises(store: CacheStore, raw: str | None) -> None:
    match = LookupService(store).match_caller(raw)
    assert match.kind in ("single", "multiple", "unknown", "withheld")
    assert (match.kind in ("single", "multiple")) == bool(match.cards)
    if match.e164 is not None:
        assert match.e164.startswith("+")
