"""Optional encryption of the cache and its unsent-work file with SQLCipher (issue #17).

`pip install calldesk[encrypted]` brings `sqlcipher3` (its wheel carries SQLCipher). The key is
32 random bytes in the OS keyring (service "CallDesk", name "cache-key"), never in a file; it is
given as a raw key (`PRAGMA key = "x'<hex>'"`), so opening a connection costs no key derivation.
Every cache connection comes from `connect` here: a file whose header is SQLite's is plain, any
other non-empty file is opened with the key; a new file is encrypted when the process was
`configure`d so (Settings.encrypt_cache, set by an admin). `convert` migrates both files between
plain and encrypted with `sqlcipher_export`, outbox and conflicts included.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

from desktop.private_files import prepare_private_sqlite, sqlite_files

log = logging.getLogger(__name__)

KEYRING_SERVICE = "CallDesk"
KEY_NAME = "cache-key"
_HEADER = b"SQLite format 3\x00"
_encrypt_new = False


class CipherUnavailable(Exception):
    """Encryption cannot be used here; the message says why and what to do."""


def dbapi() -> ModuleType | None:
    """sqlcipher3's DB-API module, or None when the `encrypted` extra is not installed."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return None
    return dbapi2


def errors() -> tuple[type[Exception], ...]:
    """The exception bases of every driver a cache connection may come from."""
    module = dbapi()
    return (sqlite3.Error,) if module is None else (sqlite3.Error, module.Error)


def database_errors() -> tuple[type[Exception], ...]:
    module = dbapi()
    return (sqlite3.DatabaseError,) if module is None else (sqlite3.DatabaseError, module.DatabaseError)


def configure(encrypt_new: bool) -> None:
    """Whether cache files created from now on are encrypted (process-wide, set once at start)."""
    global _encrypt_new
    _encrypt_new = encrypt_new


def has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def is_encrypted(path: Path | str) -> bool:
    """A non-empty file without SQLite's header (encrypted, or damaged: the key decides)."""
    path = Path(path)
    if not has_content(path):
        return False
    with path.open("rb") as handle:
        return handle.read(16) != _HEADER


def _keyring() -> Any:
    import keyring
    import keyring.backends.fail

    if isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring):
        raise CipherUnavailable(
            "this system has no secure credential store (OS keyring) to keep the cache key in"
        )
    return keyring


def stored_key() -> str | None:
    try:
        return _keyring().get_password(KEYRING_SERVICE, KEY_NAME)
    except CipherUnavailable:
        return None
    except Exception as exc:  # a locked or broken keyring
        log.warning("cache key: keyring not readable: %s", exc)
        return None


def ensure_key() -> str:
    """The cache key, created in the keyring on first use. Raises CipherUnavailable."""
    if dbapi() is None:
        raise CipherUnavailable("SQLCipher is not installed (install calldesk[encrypted])")
    store = _keyring()
    try:
        key = store.get_password(KEYRING_SERVICE, KEY_NAME)
        if not key:
            key = secrets.token_hex(32)
            store.set_password(KEYRING_SERVICE, KEY_NAME, key)
            log.info("cache key created in the OS keyring")
    except Exception as exc:
        raise CipherUnavailable(f"the OS keyring refused the cache key ({exc})") from exc
    return key


def forget_key() -> None:
    """Delete the cache key (wipe on logout): an undeleted copy of an encrypted file stays unreadable."""
    try:
        store = _keyring()
        if store.get_password(KEYRING_SERVICE, KEY_NAME):
            store.delete_password(KEYRING_SERVICE, KEY_NAME)
    except Exception as exc:  # no keyring: there is no key to forget
        log.info("cache key not deleted: %s", exc)


def _key_literal(key: str) -> str:
    return f"x'{key}'"


def _wants_key(path: Path) -> bool:
    return is_encrypted(path) or (not has_content(path) and _encrypt_new)


def connect(
    path: Path | str, *, read_only: bool = False, companion: Path | None = None, **kwargs: Any
) -> Any:
    """A DB-API connection to `path` (plain sqlite3, or SQLCipher with the key set first).
    `companion` is a file that will be ATTACHed (the unsent-work file): if it is encrypted, the
    SQLCipher driver is needed even for a plain `path`."""
    path = Path(path)
    target = f"file:{path.as_posix()}?mode=ro" if read_only else str(path)
    keyed = _wants_key(path)
    if not keyed and not (companion is not None and _wants_key(companion)):
        return sqlite3.connect(target, uri=read_only, **kwargs)
    module = dbapi()
    if module is None:
        raise sqlite3.DatabaseError(f"file is not a database ({path}: encrypted or damaged; no SQLCipher)")
    conn = module.connect(target, uri=read_only, **kwargs)
    if keyed:
        key = stored_key() if is_encrypted(path) else ensure_key()
        if key is None:
            conn.close()
            raise module.DatabaseError("file is not a database (no cache key in the OS keyring)")
        conn.execute(f'PRAGMA key = "{_key_literal(key)}"')
    return conn


def attach_key(conn: Any, path: Path) -> str | None:
    """The KEY of an ATTACH of `path` on `conn`: None on a plain sqlite3 connection."""
    module = dbapi()
    if module is None or not isinstance(conn, module.Connection):
        return None
    if _wants_key(path):
        key = stored_key()
        if key is None:
            raise module.DatabaseError("file is not a database (no cache key in the keyring)")
        return _key_literal(key)
    return ""


def convert(cache_path: Path | str, encrypt: bool) -> int:
    """Encrypt (or decrypt) the unsent-work file and the cache in place; no connection may be
    open. Returns the files converted. Each is exported whole to a new 0600 file that replaces
    it, so a crash leaves the old file or the new one; the unsent file goes first and the
    connections read each file by its own header, so a half-done run still opens."""
    from desktop.cache.unsent import unsent_path

    module = dbapi()
    if module is None:
        raise CipherUnavailable("SQLCipher is not installed (install calldesk[encrypted])")
    key = ensure_key() if encrypt else stored_key()
    converted = 0
    for path in (unsent_path(cache_path), Path(cache_path)):
        if not has_content(path) or is_encrypted(path) == encrypt:
            continue
        if key is None:
            raise CipherUnavailable("the cache key is no longer in the OS keyring")
        temporary = path.with_name(path.name + ".converting")
        for leftover in sqlite_files(temporary):
            leftover.unlink(missing_ok=True)
        prepare_private_sqlite(temporary)
        conn = module.connect(str(path), isolation_level=None)
        try:
            if not encrypt:
                conn.execute(f'PRAGMA key = "{_key_literal(key)}"')
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            target_key = _key_literal(key) if encrypt else ""
            conn.execute("ATTACH DATABASE ? AS target KEY ?", (str(temporary), target_key))
            conn.execute("SELECT sqlcipher_export('target')")
            version = int(conn.execute("PRAGMA main.user_version").fetchone()[0])
            conn.execute(f"PRAGMA target.user_version = {version}")
            conn.execute("DETACH DATABASE target")
        finally:
            conn.close()
        for part in sqlite_files(path)[1:]:
            part.unlink(missing_ok=True)
        os.replace(temporary, path)
        converted += 1
        log.info("cache file %s %s", path, "encrypted" if encrypt else "decrypted")
    return converted
