"""`rows.customer_rows` (the bulk sync's hot path) accepts, refuses and converts every record
exactly as the plain field-by-field checks do: a property test against that reading of a record,
written out here with the module's own checkers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk_domain.phone import normalize
from desktop.cache import rows
from desktop.cache.pinyin import name_keys


def reference_customer_rows(data: object, expected_id: str | None = None) -> tuple[tuple, list[tuple]]:
    """Every field through `_str` / `_int` / `_float` / `_str_list` / `ts_text`, no short cuts."""
    record = rows._record(data, expected_id, ("name",))
    customer_id = record["id"]
    name = rows._str(record, "name")
    initials, full = name_keys(name)
    phones_raw = record.get("phones") or []
    if not isinstance(phones_raw, list):
        raise rows.BadRecord("field 'phones' must be a list")
    phones: list[tuple] = []
    seen: set[str] = set()
    for phone in phones_raw:
        if not isinstance(phone, dict) or not isinstance(phone.get("e164"), str):
            raise rows.BadRecord("each phone must be an object with text 'e164'")
        raw_number = phone["e164"]
        e164 = raw_number if rows._E164_SHAPE.fullmatch(raw_number) else normalize(raw_number)
        if e164 is None or e164 in seen:
            continue
        seen.add(e164)
        phones.append(
            (
                customer_id,
                e164,
                e164[1:][::-1],
                rows._str(phone, "kind", "mobile"),
                rows._str(phone, "label", ""),
            )
        )
    row = (
        customer_id,
        name,
        initials,
        full,
        rows._str(record, "tier", "ordinary"),
        rows._str(record, "membership_level", ""),
        rows._int(record, "points_balance", 0),
        rows._float(record, "churn_risk", 0.0),
        rows._json_str_list(rows._str_list(record, "churn_reasons")),
        rows._json_str_list(rows._str_list(record, "tags")),
        rows._int(record, "version", 1),
        rows._json(record),
    )
    rows.ts_text(record.get("created_at"))
    rows.ts_text(record.get("updated_at"))
    return row, phones


def _outcome(fn: Any, record: object) -> tuple[str, Any]:
    try:
        return "ok", fn(record)
    except rows.BadRecord as exc:
        return "bad", str(exc)


_anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.text(max_size=3), max_size=3),
    st.lists(st.one_of(st.integers(), st.text(max_size=2), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_times = st.one_of(
    _anything,
    st.sampled_from(
        [
            "2026-11-23T08:00:00Z",
            "2026-11-23T08:00:00.5Z",
            "2026-13-01T00:00:00Z",
            "2026-11-23 08:00:00+08:00",
        ]
    ),
)
_phone = st.one_of(
    _anything,
    st.fixed_dictionaries(
        {
            "e164": st.one_of(
                st.sampled_from(["+8613800138000", "13912345678", "010-12345678", "+1", "x"]), _anything
            )
        },
        optional={"kind": _anything, "label": _anything},
    ),
)
_tag_lists = st.sampled_from([["vip"], ["复购客户", "投诉敏感"], [], ["vip", "vip"]])
_customer = st.fixed_dictionaries(
    {"id": st.one_of(st.just("C1"), _anything)},
    optional={
        "name": st.one_of(st.sampled_from(["王小明", "Li Lei", "张 三"]), _anything),
        "phones": st.one_of(st.lists(_phone, max_size=3), _anything),
        "tier": _anything,
        "membership_level": _anything,
        "points_balance": _anything,
        "churn_risk": _anything,
        "churn_reasons": st.one_of(_tag_lists, _anything),
        "tags": st.one_of(_tag_lists, _anything),
        "version": _anything,
        "created_at": _times,
        "updated_at": _times,
    },
)


@settings(max_examples=1500, deadline=None)
@given(record=_customer)
def test_customer_rows_reads_every_record_like_the_field_by_field_checks(record: dict) -> None:
    fast = _outcome(rows.customer_rows, record)
    reference = _outcome(reference_customer_rows, record)
    assert fast == reference


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("points_balance", True, "points_balance"),
        ("churn_risk", float("inf"), "churn_risk"),
        ("tags", ["vip", 3], "tags"),
        ("tags", [{"a": 1}], "tags"),
        ("tier", 7, "tier"),
        ("created_at", "2026-02-30T00:00:00Z", "not a real date"),
    ],
)
def test_refusals_name_the_field(field: str, value: object, message: str) -> None:
    rows._json_str_list(["vip"])  # a memoised list must not let a wrong one through
    record = {"id": "C1", "name": "王小明", "tags": ["vip"], field: value}
    with pytest.raises(rows.BadRecord, match=message):
        rows.customer_rows(record)
