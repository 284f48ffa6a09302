"""The replicated records: writing customers (with their phones and name grams), their detail
records and the generic local records (ticket, contact, note...) to their cache tables, and
reading one back as cached.

Functions taking a connection run inside the caller's open transaction, except `store_detail`
and `store_customers`, which are whole writes of their own (one transaction each)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

from calldesk_domain.models import Customer, CustomerDetail
from desktop.cache import grams, rows, search_index
from desktop.cache.statements import Transaction, chunks, marks, write_rows
from desktop.cache.tables import (
    BASIC_ONLY,
    CUSTOMER_UPSERT,
    DETAIL_TABLES,
    DETAIL_UPSERT,
    FEED_CUSTOMER_UPSERT,
    PHONE_INSERT,
)

log = logging.getLogger(__name__)


class CachedRecord(NamedTuple):
    """A record as the cache holds it and the server version it came from (None: never synced)."""

    data: dict[str, Any] | None
    version: int | None


class LocalRecordRow(NamedTuple):
    """One row of `local_records`, the table of entities without a table of their own."""

    entity: str
    id: str
    data: dict[str, Any]
    version: int | None


def upsert_customers(
    conn: sqlite3.Connection, prepared: list[rows.CustomerRows], from_feed: bool = False
) -> int:
    """Write customers whose incoming version is not older than the cached one; returns how many."""
    if not prepared:
        return 0
    stored: dict[str, int] = {}
    ids = [item.customer.id for item in prepared]
    for chunk in chunks(ids):
        stored.update(conn.execute(f"SELECT id, version FROM customers WHERE id IN ({marks(chunk)})", chunk))
    fresh = [item for item in prepared if stored.get(item.customer.id, -1) <= item.customer.version]
    if not fresh:
        return 0
    write_rows(
        conn, FEED_CUSTOMER_UPSERT if from_feed else CUSTOMER_UPSERT, [item.customer for item in fresh]
    )
    replaced = [(item.customer.id,) for item in fresh if item.customer.id in stored]
    if replaced:
        conn.executemany("DELETE FROM phones WHERE customer_id = ?", replaced)
    write_rows(conn, PHONE_INSERT, [phone for item in fresh for phone in item.phones])
    if search_index.is_deferred(conn):
        return len(fresh)  # a bootstrap is loading: its build cuts every name's pieces at the end
    if replaced:
        conn.executemany("DELETE FROM name_grams WHERE customer_id = ?", replaced)
    for chunk in chunks([item.customer.id for item in fresh]):
        grams.add_for(conn, chunk)
    return len(fresh)


def delete_customers(conn: sqlite3.Connection, ids: list[str]) -> None:
    params = [(i,) for i in ids]
    conn.executemany("DELETE FROM customers WHERE id = ?", params)  # phones cascade
    for table in DETAIL_TABLES.values():
        conn.executemany(f"DELETE FROM {table.table} WHERE customer_id = ?", params)


def upsert_local_records(conn: sqlite3.Connection, items: list[LocalRecordRow]) -> None:
    conn.executemany(
        "INSERT INTO local_records (entity, id, data, version, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(entity, id) DO UPDATE SET data = excluded.data, version = excluded.version,"
        " updated_at = excluded.updated_at WHERE local_records.version IS NULL"
        " OR excluded.version IS NULL OR excluded.version >= local_records.version",
        [
            (item.entity, item.id, json.dumps(item.data, ensure_ascii=False), item.version, rows.now_text())
            for item in items
        ],
    )


def cached_record(conn: sqlite3.Connection, entity: str, entity_id: str) -> CachedRecord:
    """The record as cached and its server version, or (None, None)."""
    if entity == "customer":
        row = conn.execute("SELECT data, version FROM customers WHERE id = ?", (entity_id,)).fetchone()
    elif entity in DETAIL_TABLES:
        row = conn.execute(
            f"SELECT payload, version FROM {DETAIL_TABLES[entity].table} WHERE id = ?", (entity_id,)
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT data, version FROM local_records WHERE entity = ? AND id = ?", (entity, entity_id)
        ).fetchone()
    if row is None:
        return CachedRecord(None, None)
    data, version = row
    return CachedRecord(json.loads(data), version if isinstance(version, int) and version > 0 else None)


def store_record(
    conn: sqlite3.Connection, entity: str, record: dict[str, Any], op: str, version: int | None
) -> None:
    """Write one record (or its deletion) to its cache table, keeping the server version.
    Raises rows.BadRecord for a record its table cannot hold."""
    entity_id = record["id"]
    if op == "delete":
        if entity == "customer":
            delete_customers(conn, [entity_id])
        elif entity in DETAIL_TABLES:
            conn.execute(f"DELETE FROM {DETAIL_TABLES[entity].table} WHERE id = ?", (entity_id,))
        else:
            conn.execute("DELETE FROM local_records WHERE entity = ? AND id = ?", (entity, entity_id))
        return
    stored = {**record, "version": version or 0}
    if entity == "customer":
        upsert_customers(conn, [rows.customer_rows(stored)])
    elif entity in DETAIL_TABLES:
        conn.execute(DETAIL_UPSERT[entity], DETAIL_TABLES[entity].to_row(stored))
    else:
        upsert_local_records(conn, [LocalRecordRow(entity, entity_id, record, version)])


def store_server_copy(conn: sqlite3.Connection, entity: str, record: dict[str, Any], version: int) -> None:
    """Replace the cached record with the server's copy at `version`, even over a newer local one."""
    record = {**record, "version": version}
    try:
        if entity == "customer":
            conn.execute("UPDATE customers SET version = -1 WHERE id = ?", (record["id"],))
            upsert_customers(conn, [rows.customer_rows(record)])
        elif entity in DETAIL_TABLES:
            conn.execute(DETAIL_UPSERT[entity], DETAIL_TABLES[entity].to_row(record))
        else:
            conn.execute("DELETE FROM local_records WHERE entity = ? AND id = ?", (entity, record["id"]))
            upsert_local_records(conn, [LocalRecordRow(entity, record["id"], record, version)])
    except rows.BadRecord as exc:
        log.warning("push: server copy of %s %s not stored: %s", entity, record.get("id"), exc)


def set_cached_version(conn: sqlite3.Connection, entity: str, entity_id: str, version: int) -> None:
    """Raise the cached record's server version to `version` (never lower it)."""
    if entity == "customer":
        conn.execute(
            "UPDATE customers SET version = ? WHERE id = ? AND version < ?", (version, entity_id, version)
        )
    elif entity in DETAIL_TABLES:
        conn.execute(
            f"UPDATE {DETAIL_TABLES[entity].table} SET version = ? WHERE id = ? AND version < ?",
            (version, entity_id, version),
        )
    else:
        conn.execute(
            "UPDATE local_records SET version = ? WHERE entity = ? AND id = ?"
            " AND (version IS NULL OR version < ?)",
            (version, entity, entity_id, version),
        )


def local_records(conn: sqlite3.Connection, entity: str) -> list[dict[str, Any]]:
    """Every cached record of a generic entity, oldest write first, `version` = its server version."""
    out = []
    for data, version in conn.execute(
        "SELECT data, version FROM local_records WHERE entity = ? ORDER BY updated_at, id", (entity,)
    ):
        record = json.loads(data)
        record["version"] = version
        out.append(record)
    return out


def local_records_of_customer(
    conn: sqlite3.Connection, entity: str, customer_id: str
) -> list[dict[str, Any]]:
    """The records of `entity` whose `customer_id` is this customer (a scan of that entity's rows:
    the primary key keeps them together; tickets and contacts are the agents' own, not millions)."""
    out = []
    for data, version in conn.execute(
        "SELECT data, version FROM local_records WHERE entity = ?"
        " AND json_extract(data, '$.customer_id') = ?",
        (entity, customer_id),
    ):
        record = json.loads(data)
        record["version"] = version
        out.append(record)
    return out


def local_record(conn: sqlite3.Connection, entity: str, entity_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT data, version FROM local_records WHERE entity = ? AND id = ?", (entity, entity_id)
    ).fetchone()
    if row is None:
        return None
    record: dict[str, Any] = json.loads(row[0])
    record["version"] = row[1]
    return record


def store_detail(conn: sqlite3.Connection, detail: CustomerDetail) -> None:
    """Cache an on-demand fetch in ONE transaction. Older versions never overwrite newer ones."""
    customer = rows.customer_rows(detail.customer.to_dict())
    detail_rows: dict[str, list[rows.DetailRow]] = {e: [] for e in DETAIL_TABLES}
    records: tuple[tuple[str, Iterable[Any]], ...] = (
        ("order", detail.orders),
        ("points", detail.points),
        ("service", detail.service),
        ("marketing", detail.marketing),
    )
    for entity, entity_records in records:
        for record in entity_records:
            try:
                detail_rows[entity].append(DETAIL_TABLES[entity].to_row(record.to_dict()))
            except rows.BadRecord as exc:
                log.warning("cache: %s %s not stored: %s", entity, getattr(record, "id", "?"), exc)
    with Transaction(conn):
        upsert_customers(conn, [customer])
        conn.execute(
            "UPDATE customers SET detail_fetched_at = ? WHERE id = ?", (rows.now_text(), detail.customer.id)
        )
        for entity, entity_rows in detail_rows.items():
            if entity_rows:
                conn.executemany(DETAIL_UPSERT[entity], entity_rows)


def store_customers(conn: sqlite3.Connection, customers: Iterable[Customer]) -> int:
    """Cache customers found online, in ONE transaction; returns rows stored. One not cached
    before is marked "pop row only" until the feed or a fetch brings its records."""
    prepared = []
    for customer in customers:
        try:
            prepared.append(rows.customer_rows(customer.to_dict()))
        except rows.BadRecord as exc:
            log.warning("cache: customer %s not stored: %s", customer.id, exc)
    ids = [item.customer.id for item in prepared]
    with Transaction(conn):
        known = {
            row[0]
            for chunk in chunks(ids)
            for row in conn.execute(f"SELECT id FROM customers WHERE id IN ({marks(chunk)})", chunk)
        }
        stored = upsert_customers(conn, prepared)
        conn.executemany(
            "UPDATE customers SET detail_fetched_at = ? WHERE id = ? AND detail_fetched_at IS NULL",
            [(BASIC_ONLY, i) for i in ids if i not in known],
        )
        return stored
