"""The name substring index (`name_grams`): every 1- and 2-character piece of each customer's
folded name (王小明 -> 王 小 明 王小 小明). A substring search starts from one of these pieces in
an index, then checks the name itself (CacheStore.search).

The pieces are cut by SQLite from the customers table, not built row by row in Python: a bulk
build of a million names (4-5 million pieces) then runs in C and inserts in index order. Folding
(lower case, white space dropped) is `fold_name`, registered on each connection as
`calldesk_fold` so that the index and the search fold alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

FOLD_FUNCTION = "calldesk_fold"


def fold_name(text: str) -> str:
    """Lower case, every white space dropped: what a name and a search text are compared as."""
    return "".join(text.lower().split())


def register(connection: sqlite3.Connection) -> None:
    """Make `calldesk_fold(text)` callable in this connection's SQL."""
    connection.create_function(FOLD_FUNCTION, 1, _fold_sql, deterministic=True)


def _fold_sql(value: object) -> str:
    return fold_name(value) if isinstance(value, str) else ""


def _pieces_sql(where: str) -> str:
    # Every position of each folded name (a recursive walk), then the 1- and 2-character piece
    # at each; UNION drops a piece a name has twice (王王).
    return (
        "WITH RECURSIVE folded(id, f) AS ("
        f" SELECT id, {FOLD_FUNCTION}(name) FROM customers {where}),"
        " at(id, f, i) AS ("
        "  SELECT id, f, 1 FROM folded WHERE f <> ''"
        "  UNION ALL SELECT id, f, i + 1 FROM at WHERE i < length(f))"
        " SELECT substr(f, i, 1) AS gram, id FROM at"
        " UNION SELECT substr(f, i, 2), id FROM at WHERE i < length(f)"
        " ORDER BY 1, 2"
    )


def rebuild_all(connection: sqlite3.Connection) -> int:
    """Replace every piece by those of the names cached now; returns pieces written."""
    connection.execute("DELETE FROM name_grams")
    cursor = connection.execute(f"INSERT INTO name_grams (gram, customer_id) {_pieces_sql('')}")
    return cursor.rowcount


def add_for(connection: sqlite3.Connection, customer_ids: Sequence[str]) -> None:
    """Add the pieces of these customers' names (their old pieces must be gone already)."""
    if not customer_ids:
        return
    marks = ", ".join("?" for _ in customer_ids)
    connection.execute(
        f"INSERT OR IGNORE INTO name_grams (gram, customer_id) {_pieces_sql(f'WHERE id IN ({marks})')}",
        list(customer_ids),
    )
