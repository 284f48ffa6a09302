"""The replica's table layout as the store's SQL sees it: which table holds which feed entity,
its columns (the fields of its named row in desktop/cache/rows.py) and its write statements.
desktop/cache/schema.py defines the same tables for Alembic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calldesk_domain.models import MarketingTouch, Order, PointsEntry, ServiceRecord
from desktop.cache import rows
from desktop.cache.statements import marks, upsert_sql

# detail_fetched_at of a customer cached from an online lookup alone (no orders or history yet)
BASIC_ONLY = ""


@dataclass(frozen=True, slots=True)
class DetailTable:
    """One customer record list: feed `entity`, cache `table`, its columns, the column the card
    sorts on (newest first), the row builder and the domain type a cached row reads back as."""

    entity: str
    table: str
    columns: tuple[str, ...]
    time_column: str
    to_row: Callable[..., rows.DetailRow]
    record_type: Any  # a domain dataclass with from_dict


DETAIL_TABLES: dict[str, DetailTable] = {
    t.entity: t
    for t in (
        DetailTable("order", "orders", rows.OrderRow._fields, "placed_at", rows.order_row, Order),
        DetailTable("points", "points_entries", rows.PointsRow._fields, "ts", rows.points_row, PointsEntry),
        DetailTable(
            "service", "service_records", rows.ServiceRow._fields, "ts", rows.service_row, ServiceRecord
        ),
        DetailTable(
            "marketing",
            "marketing_touches",
            rows.MarketingRow._fields,
            "ts",
            rows.marketing_row,
            MarketingTouch,
        ),
    )
}
# CustomerDetail's lists, in its field order (orders, points, service, marketing)
DETAIL_KINDS: tuple[DetailTable, ...] = tuple(
    DETAIL_TABLES[e] for e in ("order", "points", "service", "marketing")
)

CUSTOMER_UPSERT = upsert_sql("customers", rows.CustomerRow._fields, version_guard=False)
# From the feed: a customer cached from an online lookup alone (detail_fetched_at = '') stops
# being "pop row only", since the feed carries its records from now on (one statement, no second pass).
FEED_CUSTOMER_UPSERT = CUSTOMER_UPSERT + (
    ", detail_fetched_at = CASE WHEN customers.detail_fetched_at = '' THEN NULL"
    " ELSE customers.detail_fetched_at END"
)
_PHONE_COLUMNS = rows.PhoneRow._fields
PHONE_INSERT = f"INSERT INTO phones ({', '.join(_PHONE_COLUMNS)}) VALUES ({marks(_PHONE_COLUMNS)})"
DETAIL_UPSERT: dict[str, str] = {
    e: upsert_sql(t.table, t.columns, version_guard=True) for e, t in DETAIL_TABLES.items()
}
