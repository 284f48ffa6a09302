"""Files only their owner may read: the cache and its -wal/-shm, the unsent-work file, logs,
attachments, the support bundle and the settings file (issue #17, docs/security.md "Cache at rest").

POSIX: files are created 0600 and folders CallDesk creates 0700 whatever the umask (the mode is
set on the open descriptor, not left to the umask); a file found looser (made by an older
version) is tightened when CallDesk opens it. Windows: the files live in the user's profile
(%LOCALAPPDATA%, %APPDATA%), whose ACL already grants only the user, SYSTEM and administrators;
POSIX modes mean nothing there, so these helpers only create the files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
POSIX = os.name == "posix"


def private_opener(path: str, flags: int) -> int:
    """An `opener` for open(): a new file gets 0600 regardless of the umask."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    if POSIX:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    return fd


def open_private(path: Path | str, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """open(path, mode) for writing a private file (see private_opener)."""
    return open(path, mode, opener=private_opener, **kwargs)


def write_private_bytes(path: Path | str, data: bytes) -> None:
    with open_private(path, "wb") as handle:
        handle.write(data)


def write_private_text(path: Path | str, text: str) -> None:
    with open_private(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def private_dir(path: Path | str) -> Path:
    """mkdir -p; the folders made here (not ones that existed, e.g. /tmp) become 0700."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    if POSIX:
        for made in missing:
            try:
                os.chmod(made, PRIVATE_DIR_MODE)
            except OSError as exc:  # made by someone else meanwhile: not ours to change
                log.debug("cannot make %s private: %s", made, exc)
    return path


def tighten(paths: Iterable[Path | str]) -> None:
    """Make existing files 0600 (POSIX); missing ones are skipped, failures logged."""
    if not POSIX:
        return
    for path in paths:
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("cannot check the mode of %s: %s", path, exc)
            continue
        if mode != PRIVATE_FILE_MODE:
            try:
                os.chmod(path, PRIVATE_FILE_MODE)
                log.info("%s was readable by others (mode %o); now 0600", path, mode)
            except OSError as exc:
                log.warning("%s is readable by others (mode %o) and cannot be changed: %s", path, mode, exc)


def sqlite_files(db_path: Path | str) -> tuple[Path, Path, Path]:
    """The database file and the -wal and -shm files SQLite keeps beside it."""
    db_path = Path(db_path)
    return db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")


def prepare_private_sqlite(db_path: Path | str) -> Path:
    """Before SQLite opens `db_path`: create it empty with 0600 if missing and tighten it and its
    -wal/-shm. SQLite gives the -wal and -shm it creates the database file's own mode."""
    db_path = Path(db_path)
    private_dir(db_path.parent)
    try:
        fd = os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        pass
    else:
        if POSIX:
            os.fchmod(fd, PRIVATE_FILE_MODE)
        os.close(fd)
    tighten(sqlite_files(db_path))
    return db_path
