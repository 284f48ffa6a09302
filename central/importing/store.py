"""Write parsed source rows (import file lines, OMS webhook orders) into the change feed.

One path for both: customers named by phone are resolved to the one customer with that number;
a record stored exactly as the row says is left alone (no new version, no feed row); a row whose
source version is not newer than the one already applied is stale and left alone too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from calldesk_domain.models import ENTITY_TYPES
from central.importing.rows import ParsedRow
from central.tables import change_log, customer_phones, customers, source_versions
from central.writes import apply_changes, lock_writers

# Fields a source system does not own: kept from the stored record when the row leaves them out.
_KEPT_WHEN_ABSENT = {"customer": ("churn_risk", "churn_reasons", "created_at")}
_IGNORED_IN_COMPARISON = ("version", "updated_at")
# Entities whose parser (central.importing.rows) gives exactly the `to_dict()` shape minus
# `version`, so a row is not copied through the dataclass again (a test holds the parsers to it).
NORMAL_WHEN_PARSED = frozenset({"order", "points"})
_CHUNK = 500


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    STALE = "stale"  # the source version is not newer than the one applied
    REVIEW = "review"  # the customer could not be resolved


@dataclass(slots=True)
class RowOutcome:
    line: int
    outcome: Outcome
    record_id: str = ""
    reason: str = ""
    field: str = ""


@dataclass(slots=True)
class _Pending:
    line: int
    parsed: ParsedRow
    record: dict[str, Any] = field(default_factory=dict)


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what only the json module writes (NaN, a huge integer)
        return json.loads(text)


def _stored(
    conn: Connection, entity: str, ids: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """(id -> stored record, id -> last change-log version) of `ids`, in one read of the feed.
    The records come as JSON text, decoded by orjson: a re-run of a big file reads every one."""
    records: dict[str, dict[str, Any]] = {}
    versions: dict[str, int] = {}
    text = sa.cast(change_log.c.data, sa.Text).label("text")
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            sa.select(change_log.c.entity_id, change_log.c.op, change_log.c.version, text).where(
                change_log.c.entity == entity, change_log.c.entity_id.in_(ids[start : start + _CHUNK])
            )
        )
        for entity_id, op, version, data in rows:
            versions[entity_id] = version
            if op == "upsert" and data is not None:
                record = _loads(data)
                if isinstance(record, dict):
                    records[entity_id] = record
    return records, versions


def _same_record(normal: dict[str, Any], before: dict[str, Any]) -> bool:
    """The row says what is stored, apart from the fields the server owns (version, updated_at)."""
    probe = dict(normal)
    for key in _IGNORED_IN_COMPARISON:
        if key in before:
            probe[key] = before[key]
        else:
            probe.pop(key, None)
    return probe == before


def _customers_by_phone(conn: Connection, phones: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    rows = conn.execute(
        sa.select(customer_phones.c.e164, customer_phones.c.customer_id)
        .where(customer_phones.c.e164.in_(phones))
        .distinct()
    )
    for row in rows:
        found.setdefault(row.e164, []).append(row.customer_id)
    return found


def _resolve_customers(conn: Connection, pending: list[_Pending], out: list[RowOutcome]) -> list[_Pending]:
    phones = sorted({p.parsed.customer_phone for p in pending if p.parsed.customer_phone})
    by_phone = _customers_by_phone(conn, phones) if phones else {}
    named = sorted({p.record["customer_id"] for p in pending if p.record["customer_id"]})
    found = (
        conn.execute(sa.select(customers.c.id).where(customers.c.id.in_(named))).scalars() if named else ()
    )
    known = set(found)
    resolved = []
    for item in pending:
        phone = item.parsed.customer_phone
        if phone:
            matches = by_phone.get(phone, [])
            if len(matches) != 1:
                why = "no customer has" if not matches else f"{len(matches)} customers share"
                out.append(
                    RowOutcome(item.line, Outcome.REVIEW, reason=f"{why} {phone}", field="customer_phone")
                )
                continue
            item.record["customer_id"] = matches[0]
        elif item.record["customer_id"] not in known:
            reason = f"unknown customer {item.record['customer_id']}"
            out.append(RowOutcome(item.line, Outcome.REVIEW, reason=reason, field="customer_id"))
            continue
        resolved.append(item)
    return resolved


def _source_versions(conn: Connection, kind: str, keys: list[str]) -> dict[str, int]:
    rows = conn.execute(
        sa.select(source_versions.c.natural_key, source_versions.c.version).where(
            source_versions.c.kind == kind, source_versions.c.natural_key.in_(keys)
        )
    )
    return {row.natural_key: row.version for row in rows}


def _remember_versions(conn: Connection, kind: str, versions: dict[str, int]) -> None:
    if not versions:
        return
    conn.execute(
        source_versions.delete().where(
            source_versions.c.kind == kind, source_versions.c.natural_key.in_(list(versions))
        )
    )
    conn.execute(
        source_versions.insert(),
        [{"kind": kind, "natural_key": key, "version": version} for key, version in versions.items()],
    )


def store_rows(conn: Connection, entity: str, rows: list[tuple[int, ParsedRow]]) -> list[RowOutcome]:
    """Write `rows` (line number, parsed row) in the caller's transaction; one outcome per row.
    A natural key repeated in `rows` is written once, as its last row says."""
    out: list[RowOutcome] = []
    # Everything below is read under the writers' lock, so no other writer changes it meanwhile.
    lock_writers(conn)
    pending = [_Pending(line, parsed, dict(parsed.record)) for line, parsed in rows]
    if entity != "customer":
        pending = _resolve_customers(conn, pending, out)
    newest: dict[str, _Pending] = {}
    for item in pending:
        earlier = newest.get(item.parsed.natural_key)
        if earlier is not None:
            out.append(
                RowOutcome(
                    earlier.line, Outcome.UNCHANGED, earlier.record["id"], "repeated later in the file"
                )
            )
        newest[item.parsed.natural_key] = item
    versioned = [key for key, item in newest.items() if item.parsed.source_version is not None]
    applied = _source_versions(conn, entity, versioned) if versioned else {}
    stored, last_versions = _stored(conn, entity, [item.record["id"] for item in newest.values()])
    record_type = ENTITY_TYPES[entity]
    parsed_is_normal = entity in NORMAL_WHEN_PARSED
    changed: list[dict[str, Any]] = []
    new_versions: dict[str, int] = {}
    for key, item in newest.items():
        version = item.parsed.source_version
        if version is not None and key in applied and applied[key] >= version:
            out.append(
                RowOutcome(
                    item.line, Outcome.STALE, item.record["id"], f"version {version} <= {applied[key]}"
                )
            )
            continue
        before = stored.get(item.record["id"])
        if before is not None:
            for kept in _KEPT_WHEN_ABSENT.get(entity, ()):
                if item.record.get(kept) in (None, [], 0.0) and before.get(kept) is not None:
                    item.record[kept] = before[kept]
        normal = item.record if parsed_is_normal else record_type.from_dict(item.record).to_dict()
        if version is not None:
            new_versions[key] = version
        if before is not None and _same_record(normal, before):
            out.append(RowOutcome(item.line, Outcome.UNCHANGED, item.record["id"]))
            continue
        changed.append(normal)
        out.append(RowOutcome(item.line, Outcome.WRITTEN, item.record["id"]))
    if changed:
        apply_changes(conn, entity, upserts=changed, normalized=True, last_versions=last_versions)
    _remember_versions(conn, entity, new_versions)
    return out
