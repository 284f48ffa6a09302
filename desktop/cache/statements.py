"""SQL helpers every part of the cache store shares: transactions, multi-row statements,
id lists in chunks and the sync_state key/value table. Nothing here knows a record."""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections.abc import Iterable, Sequence, Sized
from typing import Any

CHUNK = 500  # ids per IN (...) list, far below SQLite's variable limit
_MAX_VARIABLES = 999  # bound parameters per statement: SQLite's historic limit, safe on every build


def upsert_sql(table: str, columns: Sequence[str], version_guard: bool) -> str:
    """INSERT of one row of `columns`, updating the row with the same id (only with a version
    not older than the stored one when `version_guard`)."""
    placeholders = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    guard = f" WHERE excluded.version >= {table}.version" if version_guard else ""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates}{guard}"
    )


@functools.lru_cache(maxsize=512)
def _many_rows_sql(sql: str, count: int) -> str:
    """`sql` (one `VALUES (?, ...)` tuple) with `count` tuples."""
    start = sql.index("VALUES (") + len("VALUES ")
    end = sql.index(")", start) + 1
    return sql[:start] + ", ".join([sql[start:end]] * count) + sql[end:]


def write_rows(conn: sqlite3.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """`conn.executemany(sql, rows)` in statements of many rows each (same effect, row order
    kept). Each SQLite step releases the GIL and takes it back; stepped row by row while
    another thread decodes the next page, the worker waited up to a switch interval for every
    row (measured: 80x slower inserts against a busy thread)."""
    if not rows:
        return
    per_statement = max(1, _MAX_VARIABLES // len(rows[0]))
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        conn.execute(_many_rows_sql(sql, len(part)), list(itertools.chain.from_iterable(part)))


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(items: Sized) -> str:
    """`?, ?, ...`: one placeholder per item, for an IN (...) list."""
    return ", ".join("?" for _ in range(len(items)))


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (nothing of it is then written)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")


def get_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_state(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def last_seq(conn: sqlite3.Connection) -> int:
    """The seq of the last applied change (0 for a fresh cache)."""
    value = get_state(conn, "last_seq")
    return int(value) if value and value.isdigit() else 0


def feed_complete(conn: sqlite3.Connection) -> bool:
    return get_state(conn, "feed_complete") == "1"
