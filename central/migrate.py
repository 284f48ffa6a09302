"""Run the central schema migrations programmatically (no alembic.ini, no dependence on cwd)."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine

from central.db import make_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db_url: str | URL | Engine, revision: str = "head") -> str:
    """Bring the database at `db_url` to `revision` (default: latest); returns the new revision.

    Idempotent: an up-to-date database is left untouched.
    """
    engine = db_url if isinstance(db_url, Engine) else make_engine(db_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
        now = current_revision(engine)
        log.info("central database at revision %s", now)
        return now or ""
    finally:
        if not isinstance(db_url, Engine):
            engine.dispose()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())
