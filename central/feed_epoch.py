"""The change feed's epoch: a random id that changes whenever the feed's history does (a restore).

A desktop keeps the epoch of the feed its cache was filled from (docs/sync-protocol.md). Sequence
numbers alone cannot tell it that the server was restored from a backup: the restored feed's
numbers may pass the desktop's again after new writes, with different records behind them.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from central.tables import server_meta

EPOCH_KEY = "feed_epoch"


def new_epoch(conn: Connection) -> str:
    epoch = secrets.token_hex(8)
    conn.execute(server_meta.delete().where(server_meta.c.name == EPOCH_KEY))
    conn.execute(server_meta.insert().values(name=EPOCH_KEY, value=epoch))
    return epoch


def _stored(conn: Connection) -> str | None:
    return conn.execute(sa.select(server_meta.c.value).where(server_meta.c.name == EPOCH_KEY)).scalar()


def feed_epoch(conn: Connection) -> str:
    """The current epoch, made on first use (a database from before epochs gets one once).
    Several workers may make it at the same moment: only the first insert lands (the others do
    nothing and read it), so every one of them answers the same epoch."""
    value = _stored(conn)
    if value is not None:
        return value
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(
            pg_insert(server_meta)
            .values(name=EPOCH_KEY, value=secrets.token_hex(8))
            .on_conflict_do_nothing(index_elements=["name"])
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(
            sqlite_insert(server_meta)
            .values(name=EPOCH_KEY, value=secrets.token_hex(8))
            .on_conflict_do_nothing(index_elements=["name"])
        )
    value = _stored(conn)
    if value is None:  # cannot happen: the row is there, ours or the winner's
        raise RuntimeError("the feed epoch could not be stored")
    return value
