"""One input row of `calldesk central import` -> a record dict in the change-feed shape, or why not.

Pure: no database, no I/O. Each parser takes the row as read (a JSON object, or a CSV row whose
list-valued columns hold JSON) and returns the record plus its natural key, or raises `RowError`
naming the field and the reason; the importer reports that with the row's line number.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from calldesk_domain.models import PhoneKind, PointsKind, Tier, format_ts, parse_ts
from calldesk_domain.phone import normalize

MAX_TEXT = 512
ORDER_STATUSES = ("pending_payment", "paid", "shipped", "completed", "cancelled", "refunded")
CUSTOMER_ID_PREFIX = "C"


class RowError(ValueError):
    """A row that cannot be imported; `field` is the offending input field ('' for the row)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


def has_lone_surrogate(value: Any) -> bool:
    """A JSON escape like "\\ud800" decodes to a string no database can store (not UTF-8): such a
    row is refused up front rather than failing its whole batch on the write."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A valid row: the record (without `version`), its natural key and, for orders of a customer
    the file names only by phone, that phone (E.164) to resolve."""

    record: dict[str, Any]
    natural_key: str
    customer_phone: str | None = None
    source_version: int | None = None  # the source system's version of the record, if it has one


def _text(row: dict[str, Any], field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = row.get(field)
    if type(value) is str:  # the common case first: a parser runs a million times per import
        text = value.strip()
        if text and len(text) <= limit:
            return text
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowError(field, "missing")
        return ""
    if not isinstance(value, str | int):
        raise RowError(field, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > limit:
        raise RowError(field, f"longer than {limit} characters")
    return text


# Bounds on the wall-clock time as written (in the row's own offset).
_EARLIEST = datetime(1970, 1, 2)
_LATEST = datetime(2200, 1, 1)
# The common amount spellings ("199", "199.5", "199.00", "-3.20"), read without Decimal; anything
# else (exponents, "+", more digits) takes the Decimal path, which gives the same fen or the reason.
_PLAIN_AMOUNT = re.compile(r"(-?)([0-9]{1,10})(?:\.([0-9]{1,2}))?")


def _timestamp(row: dict[str, Any], field: str) -> str:
    raw = _text(row, field)
    try:
        parsed = parse_ts(raw)
    except ValueError:
        raise RowError(field, f"not an ISO-8601 date-time: {raw!r}") from None
    assert parsed is not None
    if not _EARLIEST <= parsed.replace(tzinfo=None) <= _LATEST:
        raise RowError(field, f"out of range: {raw!r}")
    return format_ts(parsed) or ""


def _fen(value: Any, field: str) -> int:
    """'199.00' (yuan, at most 2 decimals) -> 19900 fen."""
    if isinstance(value, str) and (plain := _PLAIN_AMOUNT.fullmatch(value)) is not None:
        sign, whole, cents = plain.groups()
        plain_fen = int(whole) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
        return -plain_fen if sign else plain_fen
    if isinstance(value, bool) or value is None or value == "":
        raise RowError(field, "missing" if value in (None, "") else "expected an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise RowError(field, f"not a decimal amount: {value!r}") from None
    if not amount.is_finite():
        raise RowError(field, f"not a decimal amount: {value!r}")
    if amount.copy_abs() > 10**11:  # before any arithmetic: "1E1000000" * 100 raises Overflow
        raise RowError(field, f"out of range: {value!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise RowError(field, f"more than 2 decimals: {value!r}")
    if abs(fen) > 10**13:
        raise RowError(field, f"out of range: {value!r}")
    return int(fen)


def _int(value: Any, field: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise RowError(field, "expected a whole number")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise RowError(field, f"not a whole number: {value!r}") from None
    if minimum is not None and number < minimum:
        raise RowError(field, f"must be at least {minimum}")
    if abs(number) > 2**53:
        raise RowError(field, "out of range")
    return number


def _json_list(row: dict[str, Any], field: str) -> list[Any]:
    value = row.get(field)
    if value is None or value == "":
        return []
    if isinstance(value, str):  # a CSV cell holding JSON
        try:
            value = json.loads(value)
        except ValueError:
            raise RowError(field, "not a JSON list") from None
    if not isinstance(value, list):
        raise RowError(field, "expected a list")
    return value


def _customer_ref(row: dict[str, Any]) -> tuple[str, str | None]:
    """(customer id, '') or ('', E.164 phone) for a row that names its customer by phone."""
    customer_id = _text(row, "customer_id", required=False, limit=16)
    if customer_id:
        return customer_id, None
    phone = _text(row, "customer_phone", required=False, limit=32)
    phone = phone or _text(row, "phone", required=False, limit=32)
    if not phone:
        raise RowError("customer_id", "missing (and no customer_phone to match by)")
    e164 = normalize(phone)
    if e164 is None:
        raise RowError("customer_phone", f"not a phone number: {phone!r}")
    return "", e164


def imported_id(prefix: str, natural_key: str) -> str:
    """A stable 16-character record id for a record known by its natural key (an order number):
    the same key always gets the same id, so a re-import updates instead of duplicating."""
    return prefix + hashlib.sha256(natural_key.encode()).hexdigest()[:15]


def parse_order(row: dict[str, Any]) -> ParsedRow:
    order_no = _text(row, "order_no", limit=32)
    customer_id, phone = _customer_ref(row)
    status = _text(row, "status", limit=24)
    if status not in ORDER_STATUSES:
        raise RowError("status", f"unknown status {status!r}; expected one of {', '.join(ORDER_STATUSES)}")
    items = []
    for index, item in enumerate(_json_list(row, "items")):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            raise RowError(where, "expected an object")
        try:
            items.append(
                {
                    "sku": _text(item, "sku", required=False, limit=32),
                    "name": _text(item, "name", limit=128),
                    "qty": _int(item.get("qty", 1), "qty", minimum=1),
                    "price_fen": _fen(item.get("price"), "price"),
                }
            )
        except RowError as exc:
            raise RowError(f"{where}.{exc.field}", exc.reason) from None
    record = {
        "id": imported_id("X", order_no),
        "customer_id": customer_id,
        "order_no": order_no,
        "placed_at": _timestamp(row, "created_at" if "created_at" in row else "placed_at"),
        "status": status,
        "amount_fen": _fen(row.get("amount"), "amount"),
        "channel": _text(row, "channel", required=False, limit=32),
        "logistics_status": _text(row, "logistics_status", required=False, limit=64),
        "items": items,
    }
    version = _int(row["version"], "version", minimum=0) if row.get("version") not in (None, "") else None
    return ParsedRow(record, order_no, phone, version)


def parse_customer(row: dict[str, Any]) -> ParsedRow:
    customer_id = _text(row, "id", limit=16)
    phones = []
    for index, raw in enumerate(_json_list(row, "phones") or ([row["phone"]] if row.get("phone") else [])):
        number = raw.get("e164") or raw.get("number") if isinstance(raw, dict) else raw
        e164 = normalize(str(number)) if number else None
        if e164 is None:
            raise RowError(f"phones[{index}]", f"not a phone number: {number!r}")
        kind = raw.get("kind", PhoneKind.MOBILE.value) if isinstance(raw, dict) else PhoneKind.MOBILE.value
        if kind not in {k.value for k in PhoneKind}:
            raise RowError(f"phones[{index}].kind", f"unknown kind {kind!r}")
        label = _text(raw, "label", required=False, limit=32) if isinstance(raw, dict) else ""
        phones.append({"e164": e164, "kind": kind, "label": label})
    tier = _text(row, "tier", required=False, limit=16) or Tier.ORDINARY.value
    if tier not in {t.value for t in Tier}:
        raise RowError("tier", f"unknown tier {tier!r}; expected one of {', '.join(t.value for t in Tier)}")
    tags = _json_list(row, "tags")
    if not all(isinstance(tag, str) and len(tag) <= 32 for tag in tags):
        raise RowError("tags", "expected a list of short texts")
    record = {
        "id": customer_id,
        "name": _text(row, "name", limit=64),
        "phones": phones,
        "email": _text(row, "email", required=False, limit=128) or None,
        "shop_member_id": _text(row, "shop_member_id", required=False, limit=32) or None,
        "tier": tier,
        "membership_level": _text(row, "membership_level", required=False, limit=32),
        "points_balance": _int(row.get("points_balance", 0) or 0, "points_balance"),
        "tags": tags,
        "lifetime_value_fen": _fen(row["lifetime_value"], "lifetime_value")
        if row.get("lifetime_value")
        else 0,
        "city": _text(row, "city", required=False, limit=32),
        "created_at": _timestamp(row, "created_at") if row.get("created_at") else None,
    }
    return ParsedRow(record, customer_id)


def parse_points(row: dict[str, Any]) -> ParsedRow:
    entry_id = _text(row, "id", limit=16)
    customer_id, phone = _customer_ref(row)
    kind = _text(row, "kind", limit=16)
    if kind not in {k.value for k in PointsKind}:
        known = ", ".join(k.value for k in PointsKind)
        raise RowError("kind", f"unknown kind {kind!r}; expected one of {known}")
    record = {
        "id": entry_id,
        "customer_id": customer_id,
        "ts": _timestamp(row, "ts"),
        "kind": kind,
        "points": _int(row.get("points"), "points"),
        "note": _text(row, "note", required=False, limit=128),
    }
    return ParsedRow(record, entry_id, phone)


PARSERS: dict[str, tuple[str, Callable[[dict[str, Any]], ParsedRow]]] = {
    "customers": ("customer", parse_customer),
    "orders": ("order", parse_order),
    "points": ("points", parse_points),
}
