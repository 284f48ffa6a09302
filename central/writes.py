"""The one write path of the central database.

Every change to a record (customer, order, points entry, service record, marketing touch) goes
through `apply_changes`, which in the caller's transaction:

1. gives each record its next version (one more than the last version in the change log, so a
   record re-created after a delete never reuses a version),
2. writes the record table(s) (a customer's phones are replaced as a whole),
3. compacts the change log: deletes the record's previous change row and appends a new one with
   a fresh, higher `seq` (so the feed holds exactly one live row per record, tombstones included).

Writers of the same record are serialised before they read its version. On PostgreSQL each
writer takes transaction-level advisory locks on the records it writes (`lock_records`), and
change rows take their final `seq` at commit, under one database-wide advisory lock held only
for the commit (a deferred trigger, migration 0014): rows commit in `seq` order, so a feed
reader can never skip a sequence number that commits later, yet writers of different records
never wait for each other's round trips. Bulk writers (seed, import) take that lock up front
(`lock_writers`) and keep it to commit. On SQLite every writer takes the database write lock up
front.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from calldesk_domain.models import ENTITY_TYPES, format_ts, parse_ts
from central.tables import ENTITY_TABLES, change_log, customer_phones

_CHUNK = 500
_FEW_ROWS = 16  # PostgreSQL: up to this many rows are INSERTed, more are COPied
_PG_LOCK_KEY = 0x6361_6C6C  # "call": orders change-log commits on PostgreSQL (migration 0014)
_PG_KEY_SPACE = 0x6364_6B79  # "cdky": the space of per-record / per-key locks (two-int form)

# Parent -> children whose rows must get tombstones when the parent is deleted.
_CHILDREN = ("order", "points", "service", "marketing")


class UnknownEntityError(ValueError):
    pass


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _table(entity: str) -> sa.Table:
    try:
        return ENTITY_TABLES[entity]
    except KeyError:
        raise UnknownEntityError(
            f"unknown entity {entity!r}; expected one of {sorted(ENTITY_TABLES)}"
        ) from None


@cache
def _column_keys(table: sa.Table) -> tuple[str, ...]:
    """Worked out once per table: a bulk write asks once per record."""
    return tuple(column.key for column in table.columns)


def _dump_json(value: Any, fallback: Callable[[Any], str]) -> str:
    """orjson's compact UTF-8 text (several times faster than the json module on a million feed
    rows); what orjson refuses (a lone surrogate, an integer over 64 bits) goes to `fallback`,
    the engine's own serializer."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return fallback(value)


def _same_value_once(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, remembering its last answer: a batch's feed rows all carry the same
    `changed_at` object, which is then formatted once instead of once per row."""
    last: list[Any] = [object(), None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return cached


def _bulk_insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT of many rows that all have the same keys, without SQLAlchemy's per-row parameter
    compilation (a third of the cost of seeding).

    SQLite: executemany of tuples after the same per-type bind processors SQLAlchemy would apply
    (JSON, DateTime). PostgreSQL: COPY FROM STDIN on the same connection (same transaction),
    JSON columns sent as text; psycopg's executemany sends one statement per row. A few rows
    (a push's write) are one plain INSERT.
    """
    if not rows:
        return
    dialect = conn.dialect
    keys = list(rows[0])
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(key) for key in keys)
    fallback = dialect._json_serializer or json.dumps
    json_keys = {key for key in keys if isinstance(table.c[key].type, sa.JSON)}
    if dialect.name == "postgresql" and len(rows) <= _FEW_ROWS:
        # COPY costs two round trips to the server; a few rows go in one INSERT.
        conn.execute(table.insert(), rows)
        return
    if dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        _dump_json(value, fallback) if key in json_keys and value is not None else value
                        for key, value in row.items()
                    ]
                )
        return
    converters: list[Callable[[Any], Any] | None] = []
    for key in keys:
        if key in json_keys:
            converters.append(lambda value: _dump_json(value, fallback))
        else:
            processor = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
            converters.append(_same_value_once(processor) if processor is not None else None)
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join('?' for _ in keys)})"
    pairs = list(zip(keys, converters, strict=True))
    params = [
        tuple(
            [
                value if (value := row[key]) is None or convert is None else convert(value)
                for key, convert in pairs
            ]
        )
        for row in rows
    ]
    conn.exec_driver_sql(sql, params)


def _lock_writers(conn: Connection) -> None:
    """Take the database-wide writers' lock now and keep it to commit (bulk writers)."""
    if conn.dialect.name == "postgresql":
        # The setting tells the commit trigger (migration 0014) these seqs are already in order.
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key), set_config('calldesk.writers_locked', 'on', true)"),
            {"key": _PG_LOCK_KEY},
        )
    elif conn.dialect.name == "sqlite":
        _take_sqlite_write_lock(conn)


def _take_sqlite_write_lock(conn: Connection) -> None:
    # pysqlite runs SELECTs outside a transaction until the first write: a no-op write opens the
    # transaction and takes SQLite's write lock (waiting on busy_timeout) now.
    conn.execute(change_log.delete().where(sa.false()))


def record_key(entity: str, entity_id: str) -> str:
    return f"record\x1f{entity}\x1f{entity_id}"


def lock_records(conn: Connection, keys: Iterable[str]) -> None:
    """Serialise this transaction with every other that locks one of `keys` (`record_key(...)`
    for a record; callers add their own kinds, e.g. a push's client_id), until commit.

    PostgreSQL: one transaction-level advisory lock per key, taken in one statement in the
    order of their hashes (so two writers locking overlapping sets cannot deadlock). Two keys
    that share a hash only serialise two unrelated writes (so a NUL, which PostgreSQL text
    cannot hold, is dropped before hashing). SQLite: the database write lock."""
    wanted = sorted({key.replace("\x00", "") for key in keys})
    if not wanted:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "SELECT count(pg_advisory_xact_lock(:space, h)) FROM "
                "(SELECT DISTINCT hashtext(k) AS h FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS s"
            ),
            {"space": _PG_KEY_SPACE, "keys": wanted},
        )
    elif conn.dialect.name == "sqlite":
        _take_sqlite_write_lock(conn)


def _last_versions(conn: Connection, entity: str, ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(
            sa.select(change_log.c.entity_id, change_log.c.version).where(
                change_log.c.entity == entity, change_log.c.entity_id.in_(chunk)
            )
        )
        found.update({row.entity_id: row.version for row in rows})
    return found


def _ts_fields(entity: str, table: sa.Table) -> tuple[str, ...]:
    if entity in ENTITY_TYPES:
        return ENTITY_TYPES[entity]._TS_FIELDS
    return tuple(column.key for column in table.columns if isinstance(column.type, sa.DateTime))


def _record_row(entity: str, table: sa.Table, record: dict[str, Any]) -> dict[str, Any]:
    row = {column: record.get(column) for column in _column_keys(table)}
    for column in _ts_fields(entity, table):
        row[column] = parse_ts(row[column])
    if entity not in ENTITY_TYPES and "data" in row and "data" not in record:
        # Entities without a domain dataclass (registered by central.push) may keep the whole
        # record in a JSON `data` column.
        row["data"] = record
    return row


def _phone_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": record["id"],
            "position": position,
            "e164": phone["e164"],
            "kind": phone.get("kind", "mobile"),
            "label": phone.get("label", ""),
        }
        for position, phone in enumerate(record.get("phones") or [])
    ]


ChangeListener = Callable[[Connection, str, list[tuple[str, str, int, dict[str, Any] | None]]], None]
_CHANGE_LISTENERS: list[ChangeListener] = []


def add_change_listener(listener: ChangeListener) -> None:
    """Call `listener(conn, entity, changes)` in the writer's transaction after every change-feed
    append (outbound integrations queue their deliveries there, so a delivery is never lost or
    sent for a write that rolled back). Registered once per process."""
    if listener not in _CHANGE_LISTENERS:
        _CHANGE_LISTENERS.append(listener)


def _append_changes(
    conn: Connection,
    entity: str,
    changes: list[tuple[str, str, int, dict[str, Any] | None]],
    *,
    fresh: bool,
    replaced: Sequence[str] | None = None,
) -> None:
    """`replaced`: the ids that have a change row to compact (default: look for every id)."""
    ids = [entity_id for entity_id, _, _, _ in changes] if replaced is None else replaced
    if not fresh:
        for chunk in _chunks(ids):
            conn.execute(
                change_log.delete().where(change_log.c.entity == entity, change_log.c.entity_id.in_(chunk))
            )
    now = datetime.now(UTC)
    _bulk_insert(
        conn,
        change_log,
        [
            {
                "entity": entity,
                "entity_id": entity_id,
                "op": op,
                "version": version,
                "data": data,
                "changed_at": now,
            }
            for entity_id, op, version, data in changes
        ],
    )
    for listener in _CHANGE_LISTENERS:
        listener(conn, entity, changes)


def lock_writers(conn: Connection) -> None:
    """Take the database-wide writers' lock now and keep it to commit (see the module docstring):
    a bulk writer that reads versions or stored records of many records before calling
    `apply_changes` takes it first, so what it read stays true. Ordinary writers lock only
    their records (`lock_records`)."""
    _lock_writers(conn)


def apply_changes(
    conn: Connection,
    entity: str,
    upserts: Sequence[dict[str, Any]] = (),
    deletes: Sequence[str] = (),
    *,
    fresh: bool = False,
    normalized: bool = False,
    last_versions: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Upsert records (dicts in `to_dict()` shape) and delete records by id; returns id -> version.

    `fresh=True` is the bulk-load promise that none of the records exists yet (seeding): every
    version is set to 1 (in the given dicts) and nothing is looked up or compacted; a broken
    promise fails on a unique constraint and the caller's transaction rolls back. Deleting a
    customer also deletes (and tombstones) its orders, points, service records and marketing
    touches.

    `last_versions`, from a caller that already holds the lock of every upserted record (the
    importer: the writers' lock, `lock_writers`; a push: `lock_records`), is the change log's
    version of every upserted id that has a change row (ids missing from it have none), read
    under that lock, so it is neither locked nor read again. For bulk writers,
    `normalized=True` promises the upserts are exactly `to_dict()` output with unique ids (they
    are not copied through the dataclass again; their `version` is set in place).
    """
    table = _table(entity)
    if not upserts and not deletes:
        return {}
    if fresh:
        _lock_writers(conn)
    elif last_versions is None:  # (with last_versions the caller holds the records' locks)
        ids = [str(record.get("id")) for record in upserts] + [str(entity_id) for entity_id in deletes]
        lock_records(conn, [record_key(entity, entity_id) for entity_id in ids])
    versions: dict[str, int] = {}
    if upserts:
        versions.update(
            _upsert(conn, entity, table, upserts, fresh=fresh, normalized=normalized, last=last_versions)
        )
    if deletes:
        versions.update(_delete(conn, entity, table, list(dict.fromkeys(deletes))))
    return versions


def _upsert(
    conn: Connection,
    entity: str,
    table: sa.Table,
    upserts: Sequence[dict[str, Any]],
    *,
    fresh: bool,
    normalized: bool = False,
    last: Mapping[str, int] | None = None,
) -> dict[str, int]:
    record_type = ENTITY_TYPES.get(entity)
    replaced: list[str] = []  # ids whose previous change row is compacted away
    if fresh:
        records = list(upserts)
        for record in records:
            record["version"] = 1
        existing: set[str] = set()
    else:
        if normalized:
            records = list(upserts)
        else:
            # Normalise through the dataclass: fills defaults and drops unknown keys.
            records = [
                record_type.from_dict(record).to_dict() if record_type else dict(record) for record in upserts
            ]
        ids = [record["id"] for record in records]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate ids in one {entity} write")
        if last is None:
            last = _last_versions(conn, entity, ids)
        replaced = [entity_id for entity_id in ids if entity_id in last]
        present: set[str] = set()
        for chunk in _chunks(replaced):  # a record with no change row was never written
            present.update(conn.execute(sa.select(table.c.id).where(table.c.id.in_(chunk))).scalars())
        existing = present
        now = format_ts(datetime.now(UTC))
        for record in records:
            record["version"] = last.get(record["id"], 0) + 1
            if entity == "customer":
                record["updated_at"] = now
    rows = [_record_row(entity, table, record) for record in records]
    inserts = [row for row in rows if row["id"] not in existing]
    updates = [row for row in rows if row["id"] in existing]
    if inserts:
        _bulk_insert(conn, table, inserts)
    if updates:
        values: dict[str, Any] = {key: sa.bindparam(f"v_{key}") for key in _column_keys(table) if key != "id"}
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("v_id")).values(values),
            [{f"v_{key}": value for key, value in row.items()} for row in updates],
        )
    if entity == "customer":
        if not fresh:
            ids = [record["id"] for record in records]
            for chunk in _chunks(ids):
                conn.execute(customer_phones.delete().where(customer_phones.c.customer_id.in_(chunk)))
        phone_rows = [row for record in records for row in _phone_rows(record)]
        if phone_rows:
            _bulk_insert(conn, customer_phones, phone_rows)
    _append_changes(
        conn,
        entity,
        [(record["id"], "upsert", record["version"], record) for record in records],
        fresh=fresh,
        replaced=replaced,
    )
    return {record["id"]: record["version"] for record in records}


def _delete(conn: Connection, entity: str, table: sa.Table, ids: list[str]) -> dict[str, int]:
    present: list[str] = []
    for chunk in _chunks(ids):
        present.extend(conn.execute(sa.select(table.c.id).where(table.c.id.in_(chunk))).scalars())
    if not present:
        return {}
    if entity == "customer":
        for child in _CHILDREN:
            child_table = ENTITY_TABLES[child]
            child_ids: list[str] = []
            for chunk in _chunks(present):
                child_ids.extend(
                    conn.execute(
                        sa.select(child_table.c.id).where(child_table.c.customer_id.in_(chunk))
                    ).scalars()
                )
            if child_ids:
                lock_records(conn, [record_key(child, child_id) for child_id in child_ids])
                _delete(conn, child, child_table, child_ids)
        # Explicit, not left to ON DELETE CASCADE: a connection without PRAGMA foreign_keys
        # would otherwise leave the phones behind.
        for chunk in _chunks(present):
            conn.execute(customer_phones.delete().where(customer_phones.c.customer_id.in_(chunk)))
    last = _last_versions(conn, entity, present)
    for chunk in _chunks(present):
        conn.execute(table.delete().where(table.c.id.in_(chunk)))
    tombstones: list[tuple[str, str, int, dict[str, Any] | None]] = [
        (entity_id, "delete", last.get(entity_id, 0) + 1, None) for entity_id in present
    ]
    _append_changes(conn, entity, tombstones, fresh=False)
    return {entity_id: version for entity_id, _, version, _ in tombstones}


def write_records(conn: Connection, entity: str, records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert or update records of one entity; see `apply_changes`."""
    return apply_changes(conn, entity, upserts=records)


def delete_records(conn: Connection, entity: str, ids: Sequence[str]) -> dict[str, int]:
    """Delete records of one entity, leaving tombstones in the change feed; see `apply_changes`."""
    return apply_changes(conn, entity, deletes=ids)
