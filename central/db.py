"""Database URLs and engines for the central API: SQLite (WAL, foreign keys on) or PostgreSQL.

`make_engine` is the only place an Engine is built, so every entry point (serve, seed, migrate,
tests) gets the same connection settings.
"""

from __future__ import annotations

import json
import logging
import select
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

SUPPORTED = ("sqlite", "postgresql")
DEFAULT_DB_URL = "sqlite:///central.db"


class DatabaseUrlError(ValueError):
    """The --db value is not a usable database URL; the message says what to write instead."""


def parse_db_url(raw: str) -> URL:
    """Validate `raw` and return it as a URL; `postgresql://` gets the psycopg (v3) driver."""
    hint = "use sqlite:///path/to/central.db or postgresql://user:password@host:5432/dbname"
    if not isinstance(raw, str) or not raw.strip():
        raise DatabaseUrlError(f"empty database URL: {hint}")
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise DatabaseUrlError(f"not a database URL: {raw!r}; {hint}") from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        raise DatabaseUrlError(f"unsupported database {backend!r} in {raw!r}; {hint}")
    if backend == "postgresql":
        driver = url.get_driver_name()
        if driver in ("psycopg2", "pg8000", "asyncpg"):
            raise DatabaseUrlError(f"driver {driver!r} is not supported; use postgresql+psycopg://...")
        url = url.set(drivername="postgresql+psycopg")
        if not url.database:
            raise DatabaseUrlError(f"no database name in {raw!r}; {hint}")
    elif backend == "sqlite":
        if url.get_driver_name() not in ("pysqlite", ""):
            raise DatabaseUrlError(f"driver {url.get_driver_name()!r} is not supported; {hint}")
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            parent = Path(url.database).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseUrlError(f"folder {parent} for the SQLite file does not exist")
    return url


def backend_name(db_url: str | URL) -> str:
    url = db_url if isinstance(db_url, URL) else parse_db_url(db_url)
    return url.get_backend_name()


# Compact and readable (Chinese stays Chinese); one encoder reused (json.dumps with options
# builds a new encoder per call, which shows up when seeding a million rows).
_json_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(db_url: str | URL, **kwargs) -> Engine:
    """Engine with our settings. Raises DatabaseUrlError for an unusable URL (no I/O yet)."""
    url = db_url if isinstance(db_url, URL) else parse_db_url(db_url)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": 10}, json_serializer=_json_dumps, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    engine = sa.create_engine(url, json_serializer=_json_dumps, **kwargs)
    sa.event.listen(engine.pool, "checkout", _refuse_if_closed_by_server)
    return engine


def _refuse_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """The pool's liveness check at checkout, without a round trip. A pooled connection is idle:
    everything it was sent has been answered and read, so a socket with something to read means
    PostgreSQL ended it (a restart, pg_terminate_backend, an idle timeout: an error message and
    EOF) or spoke unasked; either way the pool drops it and opens another (DisconnectionError).
    `pool_pre_ping` sent a `SELECT 1` per checkout instead: on a host busy with pushes every round
    trip is a thread waiting for a CPU and the GIL (docs/deployment.md "What a desktop costs")."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        raise sa.exc.DisconnectionError("the connection was closed")
    try:
        readable = _readable(dbapi_connection.fileno())
    except (OSError, ValueError) as exc:  # a socket already gone
        raise sa.exc.DisconnectionError(f"the connection's socket is unusable: {exc}") from exc
    if readable:
        raise sa.exc.DisconnectionError("PostgreSQL closed the connection (or sent something unasked)")


def _readable(fd: int) -> bool:
    """Whether `fd` has something to read (or hung up), without waiting. poll() where there is
    one: select() refuses descriptors past 1023, and a worker holding a thousand streams has
    them; Windows has no poll() and its select() has no such limit."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def single_reads(engine: Engine) -> Engine:
    """`engine` for reads of one statement (a sign-in check, a committed seq): on PostgreSQL in
    autocommit, so such a read is one round trip, not BEGIN + read + ROLLBACK. In an API worker
    busy with a thousand streams every round trip also waits for the GIL: a push made 22 of them."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def check_connection(engine: Engine) -> None:
    """Open one connection so a wrong host/password fails now with a clear OperationalError."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
