"""The row parsers of `calldesk central import`: what is accepted, what is refused and why."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk_domain.models import ENTITY_TYPES
from central.importing.reader import read_jsonl
from central.importing.rows import ParsedRow, RowError, imported_id, parse_customer, parse_order, parse_points
from central.importing.store import NORMAL_WHEN_PARSED

ORDER = {
    "order_no": "OMS0001",
    "customer_id": "C0000001",
    "created_at": "2026-11-30T10:00:00+08:00",
    "status": "paid",
    "amount": "199.00",
    "items": [{"name": "净水器滤芯", "qty": 1, "price": "199.00"}],
}


def test_order_in_the_contract_shape_becomes_a_feed_record() -> None:
    parsed = parse_order(ORDER)
    assert parsed.natural_key == "OMS0001"
    assert parsed.record["id"] == imported_id("X", "OMS0001") and len(parsed.record["id"]) == 16
    assert parsed.record["amount_fen"] == 19900
    assert parsed.record["placed_at"] == "2026-11-30T02:00:00Z"
    assert parsed.record["items"] == [{"sku": "", "name": "净水器滤芯", "qty": 1, "price_fen": 19900}]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"order_no": None}, "order_no", "missing"),
        ({"amount": "1.001"}, "amount", "more than 2 decimals"),
        ({"amount": "abc"}, "amount", "not a decimal amount"),
        ({"amount": "NaN"}, "amount", "not a decimal amount"),
        ({"status": "lost"}, "status", "unknown status"),
        ({"created_at": "yesterday"}, "created_at", "not an ISO-8601"),
        ({"created_at": "0001-01-01T00:00:00+14:00"}, "created_at", "out of range"),
        ({"items": [{"name": "x", "qty": 0, "price": "1"}]}, "items[0].qty", "at least 1"),
        ({"items": [{"qty": 1, "price": "1"}]}, "items[0].name", "missing"),
        ({"items": "[oops"}, "items", "not a JSON list"),
        ({"customer_id": None}, "customer_id", "missing"),
        ({"customer_id": None, "customer_phone": "12"}, "customer_phone", "not a phone number"),
    ],
)
def test_bad_order_fields_are_named_with_the_reason(change: dict, field: str, reason: str) -> None:
    row = {**ORDER, **change}
    with pytest.raises(RowError) as refused:
        parse_order({k: v for k, v in row.items() if v is not None})
    assert refused.value.field == field
    assert reason in refused.value.reason


def test_order_by_phone_carries_the_e164_number_to_resolve() -> None:
    row = {k: v for k, v in ORDER.items() if k != "customer_id"} | {"customer_phone": "138 0013 8000"}
    parsed = parse_order(row)
    assert parsed.customer_phone == "+8613800138000"
    assert parsed.record["customer_id"] == ""


def test_customer_and_points_rows() -> None:
    customer = parse_customer(
        {
            "id": "C1000001",
            "name": "张三",
            "phones": '["13800138000"]',
            "tier": "important",
            "tags": '["vip"]',
        }
    )
    assert customer.record["phones"] == [{"e164": "+8613800138000", "kind": "mobile", "label": ""}]
    assert customer.record["tier"] == "important"
    with pytest.raises(RowError, match="unknown tier"):
        parse_customer({"id": "C1", "name": "x", "tier": "gold"})
    points = parse_points(
        {"id": "P1", "customer_id": "C1", "ts": "2026-01-01T00:00:00Z", "kind": "earned", "points": "5"}
    )
    assert points.record["points"] == 5
    with pytest.raises(RowError, match="unknown kind"):
        parse_points(
            {"id": "P1", "customer_id": "C1", "ts": "2026-01-01T00:00:00Z", "kind": "gift", "points": 1}
        )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*ORDER, "customer_phone", "sku"]), json_values, max_size=8))
def test_any_row_is_parsed_or_refused_with_a_row_error(row: dict) -> None:
    for parse in (parse_order, parse_customer, parse_points):
        try:
            parsed = parse(row)
        except RowError as refused:
            assert refused.reason and str(refused)
        else:
            assert isinstance(parsed, ParsedRow) and parsed.natural_key


def test_a_json_number_python_refuses_is_a_row_error_and_the_next_line_still_reads() -> None:
    # Valid JSON, but int() refuses more than 4300 digits with a plain ValueError (no .msg).
    stream = io.BytesIO(b'{"n": ' + b"9" * 5000 + b'}\n{"order_no": "OMS0002"}\n')
    rows = list(read_jsonl(stream))
    assert [number for number, _, _ in rows] == [1, 2]
    refused = rows[0][2]
    assert isinstance(refused, RowError)
    assert refused.reason.startswith("not JSON (") and "digits" in refused.reason
    assert rows[1][2] == {"order_no": "OMS0002"}


def _fen_by_decimal(text: str) -> int | None:
    try:
        amount = Decimal(text.strip()) * 100
    except ArithmeticError:  # InvalidOperation, or Overflow for "1E1000000"
        return None
    if not amount.is_finite() or amount != amount.to_integral_value() or abs(amount) > 10**13:
        return None
    return int(amount)


@settings(max_examples=500, deadline=None)
@given(
    st.from_regex(r"\A-?[0-9]{1,12}(\.[0-9]{0,3})?\Z")
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
    | st.text(alphabet="0123456789.-+eE ", max_size=14)
    | st.sampled_from(["1E1000000", "-9e999999", "1E-1000000", "1e11", "100000000000.01"])
)
def test_the_fast_amount_path_reads_every_amount_as_decimal_does(text: str) -> None:
    # Also: an exponent that overflows Decimal arithmetic is a RowError, not a crash of the import.
    expected = _fen_by_decimal(text)
    try:
        fen = parse_order({**ORDER, "amount": text}).record["amount_fen"]
    except RowError as refused:
        assert expected is None or text.strip() == "", (text, refused)
    else:
        assert fen == expected, text


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    sku=st.text(max_size=5),
    offset=st.sampled_from(["Z", "+08:00", "-05:30", ""]),
)
def test_parsed_orders_and_points_are_already_in_the_feed_shape(amount: str, sku: str, offset: str) -> None:
    # The importer writes these records without copying them through the dataclass
    # (central.importing.store.NORMAL_WHEN_PARSED): they must be exactly what to_dict() gives.
    order = parse_order(
        {
            **ORDER,
            "amount": amount,
            "created_at": f"2026-11-30T10:00:00{offset}",
            "items": [{"sku": sku, "name": "x", "qty": 2, "price": amount}],
        }
    ).record
    points = parse_points(
        {"id": "P1", "customer_id": "C1", "ts": f"2026-01-01T00:00:00{offset}", "kind": "earned", "points": 5}
    ).record
    assert set(NORMAL_WHEN_PARSED) == {"order", "points"}
    for entity, record in (("order", order), ("points", points)):
        shaped = {**record, "version": 1}
        assert ENTITY_TYPES[entity].from_dict(shaped).to_dict() == shaped
        assert list(ENTITY_TYPES[entity].from_dict(shaped).to_dict()) == list(shaped)  # same key order


def test_a_lone_surrogate_escape_is_a_rejected_line_not_a_failed_batch() -> None:
    # json.loads accepts "\ud800", but the string cannot be written to SQLite or PostgreSQL.
    stream = io.BytesIO(b'{"order_no": "\\ud800x"}\n{"order_no": "OMS0002"}\n')
    rows = list(read_jsonl(stream))
    refused = rows[0][2]
    assert isinstance(refused, RowError) and "lone surrogate" in refused.reason
    assert rows[1][2] == {"order_no": "OMS0002"}
