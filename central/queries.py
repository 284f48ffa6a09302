"""Read side of the central API: rows -> record dicts in the `to_dict()` shape of
`calldesk_domain.models`. No HTTP here; `central.app` calls these inside one connection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from calldesk_domain.models import ENTITY_TYPES, format_ts
from calldesk_domain.phone import normalize
from central.tables import (
    ENTITY_TABLES,
    change_log,
    customer_phones,
    customers,
    orders,
    service_records,
)

OPEN_SERVICE_STATUSES = ("open", "in_progress")
_CUSTOMER_ID = re.compile(r"[Cc]\d{1,12}")
_FIELDS = {entity: [f.name for f in fields(cls)] for entity, cls in ENTITY_TYPES.items()}  # type: ignore[arg-type]
_JSON_SEPARATORS = (",", ":")


def record_dict(entity: str, row: Row | dict[str, Any]) -> dict[str, Any]:
    """One record row as its wire dict (customers need `attach_phones` for their phones)."""
    mapping = row._mapping if isinstance(row, Row) else row
    ts_fields = ENTITY_TYPES[entity]._TS_FIELDS
    out: dict[str, Any] = {}
    for name in _FIELDS[entity]:
        if name == "phones":
            out[name] = []
            continue
        value = mapping[name]
        if name in ts_fields:
            value = format_ts(value)
        out[name] = value
    return out


def customer_dicts(conn: Connection, rows: list[Row]) -> list[dict[str, Any]]:
    """Customer rows -> wire dicts with their phones (one query for all phones), order kept."""
    result = [record_dict("customer", row) for row in rows]
    by_id = {c["id"]: c for c in result}
    if by_id:
        phone_rows = conn.execute(
            sa.select(customer_phones)
            .where(customer_phones.c.customer_id.in_(list(by_id)))
            .order_by(customer_phones.c.customer_id, customer_phones.c.position)
        )
        for phone in phone_rows:
            by_id[phone.customer_id]["phones"].append(
                {"e164": phone.e164, "kind": phone.kind, "label": phone.label}
            )
    return result


def customers_by_ids(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    order = {customer_id: index for index, customer_id in enumerate(ids)}
    rows = sorted(
        conn.execute(sa.select(customers).where(customers.c.id.in_(ids))), key=lambda row: order[row.id]
    )
    return customer_dicts(conn, rows)


def lookup_by_phone(conn: Connection, e164: str) -> list[dict[str, Any]]:
    """Every customer that has this E.164 number (shared family landlines give several)."""
    ids = conn.execute(
        sa.select(customer_phones.c.customer_id)
        .where(customer_phones.c.e164 == e164)
        .distinct()
        .order_by(customer_phones.c.customer_id)
    ).scalars()
    return customers_by_ids(conn, list(ids))


def _records(conn: Connection, entity: str, customer_id: str, newest_first_by: str) -> list[dict[str, Any]]:
    table = ENTITY_TABLES[entity]
    rows = conn.execute(
        sa.select(table)
        .where(table.c.customer_id == customer_id)
        .order_by(table.c[newest_first_by].desc(), table.c.id.desc())
    )
    return [record_dict(entity, row) for row in rows]


def customer_detail(conn: Connection, customer_id: str) -> dict[str, Any] | None:
    found = customers_by_ids(conn, [customer_id])
    if not found:
        return None
    return {
        "customer": found[0],
        "orders": _records(conn, "order", customer_id, "placed_at"),
        "points": _records(conn, "points", customer_id, "ts"),
        "service": _records(conn, "service", customer_id, "ts"),
        "marketing": _records(conn, "marketing", customer_id, "ts"),
    }


def customer_summary(conn: Connection, customer_id: str) -> dict[str, Any] | None:
    found = customers_by_ids(conn, [customer_id])
    if not found:
        return None
    last = conn.execute(
        sa.select(orders)
        .where(orders.c.customer_id == customer_id)
        .order_by(orders.c.placed_at.desc(), orders.c.id.desc())
        .limit(1)
    ).first()
    open_service = conn.execute(
        sa.select(sa.func.count())
        .select_from(service_records)
        .where(
            service_records.c.customer_id == customer_id,
            service_records.c.status.in_(OPEN_SERVICE_STATUSES),
        )
    ).scalar_one()
    return {
        "customer": found[0],
        "last_order": record_dict("order", last) if last else None,
        "open_service": int(open_service),
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(conn: Connection, q: str, limit: int) -> list[dict[str, Any]]:
    """Customers matching `q` as customer id, order no, shop member id, phone (any format) or
    name substring. Exact matches come first, then name matches (exact name first, then by id).
    """
    ids: list[str] = []
    if _CUSTOMER_ID.fullmatch(q):
        ids.extend(conn.execute(sa.select(customers.c.id).where(customers.c.id == q.upper())).scalars())
    ids.extend(conn.execute(sa.select(orders.c.customer_id).where(orders.c.order_no == q)).scalars())
    ids.extend(conn.execute(sa.select(customers.c.id).where(customers.c.shop_member_id == q)).scalars())
    if sum(ch.isdigit() for ch in q) >= 7:
        e164 = normalize(q)
        if e164:
            ids.extend(
                conn.execute(
                    sa.select(customer_phones.c.customer_id)
                    .where(customer_phones.c.e164 == e164)
                    .order_by(customer_phones.c.customer_id)
                ).scalars()
            )
    if not q.replace(" ", "").replace("-", "").replace("+", "").isdigit():
        pattern = f"%{_escape_like(q)}%"
        ids.extend(
            conn.execute(
                sa.select(customers.c.id)
                .where(customers.c.name.ilike(pattern, escape="\\"))
                .order_by(sa.case((customers.c.name == q, 0), else_=1), customers.c.id)
                .limit(limit + len(ids))
            ).scalars()
        )
    unique = list(dict.fromkeys(ids))[:limit]
    return customers_by_ids(conn, unique)


def _encode_change(seq: int, entity: str, entity_id: str, op: str, version: int, data: str | None) -> str:
    head = json.dumps(
        {"seq": seq, "entity": entity, "id": entity_id, "op": op, "version": version},
        ensure_ascii=False,
        separators=_JSON_SEPARATORS,
    )
    return f'{head[:-1]},"data":{data if data is not None else "null"}}}'


def change_columns() -> list[Any]:
    return [
        change_log.c.seq,
        change_log.c.entity,
        change_log.c.entity_id,
        change_log.c.op,
        change_log.c.version,
        sa.cast(change_log.c.data, sa.Text).label("data"),
    ]


DataFilter = Callable[[str, str | None], str | None]


def encode_rows(rows: Sequence[Row], data_filter: DataFilter | None) -> list[str]:
    if data_filter is None:
        return [_encode_change(r.seq, r.entity, r.entity_id, r.op, r.version, r.data) for r in rows]
    return [
        _encode_change(r.seq, r.entity, r.entity_id, r.op, r.version, data_filter(r.entity, r.data))
        for r in rows
    ]


def changes_page(
    conn: Connection, since: int, limit: int, data_filter: DataFilter | None = None
) -> tuple[list[str], int, int]:
    """One page of the change feed as pre-encoded JSON objects, plus (next_since, remaining).

    Both queries stay O(page) at any feed size: the page is a range scan of the primary key
    (limit + 1 rows, the extra one says whether more follow) and `remaining` is an ESTIMATE,
    max(seq) - next_since (one step down the primary key's index), not a count of the rest: a
    count(*) per page made a long catch-up quadratic. Seqs are never reused but may have gaps
    (rolled-back inserts), so it can only be too high; 0 exactly when nothing follows.
    The stored `data` JSON text is spliced in as is, so a 5,000-change page is not decoded and
    re-encoded record by record; `data_filter(entity, data)` (the caller's data minimisation,
    central/pop_key.py) rewrites the records it must.
    """
    encoded, next_since, has_more = _changes_after(conn, since, limit, data_filter)
    remaining = max(1, feed_head(conn) - next_since) if has_more else 0
    return encoded, next_since, remaining


def entity_changes_page(
    conn: Connection, entity: str, since: int, limit: int, data_filter: DataFilter | None = None
) -> tuple[list[str], int, bool]:
    """One page of ONE entity's changes after `since`: (encoded changes, next_since, has_more).

    A range scan of ix_change_log_entity_seq. No `remaining` count here: counting the rest of an
    11M-row log on every page made a full sync quadratic; `/sync/head` counts once instead."""
    return _changes_after(conn, since, limit, data_filter, change_log.c.entity == entity)


def _changes_after(
    conn: Connection, since: int, limit: int, data_filter: DataFilter | None, *where: Any
) -> tuple[list[str], int, bool]:
    """Up to `limit` encoded changes after `since` (and `where`), the seq to go on from, and
    whether more follow (one row past the limit is read to tell)."""
    rows = conn.execute(
        sa.select(*change_columns())
        .where(change_log.c.seq > since, *where)
        .order_by(change_log.c.seq)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    return encode_rows(rows, data_filter), int(rows[-1].seq if rows else since), has_more


def feed_head(conn: Connection) -> int:
    """The newest seq in the change feed (0 for an empty feed)."""
    return int(conn.execute(sa.select(sa.func.max(change_log.c.seq))).scalar_one() or 0)


def entity_counts(conn: Connection, entities: list[str], head: int) -> dict[str, int]:
    """Changes per entity up to `head` (index-only counts, one per entity)."""
    return {
        entity: int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(change_log)
                .where(change_log.c.entity == entity, change_log.c.seq <= head)
            ).scalar_one()
        )
        for entity in entities
    }


# Detail entities of the windowed bootstrap and the column that dates each record.
WINDOW_TIME_COLUMNS = {"order": "placed_at", "points": "ts", "service": "ts", "marketing": "ts"}


def window_page(
    conn: Connection, entity: str, start: datetime | None, after: str, limit: int
) -> tuple[list[str], str, bool]:
    """Detail records of `entity` dated at or after `start` (None: all), keyset-paged by id after `after`,
    as change objects (seq 0: they come from the record table, not the feed):
    (encoded changes, next_after, has_more)."""
    table = ENTITY_TABLES[entity]
    query = sa.select(table).where(table.c.id > after)
    if start is not None:
        query = query.where(table.c[WINDOW_TIME_COLUMNS[entity]] >= start)
    rows = conn.execute(query.order_by(table.c.id).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    encoded = [
        _encode_change(
            0,
            entity,
            row.id,
            "upsert",
            row.version,
            json.dumps(record_dict(entity, row), ensure_ascii=False, separators=_JSON_SEPARATORS),
        )
        for row in rows
    ]
    return encoded, rows[-1].id if rows else after, has_more


def window_counts(conn: Connection, start: datetime | None) -> dict[str, int]:
    """Detail records per entity dated at or after `start` (None: all), the window phase's total."""
    out = {}
    for entity, column in WINDOW_TIME_COLUMNS.items():
        table = ENTITY_TABLES[entity]
        query = sa.select(sa.func.count()).select_from(table)
        if start is not None:
            query = query.where(table.c[column] >= start)
        out[entity] = int(conn.execute(query).scalar_one())
    return out
