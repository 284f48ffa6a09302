"""The bulk-load side of the cache on real files: the search indexes a bootstrap defers and builds
once (desktop/cache/search_index.py) -- what search answers meanwhile, and that the build gives
what row-by-row writes give -- its connection settings, and multi-row statements."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cache_builders import customer, sample_page, upsert
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cache import search_index
from desktop.cache.statements import write_rows
from desktop.cache.store import BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES, CacheStore


def _grams(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT gram, customer_id FROM name_grams ORDER BY 1, 2").fetchall()


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_a_deferred_build_gives_the_pieces_and_indexes_of_row_by_row_writes(tmp_path: Path) -> None:
    row_by_row, deferred = tmp_path / "row.sqlite3", tmp_path / "deferred.sqlite3"
    extra = [
        upsert(20, "customer", customer("C0042", "Anna  王王", [])),  # a repeated character, 2 spaces
        upsert(21, "customer", customer("C0043", "Émile Zola", [])),
    ]
    with CacheStore(row_by_row) as store:
        store.apply_changes([*sample_page(), *extra], next_since=21)
        assert store.search_index_ready()
    with CacheStore(deferred) as store:
        store.begin_bootstrap({"bootstrap_phase": "pop"})
        assert not store.search_index_ready()
        assert not set(search_index.DEFERRED_INDEXES) & _indexes(deferred)
        assert "ix_phones_e164" in _indexes(deferred)  # pops keep their index
        store.apply_bootstrap_page([*sample_page(), *extra], {"bootstrap_cursor": "21"})
        assert _grams(deferred) == []  # cut at the end, not row by row
        assert store.build_search_index() is True
        assert store.build_search_index() is False  # nothing missing any more
        assert store.search_index_ready()
    assert _grams(deferred) == _grams(row_by_row)
    assert ("王", "C0042") in _grams(deferred) and ("na", "C0042") in _grams(deferred)
    assert _indexes(deferred) == _indexes(row_by_row)


def test_search_answers_exact_matches_only_while_the_indexes_are_missing(store: CacheStore) -> None:
    store.begin_bootstrap({"bootstrap_phase": "pop"})
    store.apply_bootstrap_page(sample_page(), {"bootstrap_cursor": "12"})
    assert [c.customer_id for c in store.search("C002")] == ["C002"]  # customer id
    assert [c.customer_id for c in store.search("+86 138 0013 8000")] == ["C001"]  # phone
    assert [c.customer_id for c in store.search("SO20260401004")] == ["C003"]  # order number
    assert store.search("张三") == [] and store.search("zs") == [] and store.search("5678") == []
    assert [c.customer_id for c in store.lookup_phone("+8613800138000")] == ["C001"]  # pops work
    store.build_search_index()
    assert [c.customer_id for c in store.search("张三")] == ["C001"]
    assert [c.customer_id for c in store.search("zs")] == ["C001"]
    assert [c.customer_id for c in store.search("小明")] == ["C003"]
    assert sorted(c.customer_id for c in store.search("5678")) == ["C001", "C002", "C003"]


def test_writes_during_a_deferred_bootstrap_are_in_the_built_index(store: CacheStore) -> None:
    """A customer stored from an online lookup while the bootstrap loads is found afterwards."""
    store.begin_bootstrap({"bootstrap_phase": "pop"})
    store.apply_bootstrap_page(sample_page(), {"bootstrap_cursor": "12"})
    store.apply_changes([upsert(30, "customer", customer("C0077", "赵六一", []))], next_since=30)
    store.build_search_index()
    assert [c.customer_id for c in store.search("六一")] == ["C0077"]


def test_bulk_load_settings_are_set_and_given_back(store: CacheStore) -> None:
    def pragma(name: str) -> int:
        return int(store._conn.execute(f"PRAGMA {name}").fetchone()[0])

    before = (pragma("cache_size"), pragma("wal_autocheckpoint"))
    store.bulk_load(True)
    assert pragma("cache_size") == -BULK_CACHE_KIB
    assert pragma("wal_autocheckpoint") == BULK_CHECKPOINT_PAGES
    store.bulk_load(False)
    assert (pragma("cache_size"), pragma("wal_autocheckpoint")) == before


@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 50), st.one_of(st.none(), st.text(max_size=4)), st.integers(-(2**63), 2**63 - 1)
        ),
        max_size=700,
    )
)
@settings(max_examples=40, deadline=None)
def test_rows_written_in_multi_row_statements_equal_executemany(rows: list[tuple]) -> None:
    """Same rows, same order, same upsert outcome (a later row with the same key wins) as one
    statement per row, across the per-statement split (999 variables / 3 columns = 333 rows)."""
    sql = (
        "INSERT INTO t (k, v, n) VALUES (?, ?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = excluded.n"
    )
    one, many = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn in (one, many):
        conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, n INTEGER)")
    one.executemany(sql, rows)
    write_rows(many, sql, rows)
    query = "SELECT k, v, n FROM t ORDER BY k"
    assert many.execute(query).fetchall() == one.execute(query).fetchall()
