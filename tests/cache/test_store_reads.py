"""Pop-index reads, search and detail from a real cache file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cache_builders import customer, marketing, order, points, service, ts, upsert

from calldesk_domain.models import Customer, CustomerDetail, MarketingTouch, Order, PointsEntry, ServiceRecord
from calldesk_domain.phone import normalize
from desktop.cache.store import CacheStore


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138 0013 8000",
        "008613800138000",
        "+8613800138000",
        "138-0013-8000",
        "86 13800138000",
    ],
)
def test_lookup_mobile_in_every_format(filled_store: CacheStore, raw: str) -> None:
    e164 = normalize(raw)
    assert e164 == "+8613800138000"
    cards = filled_store.lookup_phone(e164)
    assert [c.customer_id for c in cards] == ["C001"]
    card = cards[0]
    assert card.name == "张三"
    assert card.tier == "high_end"
    assert card.phones == ("+8613800138000", "+861012345678")
    assert card.tags == ("vip",)
    assert card.churn_reasons == ("no order in 180 days",)
    assert card.churn_warning


@pytest.mark.parametrize("raw", ["010-12345678", "01012345678", "+86 10 1234 5678", "(010) 1234 5678"])
def test_shared_landline_gives_every_customer(filled_store: CacheStore, raw: str) -> None:
    cards = filled_store.lookup_phone(normalize(raw) or "")
    assert sorted(c.customer_id for c in cards) == ["C001", "C002"]


def test_unknown_number_gives_nothing(filled_store: CacheStore) -> None:
    assert filled_store.lookup_phone("+8613700000000") == []


def test_pop_card_carries_last_order_and_last_contact(filled_store: CacheStore) -> None:
    card = filled_store.pop_card("C001")
    assert card is not None
    assert card.last_order_at == ts(3)
    assert card.last_contact_at == ts(5)
    assert filled_store.pop_card("C002").last_order_at is None  # type: ignore[union-attr]
    assert filled_store.pop_card("NOPE") is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", ["C001"]),
        ("小明", ["C003"]),  # name substring
        ("王", ["C003"]),  # name prefix
        ("zs", ["C001"]),  # pinyin initials
        ("ZS", ["C001"]),
        ("wxm", ["C003"]),
        ("wx", ["C003"]),  # initials prefix
        ("zhangsan", ["C001"]),  # full pinyin
        ("zhang", ["C001"]),  # full pinyin prefix
        ("Wang Xiao", ["C003"]),
        ("13800138000", ["C001"]),  # phone, national
        ("+86 139 1234 5678", ["C003"]),  # phone, international with spaces
        ("5678", ["C001", "C002", "C003"]),  # last 4 digits, shared by all three
        ("8000", ["C001"]),
        ("12345678", ["C001", "C002", "C003"]),
        ("SO20260401004", ["C003"]),  # order number
        ("C002", ["C002"]),  # customer id
        ("c002", ["C002"]),
    ],
)
def test_search(filled_store: CacheStore, query: str, expected: list[str]) -> None:
    assert sorted(c.customer_id for c in filled_store.search(query)) == expected


def test_search_nothing_and_limits(filled_store: CacheStore) -> None:
    assert filled_store.search("") == []
    assert filled_store.search("   ") == []
    assert filled_store.search("赵") == []
    assert filled_store.search("999") == []  # fewer than 4 digits is not a phone suffix
    assert filled_store.search("%") == []  # LIKE wildcards are literal
    assert filled_store.search("_") == []
    assert len(filled_store.search("5678", limit=2)) == 2


def test_exact_id_phone_or_order_number_answers_alone(filled_store: CacheStore) -> None:
    filled_store.apply_changes([upsert(20, "customer", customer("C003X", "C003 Trading", []))])
    assert [c.customer_id for c in filled_store.search("C003")] == ["C003"]
    assert [c.customer_id for c in filled_store.search("C003 T")] == ["C003X"]  # name prefix
    assert [c.customer_id for c in filled_store.search("Trading")] == ["C003X"]  # substring


def test_digit_input_never_matches_names(filled_store: CacheStore) -> None:
    filled_store.apply_changes([upsert(20, "customer", customer("C0042", "Team 5678", []))])
    assert sorted(c.customer_id for c in filled_store.search("5678")) == ["C001", "C002", "C003"]


def test_detail_lists_are_newest_first(filled_store: CacheStore) -> None:
    detail = filled_store.customer_detail("C001")
    assert detail is not None
    assert detail.customer.name == "张三"
    assert [o.order_no for o in detail.orders] == ["SO20260301002", "SO20260201003", "SO20260101001"]
    assert [p.id for p in detail.points] == ["P2", "P1"]
    assert [s.id for s in detail.service] == ["S2", "S1"]
    assert [m.id for m in detail.marketing] == ["M1"]
    assert filled_store.customer_detail("C999") is None


def test_has_detail_follows_feed_completion_and_on_demand_fetch(store: CacheStore) -> None:
    store.apply_changes([upsert(1, "customer", customer("C1", "赵六", ["+8613600000000"]))])
    assert not store.has_detail("C1")
    detail = CustomerDetail(
        customer=Customer.from_dict(customer("C2", "钱七", ["+8613611111111"])),
        orders=[Order.from_dict(order("OX", "C2", "SO-X", ts(1)))],
        points=[PointsEntry.from_dict(points("PX", "C2", ts(1)))],
        service=[ServiceRecord.from_dict(service("SX", "C2", ts(1)))],
        marketing=[MarketingTouch.from_dict(marketing("MX", "C2", ts(1)))],
    )
    store.store_detail(detail)
    assert store.has_detail("C2")
    assert not store.has_detail("C1")
    assert store.customer_detail("C2") == detail
    assert [c.customer_id for c in store.lookup_phone("+8613611111111")] == ["C2"]
    store.apply_changes_report([], next_since=1, feed_complete=True)
    assert store.has_detail("C1")
    assert not store.has_detail("C404")


def test_store_detail_does_not_overwrite_a_newer_version(store: CacheStore) -> None:
    store.apply_changes([upsert(1, "customer", customer("C1", "新名字", ["+8613600000000"], version=5))])
    old = CustomerDetail(customer=Customer.from_dict(customer("C1", "旧名字", ["+8613655555555"], version=3)))
    store.store_detail(old)
    card = store.pop_card("C1")
    assert card is not None
    assert card.name == "新名字"
    assert card.phones == ("+8613600000000",)


def test_store_customers_from_online_lookup(store: CacheStore) -> None:
    found = Customer.from_dict(customer("C9", "孙八", ["+8613700000009"]))
    assert store.store_customers([found]) == 1
    assert store.lookup_phone("+8613700000009")[0].name == "孙八"
    assert store.search("sb")[0].customer_id == "C9"


def test_a_customer_cached_from_an_online_lookup_has_no_detail_until_fed(store: CacheStore) -> None:
    store.apply_changes_report([], next_since=1, feed_complete=True)
    store.store_customers([Customer.from_dict(customer("C9", "孙八", ["+8613700000009"]))])
    assert not store.has_detail("C9") and store.pop_row_only("C9")  # offline it must not look complete
    store.apply_changes([upsert(2, "customer", customer("C9", "孙八", ["+8613700000009"], version=2))])
    assert store.has_detail("C9") and not store.pop_row_only("C9")  # the feed carries its records now


def test_ticket_number_finds_its_customer(filled_store: CacheStore) -> None:
    filled_store.write_local("ticket", {"id": "T0123456789abcde", "customer_id": "C002", "category": "fault"})
    assert [c.customer_id for c in filled_store.search("T0123456789abcde")] == ["C002"]
    assert filled_store.search("T0123456789ffffff") == []


def test_counts_and_file_size(filled_store: CacheStore) -> None:
    counts = filled_store.counts()
    assert counts["customers"] == 3
    assert counts["phones"] == 4
    assert counts["orders"] == 4
    assert counts["points_entries"] == 2
    assert counts["service_records"] == 2
    assert counts["marketing_touches"] == 1
    assert counts["outbox"] == 0
    assert filled_store.file_size_bytes() > 0


def test_two_stores_on_one_file_see_each_others_commits(cache_path, store: CacheStore) -> None:
    with CacheStore(cache_path) as writer:
        writer.apply_changes([upsert(1, "customer", customer("C1", "周九", ["+8613800000001"]))])
    assert store.pop_card("C1") is not None
    assert store.last_seq() == 1


def test_timestamps_come_back_timezone_aware(filled_store: CacheStore) -> None:
    detail = filled_store.customer_detail("C001")
    assert detail is not None
    assert detail.orders[0].placed_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_an_unreadable_record_is_skipped_and_the_rest_of_the_card_kept(
    filled_store: CacheStore, caplog
) -> None:
    import sqlite3

    with sqlite3.connect(filled_store.path) as raw:
        raw.execute("UPDATE orders SET payload = '{not json' WHERE order_no = 'SO20260201003'")
        raw.execute("UPDATE service_records SET payload = '[1, 2]' WHERE id = 'S1'")
        # two objects in one row must not shift the records after it onto the wrong rows
        raw.execute('UPDATE points_entries SET payload = \'{"id": "X"}, {"id": "Y"}\' WHERE id = \'P2\'')
    detail = filled_store.customer_detail("C001")
    assert detail is not None
    assert [o.order_no for o in detail.orders] == ["SO20260301002", "SO20260101001"]
    assert [p.id for p in detail.points] == ["P1"]
    assert [s.id for s in detail.service] == ["S2"]
    assert [m.id for m in detail.marketing] == ["M1"]
    assert "unreadable order row" in caplog.text and "unreadable service row S1" in caplog.text


def test_records_of_the_same_moment_come_newest_id_first(store: CacheStore) -> None:
    same = ts(3)
    store.apply_changes(
        [
            upsert(1, "customer", customer("C7", "钱七", ["+8613700000000"])),
            upsert(2, "order", order("O1", "C7", "SO1", same)),
            upsert(3, "order", order("O3", "C7", "SO3", same)),
            upsert(4, "order", order("O2", "C7", "SO2", ts(1))),
        ]
    )
    detail = store.customer_detail("C7")
    assert detail is not None and [o.id for o in detail.orders] == ["O3", "O1", "O2"]
    assert detail.points == [] and detail.service == [] and detail.marketing == []


def test_an_unreadable_customer_row_reads_as_not_cached(filled_store: CacheStore, caplog) -> None:
    import sqlite3

    with sqlite3.connect(filled_store.path) as raw:
        raw.execute("UPDATE customers SET data = '\"text\"' WHERE id = 'C001'")
    assert filled_store.customer_detail("C001") is None
    assert "unreadable customer row C001" in caplog.text
    assert filled_store.customer_detail("C002") is not None


def test_a_damaged_tag_or_reason_column_still_pops_the_customer(filled_store: CacheStore, caplog) -> None:
    import sqlite3

    with sqlite3.connect(filled_store.path) as raw:
        raw.execute("UPDATE customers SET tags = 'oops', churn_reasons = '{}' WHERE id = 'C001'")
    cards = filled_store.lookup_phone("+8613800138000")
    assert [c.customer_id for c in cards] == ["C001"]
    assert cards[0].tags == () and cards[0].churn_reasons == ()
    assert "unreadable list column for customer C001" in caplog.text
