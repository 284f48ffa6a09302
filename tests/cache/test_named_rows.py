"""The named rows of desktop/cache/rows.py are the cache tables' columns, in order: the store
binds them to its INSERTs as they are, so a field out of step with the migrated table would
write a value into the wrong column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.cache import rows
from desktop.cache.migrate import upgrade
from desktop.cache.tables import DETAIL_TABLES


def _columns(path: Path, table: str) -> tuple[str, ...]:
    with sqlite3.connect(path) as conn:
        return tuple(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "cache.sqlite3"
    upgrade(path)
    return path


def test_customer_and_phone_rows_are_their_tables_columns(migrated: Path) -> None:
    # detail_fetched_at is the store's own bookkeeping; a phone's id is the table's rowid
    assert _columns(migrated, "customers") == (*rows.CustomerRow._fields, "detail_fetched_at")
    assert _columns(migrated, "phones") == ("id", *rows.PhoneRow._fields)


@pytest.mark.parametrize("entity", sorted(DETAIL_TABLES))
def test_detail_rows_are_their_tables_columns(migrated: Path, entity: str) -> None:
    table = DETAIL_TABLES[entity]
    assert _columns(migrated, table.table) == table.columns


def test_rows_are_built_with_their_field_names() -> None:
    built = rows.customer_rows(
        {
            "id": "C1",
            "name": "张三",
            "phones": [{"e164": "13800138000"}],
            "points_balance": 12,
            "tags": ["vip"],
            "version": 3,
        }
    )
    assert (built.customer.id, built.customer.name_initials, built.customer.name_pinyin) == (
        "C1",
        "zs",
        "zhangsan",
    )
    assert (built.customer.points_balance, built.customer.tags, built.customer.version) == (12, '["vip"]', 3)
    assert built.phones == [rows.PhoneRow("C1", "+8613800138000", "0008310083168", "mobile", "", None)]
    order = rows.order_row(
        {
            "id": "O1",
            "customer_id": "C1",
            "order_no": "N1",
            "placed_at": "2026-11-23T08:00:00Z",
            "status": "paid",
            "amount_fen": 990,
        }
    )
    assert (order.order_no, order.placed_at, order.amount_fen, order.version) == (
        "N1",
        "2026-11-23T08:00:00.000000Z",
        990,
        1,
    )
