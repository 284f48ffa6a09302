"""A damaged cache file: finding it at start, and rebuilding it without losing unsent work.

`check(path)` runs before the desktop opens its cache (desktop/desks/cache_health.py):
- the header says SQLite and the file is as long as the header's page count (a truncated
  copy, a half-written restore, a file that is not a database);
- the cache opens and migrates, its outbox reads, and its unsent work is reconciled with the
  copy in the unsent file (desktop/cache/unsent.py);
- `PRAGMA quick_check` (every page's structure) when the file is small enough for it to be quick
  (QUICK_CHECK_MAX_BYTES) or when a run before saw SQLite report damage (the `.damaged` marker
  CacheOps leaves): on a large cache it reads every page, seconds at every start otherwise.

`rebuild(path)` deletes the damaged file and its -wal/-shm, creates an empty cache and puts the
unsent work back (the outbox and conflicts, and each pending record so the agent still sees it);
the desktop's first pull then refills the replica and the background push sends the work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from desktop.cache import cipher, unsent
from desktop.private_files import sqlite_files, write_private_bytes

log = logging.getLogger(__name__)

QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
_HEADER = b"SQLite format 3\x00"
_DAMAGE_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)
_DAMAGE_WORDS = ("malformed", "not a database", "disk image", "short read")


def is_damage(exc: BaseException) -> bool:
    """True for SQLite's "the file is broken" errors (not for locked, full disk, permissions)."""
    seen: BaseException | None = exc
    while seen is not None:
        orig = getattr(seen, "orig", None)  # SQLAlchemy wraps the driver's error
        for candidate in (seen, orig):
            if isinstance(candidate, cipher.database_errors()):
                code = getattr(candidate, "sqlite_errorcode", None)
                if (code is not None and code & 0xFF in _DAMAGE_CODES) or any(
                    word in str(candidate).lower() for word in _DAMAGE_WORDS
                ):
                    return True
        seen = seen.__cause__ or seen.__context__
    return False


def marker_path(cache_path: Path | str) -> Path:
    cache_path = Path(cache_path)
    return cache_path.with_name(cache_path.name + ".damaged")


def mark_damaged(cache_path: Path | str, detail: str) -> None:
    """Remember that SQLite reported damage: the next start checks every page."""
    try:
        write_private_bytes(marker_path(cache_path), detail.encode("utf-8", "replace")[:2000])
    except OSError as exc:
        log.warning("cannot write %s: %s", marker_path(cache_path), exc)


def _header_problem(path: Path) -> str | None:
    size = path.stat().st_size
    if size == 0:
        return None  # created empty (0600) before SQLite's first write
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(_HEADER):
        if cipher.dbapi() is not None and cipher.stored_key() is not None:
            return None  # encrypted: opening it with the key tells
        return "file is not a database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    if counter_valid and page_count and size < page_size * page_count:
        return f"truncated: {size} of {page_size * page_count} bytes"
    return None


def check(cache_path: Path | str) -> str | None:
    """None when the cache is usable (missing counts as usable: it is created), else what is
    wrong. Reconciles the unsent-work copy on a healthy cache. Raises sqlite3.Error for trouble
    that is not damage (a locked file, a full disk)."""
    from desktop.cache.store import CacheStore

    path = Path(cache_path)
    if not path.exists():
        return None
    try:
        problem = _header_problem(path)
        if problem is not None:
            return problem
        thorough = path.stat().st_size <= QUICK_CHECK_MAX_BYTES or marker_path(path).exists()
        with CacheStore(path) as store:
            store.outbox_count()
            if thorough:
                result = store.quick_check()
                if result != "ok":
                    return result
            store.reconcile_unsent()
    except Exception as exc:
        if is_damage(exc):
            log.error("cache %s is damaged: %s", path, exc)
            return str(getattr(exc, "orig", None) or exc)
        raise
    marker_path(path).unlink(missing_ok=True)
    return None


@dataclass(frozen=True, slots=True)
class RebuildReport:
    outbox: int  # unsent writes put back
    conflicts: int
    records: int  # pending records stored again so the agent sees them


def rebuild(cache_path: Path | str) -> RebuildReport:
    """Replace a damaged cache by an empty one holding its unsent work (see the module doc)."""
    from desktop.cache.store import CacheStore

    path = Path(cache_path)
    work = unsent.salvage(path)
    for part in sqlite_files(path):
        part.unlink(missing_ok=True)
    with CacheStore(path) as store:
        records = store.restore_unsent(work)
    marker_path(path).unlink(missing_ok=True)
    report = RebuildReport(len(work.outbox), len(work.conflicts), records)
    log.warning("cache %s rebuilt after damage; unsent work put back: %s", path, report)
    return report
