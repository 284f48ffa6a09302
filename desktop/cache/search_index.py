"""The search indexes a bootstrap builds once, after its pop-index pages, instead of row by row.

A screen pop needs the customers table and `ix_phones_e164`; name, pinyin, phone-suffix and
substring search need five more indexes and the `name_grams` pieces. Kept current while a million
customers arrive in random name order, those indexes cost more than the rows themselves (every
insert lands on a different page, far more pages than any cache holds); sorted once at the end,
they take a fraction of that. So a bootstrap drops them (`defer`) and builds them in ONE
transaction when its pop-index pages are in (`build`). Pops work throughout.

Whether they are deferred is read from the schema itself (`is_deferred`), so no state can drift
from it: a crash, a "Rebuild cache" or a changed server at any point leaves either every index or
a cache the next sync (`PullSync`) builds them for. The definitions come from
desktop/cache/schema.py, the one source of the cache's schema.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, Index

from desktop.cache import grams
from desktop.cache.schema import Base

log = logging.getLogger(__name__)

DEFERRED_INDEXES = (
    "ix_customers_name",
    "ix_customers_initials_name",
    "ix_customers_pinyin_name",
    "ix_phones_digits_reversed",
    "ix_name_grams_customer_id",
)


def _index(name: str) -> Index:
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            if index.name == name:
                return index
    raise LookupError(f"no index {name} in desktop/cache/schema.py")


_CREATE_SQL = {
    name: str(CreateIndex(_index(name), if_not_exists=True).compile(dialect=sqlite_dialect.dialect()))
    for name in DEFERRED_INDEXES
}
_PRESENT_SQL = (
    "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ("
    + ", ".join(f"'{name}'" for name in DEFERRED_INDEXES)
    + ")"
)


def is_deferred(connection: sqlite3.Connection) -> bool:
    """True while any search index is missing (a bootstrap is loading, or was cut short)."""
    return connection.execute(_PRESENT_SQL).fetchone()[0] < len(DEFERRED_INDEXES)


def defer(connection: sqlite3.Connection) -> None:
    """Drop the search indexes and the name pieces (inside the caller's transaction)."""
    for name in DEFERRED_INDEXES:
        connection.execute(f"DROP INDEX IF EXISTS {name}")
    connection.execute("DELETE FROM name_grams")


def build(connection: sqlite3.Connection) -> int:
    """Cut every name's pieces and create the missing indexes (inside the caller's
    transaction); returns the pieces written."""
    started = time.perf_counter()
    connection.execute("DROP INDEX IF EXISTS ix_name_grams_customer_id")  # filled first, sorted
    pieces = grams.rebuild_all(connection)
    for name in DEFERRED_INDEXES:
        connection.execute(_CREATE_SQL[name])
    log.info("cache: search indexes built (%d name pieces) in %.1fs", pieces, time.perf_counter() - started)
    return pieces
