"""The cache's side of a bootstrap (docs/sync-protocol.md "Bootstrap"): its state in
sync_state, the search indexes it drops and builds once, and the connection settings of a
bulk load. Its pages are applied by desktop/cache/changes.py."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from desktop.cache import search_index
from desktop.cache.statements import Transaction, set_state

BULK_CACHE_KIB = 64 * 1024  # PRAGMA cache_size of a bootstrap (CacheStore.bulk_load)
BULK_CHECKPOINT_PAGES = 16384  # PRAGMA wal_autocheckpoint of a bootstrap: 64 MB of 4 KiB pages


class PragmaDefaults(NamedTuple):
    """The connection's settings before a bulk load, restored when it ends."""

    cache_size: int
    wal_autocheckpoint: int

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> PragmaDefaults:
        return cls(
            int(conn.execute("PRAGMA cache_size").fetchone()[0]),
            int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]),
        )


def begin_bootstrap(conn: sqlite3.Connection, state: dict[str, str]) -> None:
    """Store a new bootstrap's state and drop the search indexes it builds once its pop-index
    pages are in (desktop/cache/search_index.py), in ONE transaction."""
    with Transaction(conn):
        search_index.defer(conn)
        for key, value in state.items():
            set_state(conn, key, value)


def bootstrap_state(conn: sqlite3.Connection) -> dict[str, str]:
    """Every sync_state key starting with `bootstrap_` (empty: no bootstrap begun)."""
    return dict(conn.execute("SELECT key, value FROM sync_state WHERE key LIKE 'bootstrap\\_%' ESCAPE '\\'"))


def build_search_index(conn: sqlite3.Connection) -> bool:
    """Build the deferred search indexes in ONE transaction; False if nothing was missing."""
    if not search_index.is_deferred(conn):
        return False
    with Transaction(conn):
        search_index.build(conn)
    return True


def bulk_load(conn: sqlite3.Connection, enabled: bool, defaults: PragmaDefaults) -> None:
    """Settings for a bootstrap, back to `defaults` when it ends:
    - a page cache big enough for the pop index's working set (the customers and the
      random-order phone index), so pages stay in memory instead of a round trip through
      the operating system at every insert;
    - a checkpoint every 64 MB of write-ahead log instead of every 4 MB: each one copies
      and fsyncs, and the b-tree pages a page of customers touches were mostly touched by
      the pages before it (durability is unchanged: commits never fsync in WAL + NORMAL);
    - SQLite's sorter may use a second thread for the search index build."""
    if enabled:
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        conn.execute("PRAGMA threads = 2")
    else:
        conn.execute(f"PRAGMA cache_size = {defaults.cache_size}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {defaults.wal_autocheckpoint}")
        conn.execute("PRAGMA threads = 0")
        conn.execute("PRAGMA shrink_memory")
