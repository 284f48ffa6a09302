"""The business records an agent works with. Plain dataclasses: no Qt, no SQL, no I/O.

Money is integer fen (cents of CNY) so sums are exact; times are timezone-aware UTC datetimes
on the wire as ISO 8601 strings. `from_dict`/`to_dict` give the versioned JSON shape shared by
the central API, the change feed and the local cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any, Self


class Tier(StrEnum):
    """Customer value tier: 高端 / 重要 / 普通 / 小客户."""

    HIGH_END = "high_end"
    IMPORTANT = "important"
    ORDINARY = "ordinary"
    SMALL = "small"


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    SERVICE = "service"  # 400/800 numbers calling in


class PointsKind(StrEnum):
    EARNED = "earned"
    REDEEMED = "redeemed"
    EXPIRED = "expired"


def parse_ts(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


_PLAIN_FIELD = "plain"
_TS_FIELD = "ts"


@cache
def _field_plan(record_type: type) -> dict[str, object]:
    """Field name -> how from_dict converts it: plain, a timestamp, or a nested record type.
    Worked out once per class: a screen pop builds dozens of records."""
    plan: dict[str, object] = {}
    for f in fields(record_type):
        if f.name in record_type._TS_FIELDS:  # type: ignore[attr-defined]
            plan[f.name] = _TS_FIELD
        else:
            plan[f.name] = record_type._NESTED.get(f.name, _PLAIN_FIELD)  # type: ignore[attr-defined]
    return plan


class _Record:
    """JSON round trip shared by every record: datetimes <-> ISO strings, unknown keys ignored."""

    _TS_FIELDS: tuple[str, ...] = ()
    _NESTED: dict[str, type] = {}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        # mypy checks a class against Hashable with its instances' __hash__ (classes are hashable)
        plan = _field_plan(cls)  # type: ignore[arg-type]
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            how = plan.get(key)
            if how is None:
                continue
            if how is _TS_FIELD:
                value = parse_ts(value)
            elif how is not _PLAIN_FIELD and isinstance(value, list):
                value = [how.from_dict(v) for v in value]  # type: ignore[attr-defined]
            kwargs[key] = value
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: what `dataclasses.asdict` gives (a fresh copy of every list and
        dict), timestamps as ISO strings. Walks the field plan instead of asdict's generic
        deep copy, which was half the cost of an import or a central write."""
        out: dict[str, Any] = {}
        for name, how in _field_plan(type(self)).items():  # type: ignore[arg-type]  # as in from_dict
            value = getattr(self, name)
            if how is _TS_FIELD:
                value = format_ts(value)
            elif isinstance(value, list):
                value = [v.to_dict() if isinstance(v, _Record) else _plain_copy(v) for v in value]
            elif isinstance(value, dict | _Record):
                value = _plain_copy(value)
            out[name] = value
        return out


def _plain_copy(value: Any) -> Any:
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_copy(v) for k, v in value.items()}
    return value


@dataclass(slots=True)
class Phone(_Record):
    e164: str  # masked (138****8000) for a role that may not see numbers, see `key`
    kind: str = PhoneKind.MOBILE.value
    label: str = ""
    # With a masked number: the keyed hash of the full E.164 number (central/pop_key.py), what
    # the desktop's pop index is keyed on. "" with a full number (and then left out of to_dict).
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {"e164": self.e164, "kind": self.kind, "label": self.label}
        if self.key:
            out["key"] = self.key
        return out


@dataclass(slots=True)
class Customer(_Record):
    id: str
    name: str
    phones: list[Phone] = field(default_factory=list)
    email: str | None = None
    shop_member_id: str | None = None
    tier: str = Tier.ORDINARY.value
    membership_level: str = ""
    points_balance: int = 0
    tags: list[str] = field(default_factory=list)
    lifetime_value_fen: int = 0
    churn_risk: float = 0.0
    churn_reasons: list[str] = field(default_factory=list)
    city: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    _TS_FIELDS = ("created_at", "updated_at")
    _NESTED = {"phones": Phone}

    @property
    def churn_warning(self) -> bool:
        return self.churn_risk >= CHURN_WARNING_THRESHOLD


CHURN_WARNING_THRESHOLD = 0.6


@dataclass(slots=True)
class OrderItem(_Record):
    sku: str
    name: str
    qty: int
    price_fen: int


@dataclass(slots=True)
class Order(_Record):
    id: str
    customer_id: str
    order_no: str
    placed_at: datetime | None
    status: str
    amount_fen: int
    channel: str = ""
    logistics_status: str = ""
    items: list[OrderItem] = field(default_factory=list)
    version: int = 1

    _TS_FIELDS = ("placed_at",)
    _NESTED = {"items": OrderItem}


@dataclass(slots=True)
class PointsEntry(_Record):
    id: str
    customer_id: str
    ts: datetime | None
    kind: str
    points: int
    note: str = ""
    version: int = 1

    _TS_FIELDS = ("ts",)


@dataclass(slots=True)
class ServiceRecord(_Record):
    id: str
    customer_id: str
    ts: datetime | None
    kind: str  # ticket | contact | repair
    summary: str
    status: str = ""
    channel: str = ""
    version: int = 1

    _TS_FIELDS = ("ts",)


@dataclass(slots=True)
class MarketingTouch(_Record):
    id: str
    customer_id: str
    ts: datetime | None
    campaign: str
    channel: str
    response: str = ""
    version: int = 1

    _TS_FIELDS = ("ts",)


@dataclass(slots=True)
class CustomerDetail:
    """Everything the card shows for one customer."""

    customer: Customer
    orders: list[Order] = field(default_factory=list)
    points: list[PointsEntry] = field(default_factory=list)
    service: list[ServiceRecord] = field(default_factory=list)
    marketing: list[MarketingTouch] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomerDetail:
        return cls(
            customer=Customer.from_dict(data["customer"]),
            orders=[Order.from_dict(o) for o in data.get("orders", [])],
            points=[PointsEntry.from_dict(p) for p in data.get("points", [])],
            service=[ServiceRecord.from_dict(s) for s in data.get("service", [])],
            marketing=[MarketingTouch.from_dict(m) for m in data.get("marketing", [])],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer.to_dict(),
            "orders": [o.to_dict() for o in self.orders],
            "points": [p.to_dict() for p in self.points],
            "service": [s.to_dict() for s in self.service],
            "marketing": [m.to_dict() for m in self.marketing],
        }


# Entity names used by the change feed, the cache and the API.
ENTITY_TYPES: dict[str, type[_Record]] = {
    "customer": Customer,
    "order": Order,
    "points": PointsEntry,
    "service": ServiceRecord,
    "marketing": MarketingTouch,
}
