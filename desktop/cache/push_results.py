"""The push side's storage (docs/sync-protocol.md "Push (outbox)"): a local write together with
its outbox row, the server's answers to a push, and the agent's conflict list. What an answer
means is decided by desktop/cache/merge_policy.py; this module reads what it needs and writes
what was decided, each public function in ONE transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from desktop.cache import merge_policy, outbox, replica, rows
from desktop.cache.merge_policy import Acknowledge, ListConflict, Merge, Outcome, Reject, ServerCopy
from desktop.cache.statements import Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PushReport:
    """What one push's answers did: rows `applied`, `merged` (re-queued after a field merge),
    `conflict` (server won, listed), `rejected` (listed), `unanswered` (still queued)."""

    applied: int = 0
    merged: int = 0
    conflict: int = 0
    rejected: int = 0
    unanswered: int = 0


def write_local(
    conn: sqlite3.Connection, entity: str, record: dict[str, Any], op: str, base_version: int | None
) -> str:
    """Store a local write AND its outbox row in ONE transaction; returns the outbox id.

    `record` is the whole record (to_dict() shape) with its `id`. "customer" goes to the pop
    index, order/points/service/marketing to their tables, anything else (ticket, contact,
    note...) to the generic `local_records` table. `base_version` None means "the server
    version the cache holds for this record" (None too for a record never synced, i.e. a
    create). The record as cached before the write travels along as the merge base."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
        raise outbox.OutboxError("record must be a dict with a non-empty text 'id'")
    if op not in outbox.OPS:
        raise outbox.OutboxError(f"op must be one of {outbox.OPS}, got {op!r}")
    entity_id = record["id"]
    with Transaction(conn):
        before = replica.cached_record(conn, entity, entity_id)
        if base_version is None:
            base_version = before.version
        _store_local(conn, entity, record, op, before.version)
        return outbox.enqueue(conn, entity, entity_id, op, record, base_version, base_payload=before.data)


def discard_draft_attachments(conn: sqlite3.Connection, ticket_id: str | None = None) -> list[dict[str, Any]]:
    """Attachments made here for a ticket that was never saved (no cached ticket, none queued):
    their records and queued pushes go, in ONE transaction; returns the records (the caller
    removes their files). `ticket_id` None: every such attachment (at start-up, when no form can
    be open). Attachments of a saved ticket are kept: they wait in the outbox for the ticket."""
    with Transaction(conn):
        queued = outbox.pending_keys(conn)
        gone = []
        for record in replica.local_records(conn, "attachment"):
            owner = str(record.get("ticket_id") or "")
            if ticket_id is not None and owner != ticket_id:
                continue
            if ("attachment", record["id"]) not in queued:
                continue  # synced from the server: not ours to drop
            if outbox.ticket_state(conn, owner, queued) != "unknown":
                continue  # its ticket is saved: the attachment waits for it
            conn.execute("DELETE FROM outbox WHERE entity = 'attachment' AND entity_id = ?", (record["id"],))
            conn.execute("DELETE FROM local_records WHERE entity = 'attachment' AND id = ?", (record["id"],))
            gone.append(record)
        return gone


def note_push_failure(conn: sqlite3.Connection, client_ids: list[str], error: str) -> None:
    with Transaction(conn):
        outbox.note_failure(conn, client_ids, error)


def apply_push_results(
    conn: sqlite3.Connection, entries: list[outbox.OutboxEntry], results: object
) -> PushReport:
    """Record the server's answers to one push in ONE transaction (see docs/sync-protocol.md).

    A crash before COMMIT leaves every row queued; resending gets the same answers from the
    server (client_id replay), so applying them again is safe. Rows without a usable answer
    stay queued. Entries no longer in the outbox are ignored."""
    answers = merge_policy.read_answers(results)
    counts = dict.fromkeys(("applied", "merged", "conflict", "rejected", "unanswered"), 0)
    with Transaction(conn):
        for entry in entries:
            if conn.execute("SELECT 1 FROM outbox WHERE id = ?", (entry.client_id,)).fetchone() is None:
                continue
            raw = answers.get(entry.client_id)
            answer = merge_policy.read_answer(raw)
            if answer is None:
                counts["unanswered"] += 1
                if raw is not None:
                    log.warning("push: unusable answer for %s: %r", entry.client_id, raw)
                continue
            counts[_apply_answer(conn, entry, answer)] += 1
    return PushReport(**counts)


def _apply_answer(
    conn: sqlite3.Connection, entry: outbox.OutboxEntry, answer: merge_policy.PushAnswer
) -> str:
    entity, entity_id = entry.entity, entry.entity_id
    queued: list[outbox.OutboxEntry] = []
    if answer.status is Outcome.CONFLICT:
        queued = [e for e in outbox.pending(conn) if (e.entity, e.entity_id) == (entity, entity_id)]
    decision = merge_policy.decide(entry, answer, queued)
    if isinstance(decision, Acknowledge):
        outbox.remove(conn, entry.client_id)
        if decision.version is not None:
            replica.set_cached_version(conn, entity, entity_id, decision.version)
        outbox.rebase(conn, entity, entity_id, decision.version, decision.rebase_payload)
        _settle(conn, entity, entity_id, decision.settle)
        return Outcome.APPLIED
    if isinstance(decision, Reject):
        outbox.add_conflict(conn, entry, answer.server, decision.reason)
        _settle(conn, entity, entity_id, decision.settle)
        if decision.drop_local_if_unqueued and not outbox.has_pending(conn, entity, entity_id):
            replica.store_record(conn, entity, {"id": entity_id}, "delete", None)
        return Outcome.REJECTED
    if isinstance(decision, Merge):
        _requeue_merged(conn, entry, decision)
        return Outcome.MERGED
    _list_conflict(conn, entity, entity_id, decision)
    return Outcome.CONFLICT


def _requeue_merged(conn: sqlite3.Connection, entry: outbox.OutboxEntry, merge: Merge) -> None:
    new_id = outbox.new_id()
    for other in merge.audited:
        _audit(conn, other, merge.server, f"merged into {new_id}")
    conn.execute(
        "UPDATE outbox SET id = ?, payload = ?, base_version = ?, base_payload = ?, last_error = NULL"
        " WHERE id = ?",
        (
            new_id,
            json.dumps(merge.merged, ensure_ascii=False),
            merge.version,
            json.dumps(merge.server, ensure_ascii=False),
            entry.client_id,
        ),
    )
    conn.executemany("DELETE FROM outbox WHERE id = ?", [(e.client_id,) for e in merge.replaced])
    _store_local(conn, entry.entity, merge.merged, "upsert", merge.version)


def _list_conflict(conn: sqlite3.Connection, entity: str, entity_id: str, conflict: ListConflict) -> None:
    listed = outbox.add_conflict(conn, conflict.listed, conflict.server, conflict.reason)
    for other in conflict.superseded:
        _audit(conn, other, conflict.server, f"superseded by conflict #{listed}")
        outbox.remove(conn, other.client_id)
    _settle(conn, entity, entity_id, conflict.settle)


def _audit(
    conn: sqlite3.Connection, entry: outbox.OutboxEntry, server: dict[str, Any] | None, reason: str
) -> None:
    """A resolved entry in the conflict table: the trail of a write merged or superseded."""
    conflict_id = outbox.add_conflict(conn, entry, server, reason, remove_row=False)
    outbox.resolve_conflict(conn, conflict_id)


def _settle(
    conn: sqlite3.Connection, entity: str, entity_id: str, candidates: tuple[ServerCopy, ...]
) -> None:
    """The record has no outbox rows left: make the cache hold the newest server copy known
    (from push results and copies the pull held back). Without any, the local copy stays."""
    if outbox.has_pending(conn, entity, entity_id):
        return
    row = conn.execute(
        "SELECT version, data FROM server_copies WHERE entity = ? AND id = ?", (entity, entity_id)
    ).fetchone()
    known = list(candidates)
    if row is not None:
        version, data = row
        known.append(ServerCopy(version, None if data is None else json.loads(data)))
        conn.execute("DELETE FROM server_copies WHERE entity = ? AND id = ?", (entity, entity_id))
    if not known:
        return
    newest = max(known, key=lambda copy: copy.version)
    if newest.data is None:
        replica.store_record(conn, entity, {"id": entity_id}, "delete", None)
    else:
        replica.store_server_copy(conn, entity, {**newest.data, "id": entity_id}, newest.version)


def _store_local(
    conn: sqlite3.Connection, entity: str, record: dict[str, Any], op: str, version: int | None
) -> None:
    try:
        replica.store_record(conn, entity, record, op, version)
    except rows.BadRecord as exc:
        raise outbox.OutboxError(f"{entity} {record['id']}: {exc}") from exc


def reapply_conflict(conn: sqlite3.Connection, conflict_id: int) -> str | None:
    """The agent re-applies their copy: it is queued again on the server's current version
    (the record's cached version) and the conflict is marked resolved. Returns the outbox id."""
    with Transaction(conn):
        found = [c for c in outbox.conflicts(conn) if c.id == conflict_id]
        if not found:
            return None
        conflict = found[0]
        before = replica.cached_record(conn, conflict.entity, conflict.entity_id)
        base_version = merge_policy.reapply_base_version(conflict, before.version, before.data is not None)
        _store_local(conn, conflict.entity, conflict.local, "upsert", before.version)
        outbox.resolve_conflict(conn, conflict_id)
        return outbox.enqueue(
            conn,
            conflict.entity,
            conflict.entity_id,
            "upsert",
            conflict.local,
            base_version,
            base_payload=before.data,
        )


def dismiss_conflict(conn: sqlite3.Connection, conflict_id: int) -> None:
    """The agent keeps the server's copy: the conflict is marked resolved."""
    with Transaction(conn):
        outbox.resolve_conflict(conn, conflict_id)
