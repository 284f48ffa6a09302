"""Ring legs (desktop/cti/bridge/legs.py): whatever order the PBX's events come in, every ring an
agent was sent ends there exactly once, with a reason, and nothing is sent for a call it never had
ringing."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cti.bridge.legs import LegBook
from desktop.cti.events import (
    CALL_END_REASONS,
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    QueueEvent,
    QueueEventKind,
)

CALLS = ["c1", "c2"]
INTERFACES = ["PJSIP/1001", "PJSIP/1002", None]

call_events = st.builds(
    lambda kind, call, interface, leg: ("call", kind, call, interface, leg),
    st.sampled_from(list(CallEventKind)),
    st.sampled_from(CALLS),
    st.sampled_from(INTERFACES),
    st.booleans(),
)
other_events = st.one_of(
    st.builds(
        lambda call, kind: ("queue", kind, call, None, False),
        st.sampled_from(CALLS),
        st.sampled_from([QueueEventKind.ABANDON, QueueEventKind.TIMEOUT, QueueEventKind.JOIN]),
    ),
    st.builds(
        lambda call, interface: ("rna", None, call, interface, False),
        st.sampled_from(CALLS),
        st.sampled_from(INTERFACES[:2]),
    ),
    st.just(("lost", None, "", None, False)),
)


def _apply(book: LegBook, step: tuple[Any, ...], ts: float) -> list[tuple[str, dict[str, Any]]]:
    family, kind, call, interface, leg_scope = step
    if family == "call":
        extra = {"scope": "leg"} if leg_scope else {}
        return book.on_call(CallEvent(kind, call, ts, agent="x", extra=extra), interface)
    if family == "queue":
        return book.on_queue(QueueEvent(kind, "sales", ts, call_id=call))
    if family == "rna":
        event = AgentEvent(AgentEventKind.STATE, "x", ts, state="ring_no_answer", extra={"call_id": call})
        return book.on_agent(event, interface)
    return book.link_lost(ts)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(call_events, other_events), max_size=40))
def test_every_ring_ends_once_with_a_reason(steps: list[tuple[Any, ...]]) -> None:
    book = LegBook()
    open_legs: set[tuple[str, str]] = set()
    for n, step in enumerate(steps):
        for interface, message in _apply(book, step, float(n)):
            key = (message["call_id"], interface)
            if message["type"] == "call.ringing":
                assert key not in open_legs  # a leg rings once
                open_legs.add(key)
            else:
                assert key in open_legs, (step, message)  # nothing for a call that never rang here
                if message["type"] == "call.ended":
                    assert message["reason"] in CALL_END_REASONS
                    open_legs.remove(key)
    for interface, message in book.link_lost(999.0):
        assert message["type"] == "call.ended" and message["reason"] == "pbx_link_lost"
        open_legs.remove((message["call_id"], interface))
    assert open_legs == set() and len(book) == 0


def test_a_second_agent_ringing_on_the_same_call_pops_there() -> None:
    book = LegBook()
    ring = CallEvent(CallEventKind.RINGING, "c1", 1.0, caller="+8613800138000", agent="Li Lei")
    assert [i for i, _ in book.on_call(ring, "PJSIP/1001")] == ["PJSIP/1001"]
    answered = book.on_call(CallEvent(CallEventKind.ANSWERED, "c1", 2.0), "PJSIP/1001")
    assert [(i, m["type"]) for i, m in answered] == [("PJSIP/1001", "call.answered")]
    moved = book.on_call(CallEvent(CallEventKind.TRANSFERRED, "c1", 3.0, target="3000"), "PJSIP/1001")
    assert [(i, m["type"], m.get("reason")) for i, m in moved] == [
        ("PJSIP/1001", "call.transferred", None),
        ("PJSIP/1001", "call.ended", "transferred"),
    ]
    second = book.on_call(CallEvent(CallEventKind.RINGING, "c1", 4.0, agent="王芳"), "PJSIP/1002")
    assert [(i, m["type"]) for i, m in second] == [("PJSIP/1002", "call.ringing")]
    ended = book.on_call(CallEvent(CallEventKind.ENDED, "c1", 5.0), None)
    assert [(i, m["reason"]) for i, m in ended] == [("PJSIP/1002", "caller_hung_up")]
    assert book.never_rung == 0
