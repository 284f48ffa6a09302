"""Alembic environment for the central schema; the caller passes a live connection."""

from __future__ import annotations

from alembic import context

from central.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run central migrations through central.migrate.upgrade(db_url)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
