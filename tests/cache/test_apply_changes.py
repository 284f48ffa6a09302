"""Applying change-feed pages: upserts, tombstones, idempotence, version order and bad rows."""

from __future__ import annotations

import sqlite3
from typing import Any

from cache_builders import customer, delete, order, sample_page, ts, upsert
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cache.store import CacheStore


def _snapshot(store: CacheStore) -> dict[str, Any]:
    conn = store._conn
    return {
        table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        for table in ("customers", "orders", "points_entries", "service_records", "marketing_touches")
    } | {"phones": sorted(conn.execute("SELECT customer_id, e164 FROM phones").fetchall())}


def test_apply_stores_records_and_since_together(store: CacheStore) -> None:
    report = store.apply_changes_report(sample_page(), next_since=12)
    assert (report.applied, report.skipped, report.last_seq) == (12, 0, 12)
    assert store.last_seq() == 12
    assert store.counts()["customers"] == 3


def test_since_is_next_since_even_when_it_is_beyond_the_last_change(store: CacheStore) -> None:
    store.apply_changes(sample_page(), next_since=40)
    assert store.last_seq() == 40
    store.apply_changes([], next_since=10)  # never goes back
    assert store.last_seq() == 40


def test_reapplying_a_page_is_idempotent(store: CacheStore) -> None:
    store.apply_changes(sample_page())
    first = _snapshot(store)
    store.apply_changes(sample_page())
    assert _snapshot(store) == first


def test_upsert_replaces_the_record_and_its_phones(filled_store: CacheStore) -> None:
    filled_store.apply_changes(
        [upsert(13, "customer", customer("C001", "张三丰", ["+8613811112222"], version=2))]
    )
    assert filled_store.lookup_phone("+8613800138000") == []
    assert [c.customer_id for c in filled_store.lookup_phone("+861012345678")] == ["C002"]
    card = filled_store.lookup_phone("+8613811112222")[0]
    assert (card.customer_id, card.name) == ("C001", "张三丰")
    assert filled_store.search("zsf")[0].customer_id == "C001"


def test_older_version_never_overwrites_newer(filled_store: CacheStore) -> None:
    filled_store.apply_changes(
        [upsert(13, "customer", customer("C003", "王大明", ["+8613912345678"], version=3))]
    )
    filled_store.apply_changes(
        [upsert(14, "customer", customer("C003", "王老明", ["+8613900000000"], version=2))]
    )
    card = filled_store.pop_card("C003")
    assert card is not None and card.name == "王大明"
    assert card.phones == ("+8613912345678",)
    filled_store.apply_changes([upsert(15, "order", order("O4", "C003", "SO-NEW", ts(9), version=5))])
    filled_store.apply_changes([upsert(16, "order", order("O4", "C003", "SO-OLD", ts(9), version=4))])
    assert filled_store.search("SO-NEW")[0].customer_id == "C003"
    assert filled_store.search("SO-OLD") == []


def test_tombstones_delete_records(filled_store: CacheStore) -> None:
    filled_store.apply_changes([delete(13, "order", "O2"), delete(14, "customer", "C002")])
    detail = filled_store.customer_detail("C001")
    assert detail is not None
    assert [o.id for o in detail.orders] == ["O3", "O1"]
    assert filled_store.pop_card("C002") is None
    assert [c.customer_id for c in filled_store.lookup_phone("+861012345678")] == ["C001"]
    assert filled_store.counts()["phones"] == 3  # the deleted customer's phone went with it


def test_deleting_a_customer_drops_its_detail_rows(filled_store: CacheStore) -> None:
    filled_store.apply_changes([delete(13, "customer", "C001")])
    counts = filled_store.counts()
    assert counts["orders"] == 1  # only C003's order is left
    assert counts["points_entries"] == counts["service_records"] == counts["marketing_touches"] == 0


def test_tombstone_for_an_unknown_record_is_a_no_op(filled_store: CacheStore) -> None:
    before = _snapshot(filled_store)
    report = filled_store.apply_changes_report([delete(13, "customer", "C404"), delete(14, "order", "O404")])
    assert report.applied == 2
    assert _snapshot(filled_store) == before
    assert filled_store.last_seq() == 14


def test_last_change_per_record_in_a_page_wins(store: CacheStore) -> None:
    page = [
        upsert(1, "customer", customer("C1", "甲", ["+8613600000001"])),
        delete(2, "customer", "C1"),
        upsert(3, "customer", customer("C2", "乙", ["+8613600000002"])),
        delete(4, "customer", "C2"),
        upsert(5, "customer", customer("C2", "乙", ["+8613600000002"], version=3)),
    ]
    store.apply_changes(page)
    assert store.pop_card("C1") is None
    assert store.pop_card("C2") is not None


BAD_ROWS: list[Any] = [
    None,
    42,
    "text",
    [],
    {},
    {"seq": "7", "entity": "customer", "id": "X1", "op": "upsert", "data": {"id": "X1", "name": "x"}},
    {"seq": True, "entity": "customer", "id": "X1", "op": "upsert", "data": {"id": "X1", "name": "x"}},
    {"seq": 101, "entity": "planet", "id": "X1", "op": "upsert", "data": {"id": "X1"}},
    {"seq": 102, "entity": "customer", "id": "", "op": "upsert", "data": {"id": "", "name": "x"}},
    {"seq": 103, "entity": "customer", "id": "X1", "op": "merge", "data": {"id": "X1", "name": "x"}},
    {"seq": 104, "entity": "customer", "id": "X1", "op": "upsert", "data": None},
    {"seq": 105, "entity": "customer", "id": "X1a", "op": "upsert", "data": {"id": "X1a"}},
    {"seq": 106, "entity": "customer", "id": "X1", "op": "upsert", "data": {"id": "X2", "name": "x"}},
    {"seq": 107, "entity": "customer", "id": "X3", "op": "upsert", "data": {"id": "X3", "name": 5}},
    {
        "seq": 108,
        "entity": "customer",
        "id": "X4",
        "op": "upsert",
        "data": {"id": "X4", "name": "x", "points_balance": "many"},
    },
    {
        "seq": 109,
        "entity": "customer",
        "id": "X5",
        "op": "upsert",
        "data": {"id": "X5", "name": "x", "phones": "13800138000"},
    },
    {
        "seq": 110,
        "entity": "customer",
        "id": "X6",
        "op": "upsert",
        "data": {"id": "X6", "name": "x", "tags": [1, 2]},
    },
    {
        "seq": 111,
        "entity": "customer",
        "id": "X7",
        "op": "upsert",
        "data": {"id": "X7", "name": "x", "churn_risk": float("nan")},
    },
    {"seq": 112, "entity": "order", "id": "O8", "op": "upsert", "data": {"id": "O8", "customer_id": "C001"}},
    {
        "seq": 113,
        "entity": "order",
        "id": "O9",
        "op": "upsert",
        "data": {
            "id": "O9",
            "customer_id": "C001",
            "order_no": "N",
            "placed_at": "yesterday",
            "status": "paid",
            "amount_fen": 1,
        },
    },
    {
        "seq": 114,
        "entity": "points",
        "id": "P9",
        "op": "upsert",
        "data": {"id": "P9", "customer_id": "C001", "ts": None, "kind": "earned", "points": 1.5},
    },
    {
        "seq": 115,
        "entity": "service",
        "id": "S9",
        "op": "upsert",
        "data": {"id": "S9", "customer_id": None, "ts": None, "kind": "ticket", "summary": "x"},
    },
]


def test_bad_rows_are_skipped_counted_and_the_rest_of_the_page_applied(store: CacheStore, caplog) -> None:
    good = sample_page()
    page = [*good[:6], *BAD_ROWS, *good[6:]]
    report = store.apply_changes_report(page)
    assert report.skipped == len(BAD_ROWS)
    assert report.applied == len(good)
    assert store.counts()["customers"] == 3
    assert store.counts()["orders"] == 4
    assert store.last_seq() == 115  # the bad rows' seqs are passed, not fetched forever
    assert "skipped" in caplog.text


def test_unusable_phone_is_dropped_but_the_customer_kept(store: CacheStore) -> None:
    data = customer("C1", "吴十", ["+8613600000001"])
    data["phones"].append({"e164": "not a number", "kind": "mobile", "label": ""})
    report = store.apply_changes_report([upsert(1, "customer", data)])
    assert report.skipped == 0
    assert store.pop_card("C1").phones == ("+8613600000001",)  # type: ignore[union-attr]


def test_a_failed_write_rolls_back_the_whole_page(store: CacheStore) -> None:
    store.apply_changes(sample_page()[:3], next_since=3)
    store._conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON orders BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    try:
        store.apply_changes(sample_page()[3:], next_since=12)
    except sqlite3.Error:
        pass
    else:
        raise AssertionError("the trigger should have failed the page")
    assert store.last_seq() == 3
    assert store.counts()["points_entries"] == 0  # same page, other table: rolled back too


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
change_like = st.fixed_dictionaries(
    {},
    optional={
        "seq": st.integers(min_value=-5, max_value=10_000) | json_values,
        "entity": st.sampled_from(["customer", "order", "points", "service", "marketing"]) | json_values,
        "id": st.text(max_size=8) | json_values,
        "op": st.sampled_from(["upsert", "delete"]) | json_values,
        "version": st.integers() | json_values,
        "data": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(change_like | json_values, max_size=8))
def test_random_junk_never_crashes_and_never_loses_good_rows(store: CacheStore, junk: list[Any]) -> None:
    good = upsert(50_000, "customer", customer("GOOD", "好人", ["+8613600005000"]))
    report = store.apply_changes_report([*junk, good])
    assert report.applied + report.skipped == len(junk) + 1
    assert store.pop_card("GOOD") is not None
    store.apply_changes([delete(50_001, "customer", "GOOD")])


def test_a_streamed_step_goes_in_only_where_the_cache_stands_within_it(filled_store: CacheStore) -> None:
    at = filled_store.last_seq()
    first = upsert(at + 1, "customer", customer("C001", "第一步", ["+8613811110001"], version=5))
    second = upsert(at + 2, "customer", customer("C002", "第二步", ["+8613811110002"], version=5))
    before = _snapshot(filled_store)
    # a gap (the step starts past the cache), a step wholly behind it, a bootstrap's seq 0
    assert filled_store.apply_feed_step(at + 1, [second], at + 2) is None
    assert filled_store.apply_feed_step(at - 3, [first], at) is None
    assert filled_store.apply_feed_step(0, [first], at + 1) is None
    assert _snapshot(filled_store) == before and filled_store.last_seq() == at

    report = filled_store.apply_feed_step(at, [first], at + 1)  # exactly at the cache
    assert report is not None and filled_store.last_seq() == at + 1
    assert filled_store.pop_card("C001").name == "第一步"


def test_a_step_a_pull_already_half_brought_applies_only_what_is_new(filled_store: CacheStore) -> None:
    at = filled_store.last_seq()
    pulled = upsert(at + 1, "customer", customer("C001", "拉取的", ["+8613811110001"], version=5))
    filled_store.apply_changes_report([pulled], next_since=at + 1)  # a pull ran ahead of the notice
    # the step from `at` carries an older write of C001 (a record rewritten since) and a new C002
    stale = upsert(at + 1, "customer", customer("C001", "旧的", ["+8613811110009"], version=9))
    fresh = upsert(at + 2, "customer", customer("C002", "新的", ["+8613811110002"], version=5))
    report = filled_store.apply_feed_step(at, [stale, fresh, "junk"], at + 2)
    assert report is not None and report.applied == 1
    assert filled_store.last_seq() == at + 2
    assert filled_store.pop_card("C001").name == "拉取的"  # seq at+1 was already in: not applied again
    assert filled_store.pop_card("C002").name == "新的"
