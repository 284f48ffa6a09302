"""Turn change-feed / API records (plain dicts from outside) into cache rows, checking every field.

Anything from the network is untrusted: a missing field, a wrong type or an unparsable time raises
`BadRecord` with a reason; the caller logs it, counts it and goes on with the rest of the page.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from calldesk_domain.models import parse_ts
from calldesk_domain.phone import normalize
from desktop.cache.pinyin import name_keys

_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


_MEMO_LIMIT = 500_000


class BadRecord(ValueError):
    """A record that cannot be stored; the message says which field and why."""


# Named rows, one field per column in the table's column order (desktop/cache/tables.py), so a
# row is bound to an INSERT as it is. They are tuples: a bootstrap builds millions of them, and
# the hot paths build them with `tuple.__new__(Row, (...))`, the cost of a plain tuple.


class CustomerRow(NamedTuple):
    id: str
    name: str
    name_initials: str
    name_pinyin: str
    tier: str
    membership_level: str
    points_balance: int
    churn_risk: float
    churn_reasons: str  # JSON list of text
    tags: str  # JSON list of text
    version: int
    data: str  # the whole record as JSON


class PhoneRow(NamedTuple):
    customer_id: str
    e164: str  # or "#" + the keyed hash of a number the server sent masked
    digits_reversed: str
    kind: str
    label: str
    masked: str | None  # the masked number shown (None: `e164` is the full number)


class CustomerRows(NamedTuple):
    """A customer's pop-index row and its phone rows."""

    customer: CustomerRow
    phones: list[PhoneRow]


class OrderRow(NamedTuple):
    id: str
    customer_id: str
    order_no: str
    placed_at: str | None
    status: str
    amount_fen: int
    version: int
    payload: str


class PointsRow(NamedTuple):
    id: str
    customer_id: str
    ts: str | None
    kind: str
    points: int
    version: int
    payload: str


class ServiceRow(NamedTuple):
    id: str
    customer_id: str
    ts: str | None
    kind: str
    status: str
    version: int
    payload: str


class MarketingRow(NamedTuple):
    id: str
    customer_id: str
    ts: str | None
    campaign: str
    channel: str
    version: int
    payload: str


DetailRow = OrderRow | PointsRow | ServiceRow | MarketingRow
_Row = TypeVar("_Row", bound=tuple[Any, ...])
_new_row = tuple.__new__


# The wire form the central API writes (2026-11-23T08:00:00Z, optional fraction): converted to
# the fixed-width form by string surgery, without a datetime round trip (bulk sync hot path).
_WIRE_UTC = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z")
# Already E.164-shaped numbers from the server skip the full phonenumbers parse.
_E164_SHAPE = re.compile(r"\+[1-9]\d{6,14}")
_PHONE_KEY = re.compile(r"[0-9a-f]{32}")


def _wire_match(value: str) -> re.Match[str] | None:
    """The wire form's match, its date checked (BadRecord for month 13); None: another form."""
    wire = _WIRE_UTC.fullmatch(value)
    if wire is not None:
        try:
            datetime.fromisoformat(wire.group(1))  # C-fast calendar check: no month 13
        except ValueError as exc:
            raise BadRecord(f"timestamp {value!r} is not a real date") from exc
    return wire


def ts_text(value: object) -> str | None:
    """Fixed-width UTC text so that SQL text order equals time order; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        wire = _wire_match(value)
        if wire is not None:
            return f"{wire.group(1)}.{(wire.group(2) or '').ljust(6, '0')}Z"
    if not isinstance(value, str | datetime):
        raise BadRecord(f"timestamp {value!r} is not text")
    try:
        parsed = parse_ts(value)
    except (ValueError, TypeError) as exc:
        raise BadRecord(f"timestamp {value!r} is not ISO 8601") from exc
    assert parsed is not None
    return parsed.astimezone(UTC).strftime(_TS_FORMAT)


def check_ts(value: object) -> None:
    """Refuse what `ts_text` refuses (BadRecord), without building the text."""
    if value.__class__ is str and _wire_match(value) is not None:
        return
    ts_text(value)


def text_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)  # our own fixed-width "...Z" text: aware UTC


def now_text() -> str:
    return datetime.now(UTC).strftime(_TS_FORMAT)


def _str(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None and default is not None:
        value = default
    if not isinstance(value, str):
        raise BadRecord(f"field '{key}' must be text, got {type(value).__name__}")
    return value


def _id(data: dict[str, Any], key: str) -> str:
    value = _str(data, key)
    if not value.strip():
        raise BadRecord(f"field '{key}' is empty")
    return value


def _int(data: dict[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if value is None and default is not None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(f"field '{key}' must be a whole number, got {value!r}")
    return value


def _float(data: dict[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRecord(f"field '{key}' must be a number, got {value!r}")
    return float(value)


def _str_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRecord(f"field '{key}' must be a list of text")
    return value


def _record(data: object, expected_id: str | None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadRecord(f"record must be an object, got {type(data).__name__}")
    missing = [key for key in ("id", *required) if key not in data]
    if missing:
        raise BadRecord(f"missing field(s): {', '.join(missing)}")
    record_id = _id(data, "id")
    if expected_id is not None and record_id != expected_id:
        raise BadRecord(f"record id {record_id!r} does not match change id {expected_id!r}")
    return data


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: object) -> str:
    return _ENCODER.encode(value)


_list_json_memo: dict[tuple[str, ...], str] = {}


def _json_str_list(items: list[str]) -> str:
    """JSON of a short list of text (tags, churn reasons): the same few lists recur on most
    customers, so their encoding is memoised."""
    key = tuple(items)
    text = _list_json_memo.get(key)
    if text is None:
        if len(_list_json_memo) >= _MEMO_LIMIT:
            _list_json_memo.clear()
        text = _list_json_memo[key] = _ENCODER.encode(items)
    return text


def _text_list_json(record: dict[str, Any], key: str) -> str:
    """The JSON text of a list-of-text field (tags, churn reasons). The same few lists recur on
    most customers: a list seen before is looked up, its items checked when it was memoised."""
    value = record.get(key) or []
    if value.__class__ is list:
        try:
            text = _list_json_memo.get(tuple(value))
        except TypeError:  # an unhashable item: not text, the check below says so
            text = None
        if text is not None:
            return text
    return _json_str_list(_str_list(record, key))


def _plain_str(record: dict[str, Any], key: str, default: str) -> str:
    value = record.get(key)
    return value if value.__class__ is str else _str(record, key, default)


def customer_rows(data: object, expected_id: str | None = None, data_text: str | None = None) -> CustomerRows:
    """(customers row, phones rows). Unusable phone numbers are dropped, not fatal.

    `data_text`: the JSON text `data` was decoded from (a bulk page keeps it), stored as is
    instead of encoding the record again; the same holds for the detail rows below.

    The bulk sync's hot path (a million per bootstrap): plain values (exact str, int, float)
    take a short path, anything else goes through the checks of `_str`, `_int`, `_float`, which
    accept or refuse it exactly as before and say why."""
    record = _record(data, expected_id, ("name",))
    get = record.get
    customer_id = record["id"]
    name = get("name")
    if name.__class__ is not str:
        name = _str(record, "name")
    initials, full = name_keys(name)
    phones_raw = get("phones") or []
    if not isinstance(phones_raw, list):
        raise BadRecord("field 'phones' must be a list")
    phones: list[PhoneRow] = []
    seen: set[str] = set()
    for phone in phones_raw:
        if not isinstance(phone, dict) or not isinstance(phone.get("e164"), str):
            raise BadRecord("each phone must be an object with text 'e164'")
        raw_number = phone["e164"]
        masked: str | None = None
        e164: str | None
        if "*" in raw_number:  # masked by the server for this role: keyed by its hash
            keyed = phone.get("key")
            if not isinstance(keyed, str) or not _PHONE_KEY.fullmatch(keyed):
                continue  # a masked number without its key cannot be found by a ring: skip it
            e164, masked = "#" + keyed, raw_number[:32]
            reversed_digits = "".join(ch for ch in masked if ch.isdigit())[-4:][::-1]
        else:
            e164 = raw_number if _E164_SHAPE.fullmatch(raw_number) else normalize(raw_number)
            reversed_digits = e164[:0:-1] if e164 else ""  # the digits reversed (without the "+")
        if e164 is None or e164 in seen:
            continue
        seen.add(e164)
        phones.append(
            _new_row(
                PhoneRow,
                (
                    customer_id,
                    e164,
                    reversed_digits,
                    _plain_str(phone, "kind", "mobile"),
                    _plain_str(phone, "label", ""),
                    masked,
                ),
            )
        )
    points = get("points_balance")
    churn = get("churn_risk")
    version = get("version")
    row: CustomerRow = _new_row(
        CustomerRow,
        (
            customer_id,
            name,
            initials,
            full,
            _plain_str(record, "tier", "ordinary"),
            _plain_str(record, "membership_level", ""),
            points if points.__class__ is int else _int(record, "points_balance", 0),
            churn if churn.__class__ is float and math.isfinite(churn) else _float(record, "churn_risk", 0.0),
            _text_list_json(record, "churn_reasons"),
            _text_list_json(record, "tags"),
            version if version.__class__ is int else _int(record, "version", 1),
            data_text if data_text is not None else _json(record),
        ),
    )
    check_ts(get("created_at"))
    check_ts(get("updated_at"))
    return _new_row(CustomerRows, (row, phones))


def _record_row(
    row_type: type[_Row], record: dict[str, Any], data_text: str | None, *columns: object
) -> _Row:
    """A detail record's row: its id, `columns` (checked by the caller, in column order), its
    version and its JSON text."""
    version = _int(record, "version", 1)
    return _new_row(
        row_type, (record["id"], *columns, version, data_text if data_text is not None else _json(record))
    )


def order_row(data: object, expected_id: str | None = None, data_text: str | None = None) -> OrderRow:
    record = _record(data, expected_id, ("customer_id", "order_no", "placed_at", "status", "amount_fen"))
    items = record.get("items") or []
    item_keys = {"sku", "name", "qty", "price_fen"}
    if not isinstance(items, list) or not all(isinstance(i, dict) and item_keys <= i.keys() for i in items):
        raise BadRecord("field 'items' must be a list of objects with sku, name, qty, price_fen")
    return _record_row(
        OrderRow,
        record,
        data_text,
        _id(record, "customer_id"),
        _id(record, "order_no"),
        ts_text(record.get("placed_at")),
        _str(record, "status"),
        _int(record, "amount_fen"),
    )


def points_row(data: object, expected_id: str | None = None, data_text: str | None = None) -> PointsRow:
    record = _record(data, expected_id, ("customer_id", "ts", "kind", "points"))
    customer_id, ts = _id(record, "customer_id"), ts_text(record.get("ts"))
    return _record_row(
        PointsRow, record, data_text, customer_id, ts, _str(record, "kind"), _int(record, "points")
    )


def service_row(data: object, expected_id: str | None = None, data_text: str | None = None) -> ServiceRow:
    record = _record(data, expected_id, ("customer_id", "ts", "kind", "summary"))
    _str(record, "summary")
    customer_id, ts = _id(record, "customer_id"), ts_text(record.get("ts"))
    return _record_row(
        ServiceRow, record, data_text, customer_id, ts, _str(record, "kind", ""), _str(record, "status", "")
    )


def marketing_row(data: object, expected_id: str | None = None, data_text: str | None = None) -> MarketingRow:
    record = _record(data, expected_id, ("customer_id", "ts", "campaign", "channel"))
    customer_id, ts = _id(record, "customer_id"), ts_text(record.get("ts"))
    return _record_row(
        MarketingRow, record, data_text, customer_id, ts, _str(record, "campaign"), _str(record, "channel")
    )
