"""Write parsed source rows (import file lines, OMS webhook orders) into the change feed.

One path for both: customers named by phone are resolved to the one customer with that number;
a record stored exactly as the row says is left alone (no new version, no feed row); a row whose
source version is not newer than the one already applied is stale and left alone too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from calldesk_domain.models import ENTITY_TYPES
from central.importing.rows import ParsedRow
from central.tables import change_log, customer_phones, customers, source_versions
from central.writes import apply_changes

# Fields a source system does not own: kept from the stored record when the row leaves them out.
_KEPT_WHEN_ABSENT = {"customer": ("churn_risk", "churn_reasons", "created_at")}
_IGNORED_IN_COMPARISON = ("version", "updated_at")


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


def _stored(conn: Connection, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        sa.select(change_log.c.entity_id, change_log.c.data).where(
            change_log.c.entity == entity, change_log.c.entity_id.in_(ids), change_log.c.op == "upsert"
        )
    )
    return {row.entity_id: row.data for row in rows if isinstance(row.data, dict)}


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in _IGNORED_IN_COMPARISON}


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
    known = set(conn.execute(sa.select(customers.c.id).where(customers.c.id.in_(named))).scalars())
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
    applied = _source_versions(conn, entity, list(newest))
    stored = _stored(conn, entity, [item.record["id"] for item in newest.values()]) if newest else {}
    record_type = ENTITY_TYPES[entity]
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
        normal = record_type.from_dict(item.record).to_dict()
        if version is not None:
            new_versions[key] = version
        if before is not None and _comparable(normal) == _comparable(before):
            out.append(RowOutcome(item.line, Outcome.UNCHANGED, item.record["id"]))
            continue
        changed.append(normal)
        out.append(RowOutcome(item.line, Outcome.WRITTEN, item.record["id"]))
    if changed:
        apply_changes(conn, entity, upserts=changed)
    _remember_versions(conn, entity, new_versions)
    return out
