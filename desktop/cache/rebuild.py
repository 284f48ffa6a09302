"""Emptying the cache's replica for "Rebuild cache" (desktop/services/cache_rebuild.py).

Every replicated row goes, and the sync bookkeeping with it, so the next pull starts from the
beginning of the change feed. What the agent wrote and the server has not taken yet stays:
the outbox, the conflict list, and every record (and server copy) an outbox row refers to.
The caller runs `clear_replica` inside ONE transaction: a crash leaves the whole old cache or
an empty replica with no sync state, which the next start syncs from scratch.
"""

from __future__ import annotations

import sqlite3

# record table -> (entity name in the outbox, id column)
_RECORD_TABLES = {
    "customers": "customer",
    "orders": "order",
    "points_entries": "points",
    "service_records": "service",
    "marketing_touches": "marketing",
}


def clear_replica(conn: sqlite3.Connection) -> dict[str, int]:
    """Delete the replicated rows (not those with pending writes); returns rows deleted per table."""
    deleted: dict[str, int] = {}
    for table, entity in _RECORD_TABLES.items():
        cursor = conn.execute(
            f"DELETE FROM {table} WHERE id NOT IN (SELECT entity_id FROM outbox WHERE entity = ?)",
            (entity,),
        )
        deleted[table] = cursor.rowcount
    for table in ("phones", "name_grams"):  # the kept customers' pop index rows stay
        cursor = conn.execute(f"DELETE FROM {table} WHERE customer_id NOT IN (SELECT id FROM customers)")
        deleted[table] = cursor.rowcount
    for table in ("local_records", "server_copies"):
        cursor = conn.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM outbox"
            f" WHERE outbox.entity = {table}.entity AND outbox.entity_id = {table}.id)"
        )
        deleted[table] = cursor.rowcount
    deleted["sync_state"] = conn.execute("DELETE FROM sync_state").rowcount
    return deleted


def compact(conn: sqlite3.Connection) -> None:
    """Give the freed pages back to the file system (outside any transaction)."""
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
