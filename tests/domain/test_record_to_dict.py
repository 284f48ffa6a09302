"""`to_dict` walks each record's field plan; it must give what `dataclasses.asdict` gives, with
every timestamp (nested ones too) as ISO text, and share no list with the record."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk_domain.models import Customer, Order, OrderItem, Phone, format_ts
from calldesk_domain.tickets import Ticket, TicketComment, TicketHistoryEntry

times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
texts = st.text(max_size=12)


def _oracle(record: Any) -> dict[str, Any]:
    """asdict, then each record's own timestamp fields formatted, nested records included."""
    out = asdict(record)
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name in type(record)._TS_FIELDS:
            out[f.name] = format_ts(value)
        elif isinstance(value, list) and value and hasattr(value[0], "_TS_FIELDS"):
            out[f.name] = [_oracle(v) for v in value]
    if isinstance(record, Phone) and not record.key:
        del out["key"]  # a full number carries no keyed hash: left out of the wire shape
    return out


phones = st.builds(Phone, e164=texts, kind=texts, label=texts, key=st.sampled_from(["", "ab12"]))
customers = st.builds(
    Customer,
    id=texts,
    name=texts,
    phones=st.lists(phones, max_size=3),
    tags=st.lists(texts, max_size=3),
    churn_reasons=st.lists(texts, max_size=2),
    created_at=st.none() | times,
    updated_at=st.none() | times,
)
orders = st.builds(
    Order,
    id=texts,
    customer_id=texts,
    order_no=texts,
    placed_at=st.none() | times,
    status=texts,
    amount_fen=st.integers(),
    items=st.lists(
        st.builds(OrderItem, sku=texts, name=texts, qty=st.integers(), price_fen=st.integers()), max_size=3
    ),
)
tickets = st.builds(
    Ticket,
    id=texts,
    customer_id=texts,
    created_at=st.none() | times,
    updated_at=st.none() | times,
    history=st.lists(st.builds(TicketHistoryEntry, ts=times, who=texts, action=texts), max_size=3),
    comments=st.lists(st.builds(TicketComment, ts=times, author=texts, text=texts), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(customers, orders, tickets))
def test_to_dict_equals_asdict_with_iso_times_and_copies_lists(record: Any) -> None:
    out = record.to_dict()
    assert out == _oracle(record)
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, list):
            assert out[f.name] is not value
    assert type(record).from_dict(out).to_dict() == out
