"""Alembic environment for the local cache: uses the connection handed in by migrate.py if any."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from desktop.cache.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    db = context.get_x_argument(as_dictionary=True).get("db")
    url = f"sqlite:///{db}" if db else config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("cache migrations need a connection, `-x db=PATH` or sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
