"""Migrations, database URLs and the SQLite connection settings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from central.db import DatabaseUrlError, make_engine, parse_db_url
from central.migrate import current_revision, head_revision, table_names, upgrade
from central.tables import metadata


def test_upgrade_creates_the_schema_of_tables_py_and_is_idempotent(central_db_url):
    assert upgrade(central_db_url) == head_revision()
    assert upgrade(central_db_url) == head_revision()
    engine = make_engine(central_db_url)
    try:
        assert current_revision(engine) == head_revision()
        assert set(metadata.tables) <= table_names(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrade_does_not_depend_on_cwd(central_sqlite_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert upgrade(central_sqlite_url) == head_revision()


def test_sqlite_connections_use_wal_and_foreign_keys(central_sqlite_url):
    upgrade(central_sqlite_url)
    engine = make_engine(central_sqlite_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'change_log'").scalar()
        assert "AUTOINCREMENT" in ddl  # seq numbers are never reused
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sqlite:///central.db", "sqlite"),
        ("sqlite://", "sqlite"),
        ("postgresql://u:p@localhost/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@localhost:5433/db", "postgresql+psycopg"),
    ],
)
def test_good_database_urls(raw, expected):
    assert parse_db_url(raw).drivername == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "central.db",
        "not a url",
        "mysql://u:p@localhost/db",
        "postgresql+psycopg2://u:p@localhost/db",
        "postgresql://u:p@localhost",
        "sqlite:////no/such/folder/x.db",
    ],
)
def test_bad_database_urls_say_what_to_write(raw):
    with pytest.raises(DatabaseUrlError, match=r"sqlite|postgresql|folder|driver"):
        parse_db_url(raw)


def test_engine_json_keeps_chinese_readable(central_sqlite_url):
    upgrade(central_sqlite_url)
    engine = make_engine(central_sqlite_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO customers (id, name, tier, membership_level, points_balance, tags, "
                    "lifetime_value_fen, churn_risk, churn_reasons, city, version) VALUES "
                    "('C1', '张三', 'ordinary', '', 0, '[]', 0, 0, '[]', '', 1)"
                )
            )
            from central.writes import write_records

            write_records(
                conn,
                "order",
                [
                    {
                        "id": "O1",
                        "customer_id": "C1",
                        "order_no": "N1",
                        "placed_at": None,
                        "status": "paid",
                        "amount_fen": 1,
                        "items": [{"sku": "a", "name": "净水器", "qty": 1, "price_fen": 1}],
                    }
                ],
            )
            stored = conn.exec_driver_sql("SELECT data FROM change_log WHERE entity_id = 'O1'").scalar()
        assert "净水器" in stored and " " not in stored.replace("净水器", "")
    finally:
        engine.dispose()
