"""Applying the change feed: each change checked (a bad one is logged and skipped), a page
collapsed to the last change per record, and written in bulk in ONE transaction with the feed
cursor (docs/sync-protocol.md "Pull" and "Bootstrap").

A record with pending local writes is not overwritten: the server's copy is held back in
`server_copies` until the push side settles the record (desktop/cache/push_results.py)."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeGuard

from desktop.cache import outbox, replica, rows
from desktop.cache.statements import Transaction, last_seq, set_state, write_rows
from desktop.cache.tables import DETAIL_TABLES, DETAIL_UPSERT

log = logging.getLogger(__name__)

# A change may carry the JSON text of its `data` under this key (desktop.services.api keeps it
# while decoding a bulk page); the cache then stores that text instead of encoding the dict again.
DATA_TEXT_KEY = "_data_text"


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """Outcome of one change page: `applied` valid changes written (stale versions are a no-op
    but count as applied), `skipped` bad rows logged and left out, `last_seq` stored with them."""

    applied: int
    skipped: int
    last_seq: int


class Change(NamedTuple):  # a tuple: a million of them per bootstrap, built fast
    seq: int
    entity: str
    record_id: str
    op: str
    data: dict[str, Any] | None
    version: int | None = None
    data_text: str | None = None  # the JSON text of `data` as received, when the page kept it


RecordKey = tuple[str, str]  # (entity, record id)


def parse_change(change: object) -> Change:
    """One change from the feed, checked; rows.BadRecord says what is wrong with it."""
    if not isinstance(change, dict):
        raise rows.BadRecord(f"change must be an object, got {type(change).__name__}")
    seq = change.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise rows.BadRecord(f"change 'seq' must be a non-negative whole number, got {seq!r}")
    entity = change.get("entity")
    if not isinstance(entity, str) or (
        entity != "customer" and entity not in DETAIL_TABLES and entity not in outbox.LOCAL_ENTITIES
    ):
        raise rows.BadRecord(f"unknown entity {entity!r}")
    record_id = change.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise rows.BadRecord(f"change 'id' must be non-empty text, got {record_id!r}")
    op = change.get("op")
    data = change.get("data")
    version = change.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        version = None
    if op == "delete":
        return Change(seq, entity, record_id, op, None, version)
    if op != "upsert":
        raise rows.BadRecord(f"unknown op {op!r}")
    if not isinstance(data, dict):
        raise rows.BadRecord("upsert without a data object")
    text = change.get(DATA_TEXT_KEY)
    if "version" not in data and version is not None:
        data = {**data, "version": version}
        text = None  # no longer the record as received
    if version is None and isinstance(data.get("version"), int) and not isinstance(data["version"], bool):
        version = data["version"]
    return Change(seq, entity, record_id, op, data, version, text if isinstance(text, str) else None)


class Collapsed(NamedTuple):
    latest: dict[RecordKey, Change]  # the last valid change per record
    skipped: int  # bad rows
    max_seq: int  # the largest seq seen, bad rows included


def _seq_after(seq: object, at: int) -> TypeGuard[int]:
    return isinstance(seq, int) and not isinstance(seq, bool) and seq > at


def collapse(changes: object, max_seq: int) -> Collapsed:
    latest: dict[RecordKey, Change] = {}
    skipped = 0
    for index, raw in enumerate(changes if isinstance(changes, list) else []):
        seq = raw.get("seq") if isinstance(raw, dict) else None
        if _seq_after(seq, max_seq):
            max_seq = seq
        try:
            change = parse_change(raw)
        except rows.BadRecord as exc:
            skipped += 1
            log.warning("sync: change #%d (seq %r) skipped: %s", index, seq, exc)
            continue
        latest[(change.entity, change.record_id)] = change
    return Collapsed(latest, skipped, max_seq)


def apply_changes_report(
    conn: sqlite3.Connection, changes: object, next_since: int | None = None, feed_complete: bool = False
) -> ApplyReport:
    """Upsert/delete one page of changes and store the new `since` in ONE transaction.

    The new `since` is the largest of the stored one, `next_since` and every seq seen (bad
    rows included, so a poisoned change is skipped, not fetched forever). Within a page the
    last change per record wins. Bad rows are logged, counted and skipped."""
    start = next_since if isinstance(next_since, int) and not isinstance(next_since, bool) else 0
    page = collapse(changes, start)
    applied = (len(changes) if isinstance(changes, list) else 0) - page.skipped
    with Transaction(conn):
        bad = write_changes(conn, page.latest)
        new_seq = max(last_seq(conn), page.max_seq)
        set_state(conn, "last_seq", str(new_seq))
        if feed_complete:
            set_state(conn, "feed_complete", "1")
    return ApplyReport(applied=applied - bad, skipped=page.skipped + bad, last_seq=new_seq)


def apply_feed_step(
    conn: sqlite3.Connection, since: int, changes: object, next_since: int
) -> ApplyReport | None:
    """A page the notification stream carried (every change after `since` up to `next_since`):
    applied as a pulled page where the cache stands within it. At `since` the whole page goes
    in; past `since` (a pull already brought part of it: a pull reads up to the database's head,
    which runs ahead of the last notice) only the changes after the cache's seq. Behind `since`
    (a gap), at or past `next_since`, or mid-bootstrap (the stored seq is 0 until a bootstrap
    ends) nothing is written and None says "pull". Only the worker thread writes the cursor, so
    the check holds until the page is in."""
    at = last_seq(conn)
    if since <= 0 or not since <= at < next_since or not isinstance(changes, list):
        return None
    if at > since:
        changes = [c for c in changes if isinstance(c, dict) and _seq_after(c.get("seq"), at)]
    return apply_changes_report(conn, changes, next_since)


def apply_bootstrap_page(conn: sqlite3.Connection, changes: object, state: dict[str, str]) -> ApplyReport:
    """One bootstrap page (docs/sync-protocol.md "Bootstrap") and its cursor, in ONE transaction.

    Same validation and version-guarded apply as a feed page, but `last_seq` is left alone:
    the page moves the bootstrap cursor (`state`: sync_state keys -> values) instead. A
    `last_seq` in `state` never moves the stored one backwards."""
    page = collapse(changes, 0)
    applied = (len(changes) if isinstance(changes, list) else 0) - page.skipped
    with Transaction(conn):
        bad = write_changes(conn, page.latest)
        for key, value in state.items():
            if key == "last_seq":
                value = str(max(last_seq(conn), int(value)))
            set_state(conn, key, value)
    return ApplyReport(applied=applied - bad, skipped=page.skipped + bad, last_seq=last_seq(conn))


def write_changes(conn: sqlite3.Connection, latest: dict[RecordKey, Change]) -> int:
    """Write collapsed changes inside the caller's transaction; returns bad records skipped."""
    bad = 0
    # Read inside the write transaction: a local write committed a moment ago must not
    # be overwritten by the server's older copy.
    held = outbox.pending_keys(conn) if latest else set()
    generic_upserts: list[replica.LocalRecordRow] = []
    generic_deletes: list[RecordKey] = []
    customer_upserts: list[rows.CustomerRows] = []
    customer_deletes: list[str] = []
    detail_upserts: dict[str, list[rows.DetailRow]] = {e: [] for e in DETAIL_TABLES}
    detail_deletes: dict[str, list[str]] = {e: [] for e in DETAIL_TABLES}
    for change in latest.values():
        if held and (change.entity, change.record_id) in held:
            hold_server_copy(conn, change)
            continue
        if change.entity in outbox.LOCAL_ENTITIES:
            if change.data is None:  # a delete
                generic_deletes.append((change.entity, change.record_id))
            else:
                generic_upserts.append(
                    replica.LocalRecordRow(change.entity, change.record_id, change.data, change.version)
                )
            continue
        if change.op == "delete":
            (customer_deletes if change.entity == "customer" else detail_deletes[change.entity]).append(
                change.record_id
            )
            continue
        try:
            if change.entity == "customer":
                customer_upserts.append(rows.customer_rows(change.data, change.record_id, change.data_text))
            else:
                detail_upserts[change.entity].append(
                    DETAIL_TABLES[change.entity].to_row(change.data, change.record_id, change.data_text)
                )
        except rows.BadRecord as exc:
            bad += 1
            log.warning("sync: %s %s (seq %d) skipped: %s", change.entity, change.record_id, change.seq, exc)

    if customer_deletes:
        replica.delete_customers(conn, customer_deletes)
    replica.upsert_customers(conn, customer_upserts, from_feed=True)
    for entity, table in DETAIL_TABLES.items():
        if detail_deletes[entity]:
            conn.executemany(
                f"DELETE FROM {table.table} WHERE id = ?", [(i,) for i in detail_deletes[entity]]
            )
        if detail_upserts[entity]:
            write_rows(conn, DETAIL_UPSERT[entity], detail_upserts[entity])
    if generic_deletes:
        conn.executemany("DELETE FROM local_records WHERE entity = ? AND id = ?", generic_deletes)
    if generic_upserts:
        replica.upsert_local_records(conn, generic_upserts)
    return bad


def hold_server_copy(conn: sqlite3.Connection, change: Change) -> None:
    """Keep the server's copy of a record with pending local edits (newest version wins)."""
    conn.execute(
        "INSERT INTO server_copies (entity, id, version, data) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(entity, id) DO UPDATE SET version = excluded.version, data = excluded.data"
        " WHERE excluded.version >= server_copies.version",
        (
            change.entity,
            change.record_id,
            change.version or 0,
            None if change.data is None else json.dumps(change.data, ensure_ascii=False),
        ),
    )
