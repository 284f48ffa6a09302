"""Records from outside (pushes, local files) never crash validation: any JSON gives a list of
field issues; whatever passes validation can be normalised and stored by the server."""

from __future__ import annotations

from dataclasses import fields

from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk_domain.ticket_validation import validate_contact, validate_ticket
from calldesk_domain.tickets import ContactLog, Ticket
from central.tickets import prepare_contact, prepare_ticket

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
TICKET_KEYS = [f.name for f in fields(Ticket)]
CONTACT_KEYS = [f.name for f in fields(ContactLog)]
GOOD_TICKET = {
    "id": "T1",
    "customer_id": "C1",
    "category": "consultation",
    "priority": "normal",
    "status": "new",
    "service_mode": "phone",
    "fault_description": "问",
    "created_at": "2026-11-23T08:00:00Z",
}
GOOD_CONTACT = {
    "id": "K1",
    "call_id": "c",
    "agent_id": "1001",
    "direction": "inbound",
    "disposition": "resolved",
}


def _records(keys: list[str], base: dict):
    return st.dictionaries(st.sampled_from([*keys, "junk"]), json_values, max_size=8).map(
        lambda extra: {**base, **extra}
    )


@settings(max_examples=300, deadline=None)
@given(data=_records(TICKET_KEYS, GOOD_TICKET))
def test_ticket_validation_never_raises_and_valid_ones_store(data) -> None:
    issues = validate_ticket(data)
    assert all(issue.field and issue.message for issue in issues)
    if not issues:
        stored = prepare_ticket(data)
        assert Ticket.from_dict(stored).to_dict() == stored


@settings(max_examples=300, deadline=None)
@given(data=_records(CONTACT_KEYS, GOOD_CONTACT))
def test_contact_validation_never_raises_and_valid_ones_store(data) -> None:
    issues = validate_contact(data)
    assert all(issue.field and issue.message for issue in issues)
    if not issues:
        stored = prepare_contact(data)
        assert ContactLog.from_dict(stored).to_dict() == stored


@given(value=json_values)
def test_anything_that_is_not_an_object_is_refused(value) -> None:
    if not isinstance(value, dict):
        assert validate_ticket(value)[0].field == "data"  # type: ignore[arg-type]
