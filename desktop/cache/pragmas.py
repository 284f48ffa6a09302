"""Connection settings every cache connection gets (UI thread, worker thread, migrations)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import platformdirs

from desktop.cache import grams

APP_NAME = "CallDesk"
BUSY_TIMEOUT_MS = 5000


def default_cache_path() -> Path:
    """`<user data dir>/CallDesk/cache.sqlite3` (e.g. %LOCALAPPDATA%\\CallDesk on Windows)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "cache.sqlite3"


def apply_pragmas(connection: sqlite3.Connection) -> None:
    """WAL so the UI reads while the worker writes; NORMAL sync is durable at WAL checkpoints
    and loses at most the last transactions on power loss, never corrupts."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()
    grams.register(connection)  # the name index's SQL folds names with it
