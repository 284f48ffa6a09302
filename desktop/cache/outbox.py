"""The outbox: local writes waiting to be pushed to the central API (docs/sync-protocol.md).

Every local write commits together with one outbox row in the SAME SQLite transaction, so a
write is never recorded without its push (or the other way round). The functions here take the
caller's open `sqlite3.Connection` and never commit or roll back: the caller owns the
transaction (`CacheStore.write_local` does it for you).

Row lifecycle: `enqueue` -> pushed in order (per record, oldest first) -> the server answers
`applied` (row deleted, later rows of the same record rebased on the new version), `conflict`
(merged and re-queued, or moved to `conflicts` with the server copy) or `rejected` (moved to
`conflicts` with the server's message). Nothing leaves the outbox without a trace. What each
answer means is decided in desktop/cache/merge_policy.py, carried out by
desktop/cache/push_results.py.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from desktop.cache.rows import now_text

OPS = ("upsert", "delete")

# Entities without a cache table of their own: kept in `local_records` and accepted from the
# change feed. Other modules may add theirs with `register_local_entity`.
LOCAL_ENTITIES: set[str] = {"note", "ticket", "contact"}


def register_local_entity(name: str) -> None:
    """Let the pull store change-feed records of `name` in `local_records`."""
    LOCAL_ENTITIES.add(name)


class OutboxError(ValueError):
    """A write that cannot be queued (unknown op, payload not JSON-serialisable...)."""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One pending push. `client_id` is the outbox row id (a UUID), sent as the mutation's
    `client_id` so a replay is never applied twice."""

    client_id: str
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any]
    base_version: int | None
    base_payload: dict[str, Any] | None
    created_at: str
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """One entry of the agent's conflict list (not the ORM model of the same table).

    `local` is what the agent wrote, `server` the server's copy when the push was refused
    (None if the server had none), `reason` "conflict: ..." or "rejected: <field>: <message>".
    """

    id: int
    outbox_id: str
    entity: str
    entity_id: str
    local: dict[str, Any]
    server: dict[str, Any] | None
    reason: str
    created_at: str
    resolved_at: str | None


def new_id() -> str:
    """A client-generated record or outbox id (UUID4 text, 36 characters)."""
    return str(uuid.uuid4())


def new_customer_id() -> str:
    """An id for a customer created offline: 16 characters like the server's own ids
    (the central `customers.id` column is 16 wide), 'L' + 60 random bits in hex."""
    return "L" + uuid.uuid4().hex[:15].upper()


def _dumps(payload: Any) -> str:
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise OutboxError(f"payload is not JSON-serialisable: {exc}") from exc


def enqueue(
    conn: sqlite3.Connection,
    entity: str,
    entity_id: str,
    op: str,
    payload: dict,
    base_version: int | None,
    *,
    base_payload: dict | None = None,
) -> str:
    """Insert one outbox row inside the caller's open transaction; returns its id (a UUID).

    Never commits: call it between your BEGIN and COMMIT together with the write it records.
    `base_version` is the server version the edit started from (None for a record created
    locally); `base_payload` optionally the record at that version (enables field merges).
    """
    if op not in OPS:
        raise OutboxError(f"op must be one of {OPS}, got {op!r}")
    if not isinstance(entity, str) or not entity:
        raise OutboxError("entity must be non-empty text")
    if not isinstance(entity_id, str) or not entity_id:
        raise OutboxError("entity_id must be non-empty text")
    if not isinstance(payload, dict):
        raise OutboxError(f"payload must be a dict, got {type(payload).__name__}")
    if base_version is not None and (isinstance(base_version, bool) or not isinstance(base_version, int)):
        raise OutboxError(f"base_version must be an int or None, got {base_version!r}")
    client_id = new_id()
    conn.execute(
        "INSERT INTO outbox (id, entity, entity_id, op, payload, base_version, created_at, attempts,"
        " last_error, base_payload) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)",
        (
            client_id,
            entity,
            entity_id,
            op,
            _dumps(payload),
            base_version,
            now_text(),
            None if base_payload is None else _dumps(base_payload),
        ),
    )
    return client_id


_ENTRY_COLUMNS = (
    "id, entity, entity_id, op, payload, base_version, base_payload, created_at, attempts, last_error"
)


def _entry(row: tuple) -> OutboxEntry:
    return OutboxEntry(
        client_id=row[0],
        entity=row[1],
        entity_id=row[2],
        op=row[3],
        payload=json.loads(row[4]),
        base_version=row[5],
        base_payload=None if row[6] is None else json.loads(row[6]),
        created_at=row[7],
        attempts=row[8],
        last_error=row[9],
    )


def pending(conn: sqlite3.Connection, limit: int | None = None) -> list[OutboxEntry]:
    """Every outbox row, oldest first (insertion order)."""
    sql = f"SELECT {_ENTRY_COLUMNS} FROM outbox ORDER BY created_at, rowid"
    params: tuple = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (limit,)
    return [_entry(row) for row in conn.execute(sql, params)]


def next_batch(conn: sqlite3.Connection, limit: int) -> list[OutboxEntry]:
    """Up to `limit` rows to push now: the OLDEST row of each record only, oldest first.

    A later edit of the same record waits until the earlier one is answered, so per-record
    order is kept and it is sent with the version the earlier push produced. An attachment
    waits for its ticket (see `_waits_for_ticket`).
    """
    batch: list[OutboxEntry] = []
    seen: set[tuple[str, str]] = set()
    queued = pending_keys(conn)
    for entry in pending(conn):
        key = (entry.entity, entry.entity_id)
        if key in seen:
            continue
        seen.add(key)
        if _waits_for_ticket(conn, entry, queued):
            continue
        batch.append(entry)
        if len(batch) >= limit:
            break
    return batch


def _waits_for_ticket(conn: sqlite3.Connection, entry: OutboxEntry, queued: set[tuple[str, str]]) -> bool:
    """An attachment of a ticket the server does not have yet is held back: the server refuses
    it for good otherwise. The form stores a file the moment it is attached, often before the
    new ticket is saved (then no ticket is cached) or pushed (then the ticket is still queued);
    each local write pushes at once, so the attachment would reach the server first."""
    if entry.entity != "attachment" or entry.op != "upsert" or not isinstance(entry.payload, dict):
        return False
    ticket_id = str(entry.payload.get("ticket_id") or "")
    return bool(ticket_id) and ticket_state(conn, ticket_id, queued) != "cached"


def ticket_state(conn: sqlite3.Connection, ticket_id: str, queued: set[tuple[str, str]]) -> str:
    """Where an attachment's ticket is: "queued" (saved here, not pushed yet), "cached" (on the
    server and in the cache) or "unknown" (a new ticket never saved). `queued`: pending_keys()."""
    if ("ticket", ticket_id) in queued:
        return "queued"
    cached = conn.execute(
        "SELECT 1 FROM local_records WHERE entity = 'ticket' AND id = ? LIMIT 1", (ticket_id,)
    ).fetchone()
    return "unknown" if cached is None else "cached"


def count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]


def has_pending(conn: sqlite3.Connection, entity: str, entity_id: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM outbox WHERE entity = ? AND entity_id = ? LIMIT 1", (entity, entity_id)
        ).fetchone()
        is not None
    )


def pending_keys(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """(entity, entity_id) of every record with a write still queued."""
    return set(conn.execute("SELECT DISTINCT entity, entity_id FROM outbox"))


def remove(conn: sqlite3.Connection, client_id: str) -> None:
    conn.execute("DELETE FROM outbox WHERE id = ?", (client_id,))


def rebase(
    conn: sqlite3.Connection, entity: str, entity_id: str, version: int | None, payload: dict | None
) -> None:
    """After a push of this record landed, later rows of it start from the server's result."""
    conn.execute(
        "UPDATE outbox SET base_version = ?, base_payload = ? WHERE entity = ? AND entity_id = ?",
        (version, None if payload is None else _dumps(payload), entity, entity_id),
    )


def note_failure(conn: sqlite3.Connection, client_ids: list[str], error: str) -> None:
    """Count one more failed attempt (network, 5xx...) on each row; the row stays queued."""
    conn.executemany(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
        [(error[:500], client_id) for client_id in client_ids],
    )


def add_conflict(
    conn: sqlite3.Connection,
    entry: OutboxEntry,
    server: dict | None,
    reason: str,
    *,
    remove_row: bool = True,
) -> int:
    """Move a refused push to the agent's conflict list (the outbox row is removed unless
    `remove_row` is False). Returns the conflict id."""
    cursor = conn.execute(
        "INSERT INTO conflicts (outbox_id, entity, entity_id, local_payload, server_payload, reason,"
        " created_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        (
            entry.client_id,
            entry.entity,
            entry.entity_id,
            _dumps(entry.payload),
            None if server is None else _dumps(server),
            reason,
            now_text(),
        ),
    )
    if remove_row:
        remove(conn, entry.client_id)
    return int(cursor.lastrowid or 0)


def conflicts(conn: sqlite3.Connection, *, include_resolved: bool = False) -> list[ConflictRow]:
    sql = (
        "SELECT id, outbox_id, entity, entity_id, local_payload, server_payload, reason, created_at,"
        " resolved_at FROM conflicts"
    )
    if not include_resolved:
        sql += " WHERE resolved_at IS NULL"
    sql += " ORDER BY id"
    return [
        ConflictRow(
            id=row[0],
            outbox_id=row[1],
            entity=row[2],
            entity_id=row[3],
            local=json.loads(row[4]),
            server=None if row[5] is None else json.loads(row[5]),
            reason=row[6],
            created_at=row[7],
            resolved_at=row[8],
        )
        for row in conn.execute(sql)
    ]


def resolve_conflict(conn: sqlite3.Connection, conflict_id: int) -> None:
    conn.execute(
        "UPDATE conflicts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
        (now_text(), conflict_id),
    )
