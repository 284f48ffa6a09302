"""Pure ticket rules: workflow table, complaint flow, SLA clock (fake clock), warranty, validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from calldesk_domain.ticket_validation import validate_contact, validate_ticket
from calldesk_domain.tickets import (
    HANDOFF_SLA,
    TRANSITIONS,
    Category,
    ContactLog,
    Ticket,
    TicketStatus,
    TransitionError,
    WarrantyStatus,
    add_months,
    allowed_actions,
    apply_action,
    escalate,
    format_countdown,
    needs_escalation,
    new_ticket,
    sla_state,
    warranty_for,
)

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ALL_ACTIONS = sorted({a for table in TRANSITIONS.values() for a in table})

EXPECTED = {
    ("new", "assign"): "assigned",
    ("new", "resolve"): "resolved",
    ("assigned", "start"): "in_progress",
    ("assigned", "resolve"): "resolved",
    ("in_progress", "wait_customer"): "waiting_customer",
    ("in_progress", "resolve"): "resolved",
    ("waiting_customer", "resume"): "in_progress",
    ("waiting_customer", "resolve"): "resolved",
    ("resolved", "close"): "closed",
    ("resolved", "reopen"): "in_progress",
    ("closed", "reopen"): "in_progress",
}


def _ticket(status: str, category: str = Category.FAULT.value) -> Ticket:
    return Ticket(id="t1", customer_id="C1", status=status, category=category, assignee_group="L2")


@pytest.mark.parametrize("status", [s.value for s in TicketStatus])
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_transition_table_valid_and_invalid(status: str, action: str) -> None:
    ticket = _ticket(status)
    expected = EXPECTED.get((status, action))
    if expected is None:
        assert action not in allowed_actions(ticket)
        with pytest.raises(TransitionError):
            apply_action(ticket, action, "1001", T0)
        assert ticket.status == status and ticket.history == []
    else:
        assert action in allowed_actions(ticket)
        apply_action(ticket, action, "1001", T0 + timedelta(minutes=1), "note")
        assert ticket.status == expected
        entry = ticket.history[-1]
        assert (entry.who, entry.action, entry.from_status, entry.to_status) == (
            "1001",
            action,
            status,
            expected,
        )
        assert entry.ts == T0 + timedelta(minutes=1)


def test_full_life_with_reopen_leaves_a_history_entry_per_change() -> None:
    ticket = new_ticket("t9", "C1", "1001", T0, category=Category.FAULT.value)
    for step, action in enumerate(
        ["assign", "start", "wait_customer", "resume", "resolve", "close", "reopen"]
    ):
        apply_action(ticket, action, "1002", T0 + timedelta(minutes=step + 1))
    assert ticket.status == "in_progress"
    assert [h.action for h in ticket.history] == [
        "create",
        "assign",
        "start",
        "wait_customer",
        "resume",
        "resolve",
        "close",
        "reopen",
    ]
    assert [h.ts for h in ticket.history] == sorted(h.ts for h in ticket.history)


def test_unknown_status_offers_nothing() -> None:
    assert allowed_actions(_ticket("lost")) == []


def test_complaint_flow_stage_by_stage() -> None:
    ticket = new_ticket("c1", "C1", "1001", T0, category=Category.COMPLAINT.value)
    assert ticket.complaint_stage == "recorded"
    # Cannot resolve or close a complaint that was not investigated.
    assert "resolve" not in allowed_actions(ticket)
    with pytest.raises(TransitionError):
        apply_action(ticket, "investigate", "1001", T0)  # must acknowledge first
    script = ["assign", "acknowledge", "start", "investigate", "resolve_complaint", "resolve"]
    for action in script:
        apply_action(ticket, action, "1001", T0)
    assert (ticket.status, ticket.complaint_stage) == ("resolved", "resolved")
    assert "close" not in allowed_actions(ticket)  # no close before the satisfaction check
    apply_action(ticket, "call_back", "1001", T0, "customer reached")
    assert "close" not in allowed_actions(ticket)
    apply_action(ticket, "satisfaction_check", "1001", T0, "4/5")
    assert "satisfaction_check" not in allowed_actions(ticket)
    apply_action(ticket, "close", "1001", T0)
    assert ticket.status == "closed"
    stages = [
        h.to_status
        for h in ticket.history
        if h.action in ("acknowledge", "investigate", "resolve_complaint", "call_back", "satisfaction_check")
    ]
    assert stages == ["acknowledged", "investigating", "resolved", "called_back", "satisfaction_checked"]


def test_non_complaint_has_no_complaint_actions() -> None:
    ticket = _ticket("in_progress")
    assert not {"acknowledge", "investigate", "call_back"} & set(allowed_actions(ticket))


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def test_sla_countdown_due_soon_overdue_and_escalation_with_fake_clock() -> None:
    clock = FakeClock(T0)
    ticket = new_ticket("s1", "C1", "1001", clock.now)
    assert ticket.sla_due_at == T0 + HANDOFF_SLA == T0 + timedelta(minutes=15)
    state = sla_state(ticket, clock.now)
    assert state.state == "ok" and state.remaining == timedelta(minutes=15)
    assert format_countdown(state.remaining) == "15:00"
    clock.advance(minutes=10, seconds=1)
    assert sla_state(ticket, clock.now).state == "due_soon"
    assert format_countdown(sla_state(ticket, clock.now).remaining) == "04:59"
    clock.advance(minutes=4, seconds=59)
    assert sla_state(ticket, clock.now).state == "due_soon"  # exactly at the due time: not yet late
    assert not needs_escalation(ticket, clock.now)
    clock.advance(seconds=1)
    state = sla_state(ticket, clock.now)
    assert state.overdue and format_countdown(state.remaining) == "-00:01"
    assert needs_escalation(ticket, clock.now)
    escalate(ticket, clock.now)
    assert ticket.escalated and ticket.history[-1].action == "escalate"
    assert not needs_escalation(ticket, clock.now)


def test_sla_met_once_handed_off_in_time() -> None:
    clock = FakeClock(T0)
    ticket = new_ticket("s2", "C1", "1001", clock.now)
    ticket.assignee_group = "L2"
    apply_action(ticket, "assign", "1001", clock.advance(minutes=14))
    clock.advance(hours=3)
    assert sla_state(ticket, clock.now).state == "met"
    assert not needs_escalation(ticket, clock.now)


def test_sla_without_due_time() -> None:
    assert sla_state(Ticket(id="x", customer_id="C"), T0).state == "none"


@pytest.mark.parametrize(
    ("model", "bought", "today", "status", "ends"),
    [
        ("PH-X1", "2025-11-23", date(2026, 11, 22), "in_warranty", date(2026, 11, 22)),
        ("PH-X1", "2025-11-23", date(2026, 11, 23), "out_of_warranty", date(2026, 11, 22)),
        ("AC-35GW", "2024-01-31", date(2026, 11, 23), "in_warranty", date(2027, 1, 30)),
        ("wm-7kg", "2024-02-29", date(2026, 3, 1), "out_of_warranty", date(2026, 2, 27)),
        ("ZZ-1", "", date(2026, 11, 23), "unknown", None),
        ("ZZ-1", "not a date", date(2026, 11, 23), "unknown", None),
    ],
)
def test_warranty(model: str, bought: str, today: date, status: str, ends: date | None) -> None:
    result = warranty_for(model, bought, today)
    assert result.status == WarrantyStatus(status)
    assert result.ends_on == ends


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_validate_ticket_reports_each_missing_field() -> None:
    issues = validate_ticket({"id": "t", "category": "fault", "priority": "", "service_mode": "teleport"})
    fields = {(i.field, i.code) for i in issues}
    assert ("customer_id", "required") in fields
    assert ("priority", "required") in fields
    assert ("service_mode", "invalid") in fields
    assert ("fault_description", "required") in fields
    assert ("product_model", "required") in fields  # fault tickets need the model


def test_validate_ticket_accepts_a_complete_ticket_and_rejects_future_purchase() -> None:
    ticket = new_ticket("t", "C1", "1001", T0, category="fault")
    ticket.fault_description = "不制冷"
    ticket.product_model = "AC-35GW"
    assert validate_ticket(ticket.to_dict(), today=date(2026, 11, 23)) == []
    ticket.purchase_date = "2027-01-01"
    assert [i.code for i in validate_ticket(ticket.to_dict(), today=date(2026, 11, 23))] == ["future"]


def test_validate_contact() -> None:
    good = ContactLog(id="k", call_id="c", agent_id="1001", disposition="resolved", satisfaction=5)
    assert validate_contact(good.to_dict()) == []
    bad = ContactLog(id="k", call_id="c", agent_id="1001", satisfaction=9, direction="sideways")
    bad.started_at, bad.ended_at = T0, T0 - timedelta(seconds=1)
    assert {i.field for i in validate_contact(bad.to_dict())} == {
        "disposition",
        "satisfaction",
        "direction",
        "ended_at",
    }
    assert validate_contact({**good.to_dict(), "satisfaction": True})[0].field == "satisfaction"
    assert validate_contact({**good.to_dict(), "started_at": "yesterday"})[0].field == "started_at"


def test_ticket_round_trips_through_json_shape() -> None:
    ticket = new_ticket("t", "C1", "1001", T0, category="complaint")
    apply_action(ticket, "acknowledge", "1001", T0, "ok")
    again = Ticket.from_dict(ticket.to_dict())
    assert again == ticket
    assert again.to_dict()["history"][1]["ts"] == "2026-11-23T08:00:00Z"


@pytest.mark.parametrize(
    ("field", "entry"),
    [("history", {}), ("history", {"ts": None, "who": "1001"}), ("comments", {"ts": None, "author": "a"})],
)
def test_a_history_entry_or_comment_missing_a_required_key_is_refused(field: str, entry: dict) -> None:
    # Found by the validation fuzz test: such a record passed validation, then could not be built.
    data = new_ticket("h1", "C1", "1001", T0).to_dict()
    data["fault_description"] = "不开机"
    data[field] = [entry]
    assert [issue.field for issue in validate_ticket(data)] == [field]
