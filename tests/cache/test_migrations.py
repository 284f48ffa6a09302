"""The cache schema comes from Alembic migrations, and the file runs in WAL mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from desktop.cache import default_cache_path
from desktop.cache.migrate import current_revision, downgrade, upgrade
from desktop.cache.schema import Base
from desktop.cache.store import CacheStore

EXPECTED_TABLES = {
    "customers",
    "name_grams",
    "phones",
    "orders",
    "points_entries",
    "service_records",
    "marketing_touches",
    "sync_state",
    "outbox",
    "conflicts",
    "agent_intervals",
    "call_log",
    "missed_calls",
}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_upgrade_from_empty_creates_every_table_at_head(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite3"
    upgrade(path)
    assert _tables(path) >= EXPECTED_TABLES
    assert current_revision(path) == "0007_security17b_masked_phones"


def test_migrated_schema_matches_the_orm_models(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    upgrade(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diffs == []


def test_downgrade_to_base_then_upgrade_again(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    upgrade(path)
    downgrade(path, "base")
    assert _tables(path) & EXPECTED_TABLES == set()
    assert current_revision(path) is None
    upgrade(path)
    assert _tables(path) >= EXPECTED_TABLES


def test_upgrade_twice_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with CacheStore(path) as store:
        store.apply_changes([], next_since=41)
    upgrade(path)
    with CacheStore(path) as store:
        assert store.last_seq() == 41


def test_store_connection_is_wal_with_foreign_keys_and_normal_sync(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with CacheStore(path) as store:
        conn = store._conn
        assert store.journal_mode() == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    # WAL is a property of the file: a plain connection sees it too.
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_cache_path_is_in_the_user_data_dir() -> None:
    path = default_cache_path()
    assert path.name == "cache.sqlite3"
    assert path.parent.name == "CallDesk"


def test_upgrade_from_0001_backfills_the_name_index(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    upgrade(path, "0001")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO customers (id, name, name_initials, name_pinyin, tier, membership_level,"
            " points_balance, churn_risk, churn_reasons, tags, version, data)"
            " VALUES ('C1', '王小明', 'wxm', 'wangxiaoming', 'ordinary', '', 0, 0, '[]', '[]', 1,"
            ' \'{"id": "C1", "name": "王小明"}\')'
        )
    upgrade(path)
    with CacheStore(path) as store:
        assert [c.customer_id for c in store.search("小明")] == ["C1"]
        assert [c.customer_id for c in store.search("明")] == ["C1"]
    downgrade(path, "0001")
    assert "name_grams" not in _tables(path)


def test_upgrade_to_0004_keeps_customers_and_pinyin_search_reads_its_page_from_the_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite3"
    upgrade(path, "0003")
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO customers (id, name, name_initials, name_pinyin, tier, membership_level,"
            " points_balance, churn_risk, churn_reasons, tags, version, data)"
            " VALUES (?, ?, ?, ?, 'ordinary', '', 0, 0, '[]', '[]', 1, ?)",
            [
                (f"C{i}", name, initials, pinyin, f'{{"id": "C{i}", "name": "{name}"}}')
                for i, (name, initials, pinyin) in enumerate(
                    [("孙燕", "sy", "sunyan"), ("宋扬", "sy", "songyang"), ("沈阳", "sy", "shenyang")]
                )
            ],
        )
    upgrade(path)
    assert current_revision(path) == "0007_security17b_masked_phones"
    with CacheStore(path) as store:
        assert [c.name for c in store.search("sy")] == sorted(["孙燕", "宋扬", "沈阳"])
    with sqlite3.connect(path) as conn:
        plan = " ".join(
            row[3]
            for row in conn.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM customers WHERE name_initials >= 'sy'"
                " AND name_initials < 'sy\x7f' ORDER BY name_initials, name LIMIT 20"
            )
        )
    assert "ix_customers_initials_name" in plan and "TEMP B-TREE" not in plan
