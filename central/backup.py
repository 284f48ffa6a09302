"""`calldesk central backup` / `restore`: a consistent copy of the central database, and back.

- SQLite: the online backup API (a consistent snapshot while the API keeps serving), checked with
  `PRAGMA integrity_check`; restore copies the backup into an empty target the same way.
- PostgreSQL: `pg_dump --format=custom` / `pg_restore` (the PostgreSQL client tools must be on
  PATH; the password goes through PGPASSWORD, never on a command line).

Restore only writes into an EMPTY database (no tables), so a restore never merges into live data.
Afterwards the feed gets a new epoch (`central.feed_epoch`): a desktop whose cache was filled from
the database before the restore sees the epoch change and rebuilds its cache instead of keeping
changes the restored server no longer has.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from central.db import make_engine, parse_db_url
from central.feed_epoch import new_epoch
from central.migrate import current_revision, table_names


class BackupError(RuntimeError):
    """Backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    revision: str | None


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("backup and restore need an SQLite database file, not an in-memory database")
    return Path(url.database).expanduser()


def _pg_env_and_dsn(url: URL) -> tuple[dict[str, str], str]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return env, dsn


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (Debian: postgresql-client)"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {detail[-1] if detail else done.returncode}")


def backup(db_url: str, out: Path) -> BackupResult:
    url = parse_db_url(db_url)
    if out.exists():
        raise BackupError(f"{out} exists already: choose a new file (a backup never overwrites one)")
    if not out.parent.is_dir():
        raise BackupError(f"folder {out.parent} does not exist")
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    if revision is None:
        raise BackupError(f"{db_url} holds no CallDesk database (no schema revision)")
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        partial = out.with_name(out.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
                src.backup(dst)
                if dst.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                    raise BackupError("the copy failed its integrity check; the database may be damaged")
            dst.close()
            src.close()
        except sqlite3.DatabaseError as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"cannot copy {source}: {exc}") from None
        os.replace(partial, out)
    else:
        env, dsn = _pg_env_and_dsn(url)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={out}", dsn], env)
    return BackupResult(out, out.stat().st_size, revision)


def _assert_empty(url: URL) -> None:
    engine = make_engine(url)
    try:
        names = table_names(engine)
    finally:
        engine.dispose()
    if names:
        raise BackupError(
            f"the target database is not empty ({len(names)} tables): restore only into a new, empty database"
        )


def restore(db_url: str, backup_path: Path) -> BackupResult:
    url = parse_db_url(db_url)
    if not backup_path.is_file():
        raise BackupError(f"no backup file at {backup_path}")
    if url.get_backend_name() == "sqlite":
        target = _sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            _assert_empty(url)
        try:
            with sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True) as src:
                if src.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                    raise BackupError(f"{backup_path} is damaged (integrity check failed)")
                with sqlite3.connect(target) as dst:
                    src.backup(dst)
                dst.close()
            src.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{backup_path} is not a readable SQLite backup ({exc})") from None
    else:
        _assert_empty(url)
        env, dsn = _pg_env_and_dsn(url)
        _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={dsn}", str(backup_path)], env)
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
        if revision is None:
            raise BackupError(f"{backup_path} is not a CallDesk backup (no schema revision after restore)")
        with engine.begin() as conn:
            new_epoch(conn)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    finally:
        engine.dispose()
    return BackupResult(backup_path, backup_path.stat().st_size, revision)
