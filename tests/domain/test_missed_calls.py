"""Missed calls from queue events: a replayed trace with an abandon and a timeout."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.missed_calls import MissedCalls, MissedCause

TRACE = [
    {"type": "queue.join", "queue": "售后服务", "call_id": "a1", "caller": "13800138000", "ts": 100.0},
    {"type": "queue.join", "queue": "售后服务", "call_id": "t1", "ts": 101.0},
    {"type": "queue.join", "queue": "售后服务", "call_id": "ok", "caller": "13900000000", "ts": 102.0},
    {"type": "queue.join", "queue": "other", "call_id": "x1", "ts": 103.0},
    {"type": "queue.leave", "queue": "售后服务", "call_id": "ok", "wait_s": 3.0, "ts": 105.0},
    {
        "type": "queue.abandon",
        "queue": "售后服务",
        "call_id": "a1",
        "position": 1,
        "wait_s": 48.0,
        "ts": 148.0,
    },
    {"type": "queue.timeout", "queue": "售后服务", "call_id": "t1", "reason": "timeout", "ts": 401.0},
    {"type": "queue.abandon", "queue": "other", "call_id": "x1", "wait_s": 2.0, "ts": 105.0},
    {"type": "call.ringing", "call_id": "ok"},
]


def replay(missed: MissedCalls, events: list[dict[str, object]]) -> None:
    for event in events:
        missed.feed(event)


def test_abandon_and_timeout_of_my_queues_become_missed_calls() -> None:
    missed = MissedCalls(my_queues={"售后服务"})
    replay(missed, TRACE)
    calls = missed.calls()
    assert [(c.call_id, c.cause, c.wait_s, c.caller) for c in calls] == [
        ("t1", MissedCause.UNANSWERED, 300.0, None),  # wait from the join: no wait_s in the event
        ("a1", MissedCause.ABANDONED, 48.0, "13800138000"),
    ]
    assert missed.unseen_count() == 2


def test_a_replayed_trace_changes_nothing_and_keeps_seen() -> None:
    missed = MissedCalls(my_queues={"售后服务"})
    replay(missed, TRACE)
    assert missed.mark_seen("a1")
    assert not missed.mark_seen("a1")
    replay(missed, TRACE)
    assert len(missed.calls()) == 2 and missed.unseen_count() == 1
    assert missed.mark_all_seen() == 1 and missed.unseen_count() == 0


def test_without_a_queue_filter_every_queue_counts() -> None:
    missed = MissedCalls()
    replay(missed, TRACE)
    assert {c.call_id for c in missed.calls()} == {"a1", "t1", "x1"}


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "object"),
        ({"type": "queue.abandon", "queue": "q", "ts": 1.0}, "call_id"),
        ({"type": "queue.abandon", "call_id": "c", "ts": 1.0}, "queue"),
        ({"type": "queue.abandon", "call_id": "c", "queue": "q"}, "'ts'"),
        ({"type": "queue.abandon", "call_id": "c", "queue": "q", "ts": 1.0, "wait_s": "x"}, "wait_s"),
        ({"type": "queue.abandon", "call_id": 5, "queue": "q", "ts": 1.0}, "call_id"),
    ],
)
def test_malformed_events_are_rejected_with_a_message(event: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MissedCalls().feed(event)


junk = st.dictionaries(
    st.sampled_from(["type", "call_id", "queue", "ts", "wait_s", "caller"]),
    st.one_of(
        st.none(),
        st.text(max_size=10),
        st.floats(allow_nan=True),
        st.booleans(),
        st.sampled_from(["queue.join", "queue.abandon", "queue.timeout", "queue.leave"]),
    ),
)


@given(st.lists(junk, max_size=20))
def test_hostile_events_raise_value_error_or_add_sane_calls(events: list[dict[str, object]]) -> None:
    missed = MissedCalls()
    for event in events:
        with contextlib.suppress(ValueError):
            missed.feed(event)
    for call in missed.calls():
        assert call.wait_s >= 0.0 and call.call_id
    assert missed.unseen_count() == len(missed.calls())
