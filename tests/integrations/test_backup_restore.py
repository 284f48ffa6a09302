"""Backup and restore drills: every row and the change feed come back, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fixtures_central import _pg_base_url

from central.backup import BackupError, backup, restore
from central.db import make_engine, parse_db_url
from central.feed_epoch import feed_epoch
from central.seed import seed_database
from central.server import start_in_thread
from central.tables import metadata


def _snapshot(db_url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (server_meta apart: the epoch changes)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(tuple(map(str, row)) for row in conn.execute(sa.select(table)))
                for table in metadata.sorted_tables
                if table.name != "server_meta"
            }
    finally:
        engine.dispose()


def _epoch(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            return feed_epoch(conn)
    finally:
        engine.dispose()


def _drill(source: str, target: str, out: Path) -> None:
    seed_database(source, 40, 5)
    epoch_before = _epoch(source)
    written = backup(source, out)
    assert written.bytes > 0 and written.revision
    restored = restore(target, out)
    assert restored.revision == written.revision
    source_rows, target_rows = _snapshot(source), _snapshot(target)
    assert source_rows["change_log"] and source_rows["customers"]
    assert target_rows == source_rows
    assert _epoch(target) != epoch_before  # desktops filled before the restore must rebuild


def test_sqlite_drill(tmp_path: Path) -> None:
    _drill(
        f"sqlite:///{tmp_path / 'live.db'}", f"sqlite:///{tmp_path / 'restored.db'}", tmp_path / "b.sqlite3"
    )


def test_restore_refuses_a_database_that_is_not_empty_and_backup_never_overwrites(tmp_path: Path) -> None:
    live = f"sqlite:///{tmp_path / 'live.db'}"
    seed_database(live, 5, 1)
    out = tmp_path / "b.sqlite3"
    backup(live, out)
    with pytest.raises(BackupError, match="exists already"):
        backup(live, out)
    with pytest.raises(BackupError, match="not empty"):
        restore(live, out)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(out.read_bytes()[:4096] + b"\x00" * 4096)
    with pytest.raises(BackupError):
        restore(f"sqlite:///{tmp_path / 'fresh.db'}", damaged)


@pytest.fixture
def two_pg_databases() -> Iterator[tuple[str, str]]:
    base = parse_db_url(_pg_base_url())
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    names = [f"bk_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield tuple(base.set(database=name).render_as_string(hide_password=False) for name in names)  # type: ignore[misc]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_drill(two_pg_databases: tuple[str, str], tmp_path: Path) -> None:
    source, target = two_pg_databases
    _drill(source, target, tmp_path / "b.dump")


def test_the_feed_tells_desktops_its_epoch_and_a_restore_changes_it(tmp_path: Path) -> None:
    live = f"sqlite:///{tmp_path / 'live.db'}"
    seed_database(live, 5, 1)
    epochs = []
    for db in (live, None):
        if db is None:
            db = f"sqlite:///{tmp_path / 'restored.db'}"
            out = tmp_path / "b.sqlite3"
            command = [sys.executable, "-m", "desktop.cli", "central"]
            done = subprocess.run(
                [*command, "backup", "--db", live, "--out", str(out)], capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
            done = subprocess.run([*command, "restore", "--db", db, str(out)], capture_output=True, text=True)
            assert done.returncode == 0 and "new epoch" in done.stdout, done.stderr
        server = start_in_thread(db)
        try:
            token = httpx.post(
                f"{server.url}/api/v1/auth/token", json={"username": "1001", "password": "demo"}
            ).json()["access_token"]
            page = httpx.get(
                f"{server.url}/api/v1/sync/changes",
                params={"since": 0, "limit": 1},
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            epochs.append(page["epoch"])
        finally:
            server.stop()
    assert all(epochs) and epochs[0] != epochs[1]
