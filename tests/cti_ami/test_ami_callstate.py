"""The pure call/queue state machines: transitions, idempotent replay, snapshots."""

from __future__ import annotations

from ami_helpers import SHARED_TRACES
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cti.ami import parse_ami_bytes
from desktop.cti.callstate import CallStateMachine
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    QueueEvent,
    QueueEventKind,
)

TWO_CALLS = parse_ami_bytes((SHARED_TRACES / "two_calls.ami").read_bytes())
ABANDONED = parse_ami_bytes((SHARED_TRACES / "abandoned.ami").read_bytes())


def _run(events):
    machine = CallStateMachine()
    changed = [machine.apply(e) for e in events]
    return machine, changed


def test_a_call_goes_queued_ringing_answered_ended():
    machine = CallStateMachine()
    join = QueueEvent(
        QueueEventKind.JOIN, queue="q", ts=10.0, call_id="c1", caller="+8613800138000", dnis="400"
    )
    assert machine.apply(join)
    assert machine.calls["c1"].state == "queued" and machine.waiting_calls("q") == ["c1"]
    assert machine.apply(CallEvent(CallEventKind.RINGING, call_id="c1", ts=11.0, agent="A"))
    assert machine.calls["c1"].state == "ringing"
    assert machine.apply(CallEvent(CallEventKind.ANSWERED, call_id="c1", ts=15.0, agent="A"))
    assert machine.waiting_calls("q") == []
    assert machine.apply(CallEvent(CallEventKind.HELD, call_id="c1", ts=20.0))
    assert machine.calls["c1"].state == "held"
    assert machine.apply(CallEvent(CallEventKind.UNHELD, call_id="c1", ts=25.0))
    assert machine.apply(CallEvent(CallEventKind.ENDED, call_id="c1", ts=45.0))
    call = machine.calls["c1"]
    assert (call.state, call.outcome, call.agent, call.wait_s, call.talk_s) == (
        "ended",
        "answered",
        "A",
        5.0,
        30.0,
    )


def test_every_event_applied_twice_changes_nothing_the_second_time():
    machine = CallStateMachine()
    for event in TWO_CALLS + ABANDONED:
        machine.apply(event)
        before = machine.snapshot()
        assert machine.apply(event) is False, event
        assert machine.snapshot() == before


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(TWO_CALLS) - 1), max_size=30))
def test_replaying_any_earlier_events_after_a_resync_is_harmless(replays):
    """Call and queue events repeated anywhere later (as a re-sync would) leave the same end
    state. (Agent device states are last-writer-wins: a stale one replayed is a real change,
    which is why a re-sync asks the PBX for the current member states.)"""
    clean, _ = _run(TWO_CALLS)
    stream = []
    for index, event in enumerate(TWO_CALLS):
        stream.append(event)
        stream.extend(TWO_CALLS[r] for r in replays if r < index and not isinstance(TWO_CALLS[r], AgentEvent))
    noisy, _ = _run(stream)
    assert noisy.snapshot() == clean.snapshot()


def test_a_snapshot_join_for_a_call_already_waiting_is_not_forwarded():
    machine = CallStateMachine()
    machine.apply(QueueEvent(QueueEventKind.JOIN, queue="q", ts=100.0, call_id="c1"))
    snapshot_join = QueueEvent(
        QueueEventKind.JOIN, queue="q", ts=103.2, call_id="c1", extra={"snapshot": True, "local_ts": True}
    )
    assert machine.apply(snapshot_join) is False
    assert machine.calls["c1"].join_ts == 100.0


def test_stale_waiting_callers_leave_after_a_resync():
    machine = CallStateMachine()
    machine.apply(QueueEvent(QueueEventKind.JOIN, queue="q", ts=1.0, call_id="gone"))
    machine.apply(QueueEvent(QueueEventKind.JOIN, queue="q", ts=2.0, call_id="still"))
    leaves = machine.stale_waiting("q", {"still"}, 9.0)
    assert [(e.call_id, e.reason) for e in leaves] == [("gone", "resync")]
    for event in leaves:
        assert machine.apply(event)
    assert machine.waiting_calls("q") == ["still"]


def test_abandon_and_timeout_outcomes():
    machine = CallStateMachine()
    machine.apply(QueueEvent(QueueEventKind.JOIN, queue="q", ts=0.0, call_id="a"))
    machine.apply(QueueEvent(QueueEventKind.JOIN, queue="q", ts=0.0, call_id="t"))
    machine.apply(QueueEvent(QueueEventKind.ABANDON, queue="q", ts=7.0, call_id="a", position=2, wait_s=7))
    machine.apply(QueueEvent(QueueEventKind.TIMEOUT, queue="q", ts=60.0, call_id="t", reason="timeout"))
    assert (machine.calls["a"].outcome, machine.calls["a"].abandon_position, machine.calls["a"].wait_s) == (
        "abandoned",
        2,
        7.0,
    )
    assert (machine.calls["t"].outcome, machine.calls["t"].timeout_reason) == ("unanswered", "timeout")
    # a late answered for an abandoned call (out of order) does not turn it into answered
    assert machine.calls["a"].outcome == "abandoned"


def test_local_timestamps_fall_back_to_the_pbx_hold_time():
    machine = CallStateMachine()
    machine.apply(QueueEvent(QueueEventKind.JOIN, queue="q", ts=5.0, call_id="c", extra={"local_ts": True}))
    machine.apply(CallEvent(CallEventKind.ANSWERED, call_id="c", ts=5.01, agent="A", extra={"hold_time": 12}))
    assert machine.calls["c"].wait_s == 12.0


def test_members_pause_state_and_snapshot_copy():
    machine = CallStateMachine()
    pause = AgentEvent(AgentEventKind.PAUSE, agent="A", ts=1.0, queue="q", paused=True, reason="lunch")
    assert machine.apply(pause)
    assert machine.apply(pause) is False
    snap = machine.snapshot()
    assert snap["queues"]["q"]["members"]["A"]["reason"] == "lunch"
    snap["queues"]["q"]["members"]["A"]["reason"] = "changed"
    assert machine.queues["q"].members["A"].reason == "lunch"
    assert machine.apply(AgentEvent(AgentEventKind.PAUSE, agent="A", ts=2.0, queue="q", paused=False))
    assert machine.queues["q"].members["A"].paused is False and machine.queues["q"].members["A"].reason == ""
    assert machine.apply(AgentEvent(AgentEventKind.REMOVED, agent="A", ts=3.0, queue="q"))
    assert machine.queues["q"].members["A"].logged_in is False


def test_wait_times_of_waiting_callers():
    machine = CallStateMachine()
    machine.apply(QueueEvent(QueueEventKind.JOIN, queue="q", ts=100.0, call_id="x"))
    assert machine.queues["q"].wait_times(130.0) == {"x": 30.0}
