"""Run the cache's Alembic migrations programmatically (at start-up and in tests).

`upgrade(db_path)` creates the file if needed, switches it to WAL and brings the schema to head.
It is safe to call on every start: at head it does nothing but read the version table.

Alembic is imported when a migration runs, not with this module: a process that opens the cache
without migrating (`CacheStore(path, migrate=False)`: the cache worker's store, the kill -9
test's child) does not pay for it at start-up (about a third of the cache's import time).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event

from desktop.cache import cipher
from desktop.cache.pragmas import apply_pragmas
from desktop.private_files import prepare_private_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent


def _engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}", creator=lambda: cipher.connect(db_path))
    event.listen(engine, "connect", lambda dbapi_conn, _record: apply_pragmas(dbapi_conn))
    return engine


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_HERE / "migrations"))
    return config


def _run(db_path: Path | str, action, revision: str) -> None:
    db_path = prepare_private_sqlite(db_path)  # 0600 before SQLite makes it (docs/security.md)
    engine = _engine(db_path)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            action(config, revision)
    finally:
        engine.dispose()


def upgrade(db_path: Path | str, revision: str = "head") -> None:
    """Bring the cache at `db_path` to `revision` (default: the newest schema)."""
    from alembic import command

    log.debug("migrating cache %s to %s", db_path, revision)
    _run(db_path, command.upgrade, revision)


def downgrade(db_path: Path | str, revision: str) -> None:
    """Step the cache back to `revision` ("base" drops every table)."""
    from alembic import command

    log.info("downgrading cache %s to %s", db_path, revision)
    _run(db_path, command.downgrade, revision)


def current_revision(db_path: Path | str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = _engine(Path(db_path))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
