"""CentralApi against the real central API on loopback (seeded_central_sqlite: 300 customers)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calldesk_domain.phone import mask, national_display
from desktop.services.api import ApiError, CentralApi
from desktop.services.auth import KEYRING_SERVICE, AuthService


async def test_login_returns_a_session(seeded_central_sqlite) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        session = await api.login("super", "demo")
        assert api.token == session.token
        assert (session.role, session.agent_id) == ("supervisor", "9001")
        assert session.display_name
        assert session.expires_at > datetime.now(UTC)
        assert (await api.health())["status"] == "ok"


async def test_wrong_password_is_a_clear_401(seeded_central_sqlite) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        with pytest.raises(ApiError) as caught:
            await api.login("1001", "wrong")
    assert caught.value.status == 401
    assert "sign" in caught.value.message.lower()


async def test_bad_token_is_an_api_error_401(seeded_central_sqlite) -> None:
    async with CentralApi(seeded_central_sqlite.url, token="forged.token") as api:
        with pytest.raises(ApiError) as caught:
            await api.lookup("13800138000")
    assert caught.value.status == 401


async def test_lookup_in_any_format(seeded_central_sqlite) -> None:
    sample = seeded_central_sqlite.sample_customer()
    async with CentralApi(seeded_central_sqlite.url, token=seeded_central_sqlite.token) as api:
        for raw in (sample["mobile"], national_display(sample["mobile"]), "0086" + sample["mobile"][3:]):
            matches = await api.lookup(raw)
            assert sample["id"] in [c.id for c in matches], raw
        match = next(c for c in matches if c.id == sample["id"])
        assert match.name == sample["name"]
        # the token is an agent's: the number masked, with its keyed hash (central/pop_key.py)
        assert mask(sample["mobile"]) in [p.e164 for p in match.phones]
        assert all(len(p.key) == 32 for p in match.phones)
        shared = seeded_central_sqlite.shared_landline()
        owners = sorted(c.id for c in await api.lookup(shared))
        assert owners == seeded_central_sqlite.customers_with_phone(shared)
        assert len(owners) >= 2
        assert await api.lookup("+8613000000000") == []
        with pytest.raises(ApiError) as caught:
            await api.lookup("not-a-number")
    assert caught.value.status == 422
    assert caught.value.message


async def test_detail_summary_and_search(seeded_central_sqlite) -> None:
    sample = seeded_central_sqlite.sample_customer()
    async with CentralApi(seeded_central_sqlite.url, token=seeded_central_sqlite.token) as api:
        detail = await api.customer_detail(sample["id"])
        assert detail is not None
        assert detail.customer.id == sample["id"]
        assert len(detail.orders) == sample["order_count"]
        assert sorted(o.order_no for o in detail.orders) == sorted(sample["order_nos"])
        placed = [o.placed_at for o in detail.orders]
        assert placed == sorted(placed, reverse=True)
        assert await api.customer_detail("C9999999") is None
        summary = await api.customer_summary(sample["id"])
        assert summary is not None and summary.customer.id == sample["id"]
        if detail.orders:
            assert summary.last_order is not None
            assert summary.last_order.order_no == detail.orders[0].order_no
            found = await api.search(sample["order_nos"][0], 5)
            assert [c.id for c in found] == [sample["id"]]
        by_name = await api.search(sample["name"], 50)
        assert sample["id"] in [c.id for c in by_name]


async def test_change_feed_pages(seeded_central_sqlite) -> None:
    last = seeded_central_sqlite.max_seq()
    async with CentralApi(seeded_central_sqlite.url, token=seeded_central_sqlite.token) as api:
        first = await api.changes(0, 50)
        assert len(first.changes) == 50
        assert first.has_more
        assert first.next_since == first.changes[-1]["seq"]
        assert first.remaining > 0
        assert first.server_time is not None
        end = await api.changes(last, 50)
        assert (end.changes, end.has_more, end.remaining, end.next_since) == ([], False, 0, last)


async def test_expired_token_is_refreshed_with_the_refresh_token(
    seeded_central_sqlite, memory_keyring
) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        auth = AuthService(api, seeded_central_sqlite.url)
        session = await auth.login("1001", "demo", remember=True)
        assert session.refresh_token
        assert any(
            key[0] == KEYRING_SERVICE and key[1].endswith("|1001|session") for key in memory_keyring.secrets
        )
        assert not any("demo" in value for value in memory_keyring.secrets.values())  # no password kept
        api.token = "expired.or.revoked"
        matches = await api.lookup("13800138000")
        assert isinstance(matches, list)
        assert api.token not in ("expired.or.revoked", None)
        assert auth.credentials.load_session("1001").token == api.token  # type: ignore[union-attr]
        assert session.role == "agent"
