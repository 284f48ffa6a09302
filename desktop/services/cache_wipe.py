"""Wipe on logout for shared PCs (issue #17, Settings.wipe_cache_on_logout): signing out
deletes the local cache, its -wal/-shm, the unsent-work file, the damage marker, the stored
wrap-up deadline, the attachments folder and the encrypted cache's key, so the next person at
the PC finds no customer data. Never while unsent work exists: those writes would be lost (WipeRefused)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from desktop.cache import cipher
from desktop.cache.damage import marker_path
from desktop.cache.unsent import unsent_path
from desktop.private_files import sqlite_files
from desktop.services.attachments import attachments_folder
from desktop.services.wrapup_state import WrapupStateFile

log = logging.getLogger(__name__)


class WipeRefused(Exception):
    """Unsent writes exist (`pending`): nothing was deleted."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"{pending} unsent changes")
        self.pending = pending


@dataclass(frozen=True, slots=True)
class WipeResult:
    deleted: tuple[Path, ...]
    failed: tuple[str, ...]  # "path: error" for what could not be deleted (a file held open)


def pending_writes(cache_path: Path) -> int:
    """Outbox rows in the unsent-work file, or in the cache itself when that file is missing.
    An unreadable count is treated as work (never wipe what cannot be checked)."""
    for path, table in ((unsent_path(cache_path), "kept_outbox"), (cache_path, "outbox")):
        if not path.exists():
            continue
        try:
            conn = cipher.connect(path, read_only=True)
            try:
                return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            finally:
                conn.close()
        except cipher.errors() as exc:
            log.warning("wipe: cannot count unsent writes in %s: %s", path, exc)
            return 1
    return 0


def wipe_cache(cache_path: Path | str) -> WipeResult:
    """Delete every local file with customer data (the caller has closed the cache first)."""
    cache_path = Path(cache_path)
    pending = pending_writes(cache_path)
    if pending:
        log.info("wipe: refused, %d unsent writes in %s", pending, cache_path)
        raise WipeRefused(pending)
    targets = [
        *sqlite_files(cache_path),
        *sqlite_files(unsent_path(cache_path)),
        marker_path(cache_path),
        WrapupStateFile.beside(cache_path).path,
    ]
    deleted: list[Path] = []
    failed: list[str] = []
    for target in targets:
        try:
            if target.exists():
                target.unlink()
                deleted.append(target)
        except OSError as exc:
            failed.append(f"{target}: {exc}")
    folder = attachments_folder(cache_path)
    if folder.exists():
        try:
            shutil.rmtree(folder)
            deleted.append(folder)
        except OSError as exc:
            failed.append(f"{folder}: {exc}")
    if not failed:
        cipher.forget_key()
    log.info("wipe: deleted %d local files of %s; %d failed", len(deleted), cache_path, len(failed))
    return WipeResult(tuple(deleted), tuple(failed))
