"""The agent's unsent work kept where a broken cache cannot take it (issue #17).

`<cache>.unsent.sqlite3` beside the cache holds a copy of the outbox and of the conflict list:
every connection of a CacheStore ATTACHes it and TEMP triggers on `outbox` and `conflicts` copy
each insert, update and delete into `kept_outbox` / `kept_conflicts` in the same transaction.
The cache's own code is unchanged: it still writes a record and its outbox row in ONE
transaction of the cache file (the source of truth while the file is healthy).

With the cache in WAL mode a transaction over two files is atomic per file only: a crash
between the two commits can leave one row inserted or deleted in the cache and not in the copy.
`reconcile` (every start) makes both the union, the copy's content winning where both hold a row
(a bit flipped in the cache cannot reach the server): a row only in the cache is kept (its
insert was not copied yet), a row only in the copy is queued again (its delete was not copied;
the server answers a replayed client_id with its stored result, so nothing is applied twice).

Its schema has its own numbered steps (`PRAGMA user_version`), not the cache's Alembic chain:
it must be readable when the cache's migrations cannot run.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.cache import cipher, replica, rows
from desktop.cache.statements import Transaction
from desktop.private_files import prepare_private_sqlite

log = logging.getLogger(__name__)

SCHEMA = "unsent"
OUTBOX_COLUMNS = (
    "id",
    "entity",
    "entity_id",
    "op",
    "payload",
    "base_version",
    "created_at",
    "attempts",
    "last_error",
    "base_payload",
)
CONFLICT_COLUMNS = (
    "id",
    "outbox_id",
    "entity",
    "entity_id",
    "local_payload",
    "server_payload",
    "reason",
    "created_at",
    "resolved_at",
)
# (cache table, copy table, columns)
_KEPT = (("outbox", "kept_outbox", OUTBOX_COLUMNS), ("conflicts", "kept_conflicts", CONFLICT_COLUMNS))

_STEPS: tuple[str, ...] = (
    # 1: the copies of the cache's outbox and conflicts tables (cache migrations 0001 + 0003)
    """
    CREATE TABLE IF NOT EXISTS {s}.kept_outbox (
        id TEXT PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL, op TEXT NOT NULL,
        payload TEXT NOT NULL, base_version INTEGER, created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL, last_error TEXT, base_payload TEXT);
    CREATE TABLE IF NOT EXISTS {s}.kept_conflicts (
        id INTEGER PRIMARY KEY, outbox_id TEXT NOT NULL, entity TEXT NOT NULL,
        entity_id TEXT NOT NULL, local_payload TEXT NOT NULL, server_payload TEXT,
        reason TEXT NOT NULL, created_at TEXT NOT NULL, resolved_at TEXT);
    """,
)
VERSION = len(_STEPS)


def unsent_path(cache_path: Path | str) -> Path:
    cache_path = Path(cache_path)
    return cache_path.with_name(f"{cache_path.stem}.unsent.sqlite3")


def migrate(conn: sqlite3.Connection, schema: str = "main") -> None:
    """Bring the unsent file's schema (attached as `schema`) to VERSION."""
    current = int(conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0])
    if current > VERSION:
        raise sqlite3.DatabaseError(
            f"unsent-work file schema {current} is newer than this CallDesk ({VERSION})"
        )
    for number in range(current, VERSION):
        conn.executescript(
            "BEGIN;"
            + _STEPS[number].format(s=schema)
            + f"PRAGMA {schema}.user_version = {number + 1};COMMIT;"
        )


def _trigger_sql(table: str, kept: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join(columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    copy = f"INSERT OR REPLACE INTO {kept} ({cols}) VALUES ({new});"
    return (
        f"CREATE TEMP TRIGGER IF NOT EXISTS keep_{table}_insert AFTER INSERT ON main.{table}"
        f" BEGIN {copy} END;"
        f"CREATE TEMP TRIGGER IF NOT EXISTS keep_{table}_update AFTER UPDATE ON main.{table} BEGIN"
        f" DELETE FROM {kept} WHERE id = OLD.id; {copy} END;"
        f"CREATE TEMP TRIGGER IF NOT EXISTS keep_{table}_delete AFTER DELETE ON main.{table} BEGIN"
        f" DELETE FROM {kept} WHERE id = OLD.id; END;"
    )


def attach(conn: sqlite3.Connection, cache_path: Path | str) -> Path:
    """ATTACH the unsent file (created 0600 if missing) to a cache connection and install the
    copying triggers. The connection must be in autocommit (no open transaction)."""
    path = prepare_private_sqlite(unsent_path(cache_path))
    key = cipher.attach_key(conn, path)
    if key is None:
        conn.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (str(path),))
    else:  # SQLCipher: the file's own key ('' for a plain one)
        conn.execute(f"ATTACH DATABASE ? AS {SCHEMA} KEY ?", (str(path), key))
    conn.execute(f"PRAGMA {SCHEMA}.journal_mode=WAL")
    conn.execute(f"PRAGMA {SCHEMA}.synchronous=NORMAL")
    migrate(conn, SCHEMA)
    for table, kept, columns in _KEPT:
        conn.executescript(_trigger_sql(table, kept, columns))
    return path


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    copied: int  # rows only in the cache, copied to the unsent file
    restored: int  # rows only in the unsent file, queued again in the cache
    corrected: int  # rows whose cache copy differed from the unsent file's

    @property
    def changed(self) -> bool:
        return bool(self.copied or self.restored or self.corrected)


def reconcile(conn: sqlite3.Connection) -> ReconcileReport:
    """Make the cache's outbox/conflicts and the unsent file's copy the same (see the module
    doc), in ONE transaction over both files."""
    copied = restored = corrected = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table, kept, columns in _KEPT:
            cols = ", ".join(columns)
            same = " AND ".join(f"k.{c} IS m.{c}" for c in columns)
            differs = f"FROM {kept} k WHERE k.id = m.id AND NOT ({same})"
            corrected += conn.execute(
                f"SELECT count(*) FROM main.{table} m WHERE EXISTS (SELECT 1 {differs})"
            ).fetchone()[0]
            # the copy wins where both hold the row (the update trigger copies the same values back)
            conn.execute(
                f"UPDATE main.{table} AS m SET ({cols}) = ({', '.join(f'k.{c}' for c in columns)}) {differs}"
            )
            restored += conn.execute(
                f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM {kept}"
                f" WHERE id NOT IN (SELECT id FROM main.{table})"
            ).rowcount
            copied += conn.execute(
                f"INSERT INTO {kept} ({cols}) SELECT {cols} FROM main.{table}"
                f" WHERE id NOT IN (SELECT id FROM {kept})"
            ).rowcount
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    report = ReconcileReport(copied, restored, corrected)
    if report.changed:
        log.warning("unsent work: cache and its copy differed; reconciled %s", report)
    return report


@dataclass(frozen=True, slots=True)
class KeptWork:
    """Rows read out of the unsent file (and of a damaged cache, where readable)."""

    outbox: list[tuple]
    conflicts: list[tuple]


def _read(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> list[tuple]:
    return conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()


def salvage(cache_path: Path | str) -> KeptWork:
    """The unsent work of a cache that cannot be opened: the unsent file's rows, plus rows of the
    damaged cache's own outbox/conflicts that can still be read and are not in the copy (an
    insert whose copy a crash lost). Never raises for the damaged cache."""
    outbox: dict[str, tuple] = {}
    conflicts: dict[object, tuple] = {}
    kept = unsent_path(cache_path)
    if kept.exists():
        conn = cipher.connect(kept)
        try:
            migrate(conn)
            outbox.update((row[0], row) for row in _read(conn, "kept_outbox", OUTBOX_COLUMNS))
            conflicts.update((row[0], row) for row in _read(conn, "kept_conflicts", CONFLICT_COLUMNS))
        finally:
            conn.close()
    try:
        conn = cipher.connect(cache_path, read_only=True)
        try:
            for row in _read(conn, "outbox", OUTBOX_COLUMNS):
                outbox.setdefault(row[0], row)
            for row in _read(conn, "conflicts", CONFLICT_COLUMNS):
                conflicts.setdefault(row[0], row)
        finally:
            conn.close()
    except (*cipher.errors(), ValueError) as exc:  # type: ignore[misc]  # ValueError: NUL bytes in a damaged text cell
        log.warning("unsent work: the damaged cache's own outbox cannot be read (%s); the copy is used", exc)
    return KeptWork(sorted(outbox.values(), key=lambda r: (r[6], r[0])), list(conflicts.values()))


def _marks(columns: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in columns)


def restore(conn: sqlite3.Connection, work: KeptWork) -> int:
    """Put salvaged work into an empty cache in ONE transaction (the triggers copy it to the
    unsent file again); each pending record is stored too, so the agent still sees it. Returns
    the records stored."""
    records = 0
    with Transaction(conn):
        conn.executemany(
            f"INSERT OR REPLACE INTO main.outbox ({', '.join(OUTBOX_COLUMNS)})"
            f" VALUES ({_marks(OUTBOX_COLUMNS)})",
            work.outbox,
        )
        conn.executemany(
            f"INSERT OR REPLACE INTO main.conflicts ({', '.join(CONFLICT_COLUMNS)})"
            f" VALUES ({_marks(CONFLICT_COLUMNS)})",
            work.conflicts,
        )
        latest = {(row[1], row[2]): row for row in work.outbox}  # oldest first: the last one wins
        for (entity, entity_id), row in latest.items():
            try:
                record = json.loads(row[4])
                if not isinstance(record, dict) or not record.get("id"):
                    raise ValueError("not a record")
                replica.store_record(conn, entity, record, row[3], None)
            except (ValueError, rows.BadRecord) as exc:  # the outbox row still goes to the server
                log.warning("unsent work: pending %s %s not shown locally: %s", entity, entity_id, exc)
                continue
            records += 1
    return records
