"""Agent-state timelines, occupancy and wrap-up credited to the call (AHT) from normalised events."""

from __future__ import annotations

import pytest

from calldesk_domain.agent_metrics import Activity, agent_totals, agents_by_state, team_occupancy_pct
from desktop.cti.agent_timeline import AgentTimelines
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
)
from desktop.cti.stats import queue_calls

T0 = 1_800_000_000.0


def day() -> list[CtiEvent]:
    """Agent 1001: ready at 0, call rings 10, answered 12, held 30-40, ends 72, wrap-up (acw pause)
    72-90, ready 90-100, lunch 100-160, ready again 160."""
    return [
        AgentEvent(AgentEventKind.ADDED, "1001", T0, queue="support"),
        QueueEvent(QueueEventKind.JOIN, "support", T0 + 8, call_id="c1"),
        CallEvent(
            CallEventKind.RINGING, "c1", T0 + 10, caller="+8613800138000", queue="support", agent="1001"
        ),
        CallEvent(CallEventKind.ANSWERED, "c1", T0 + 12, queue="support", agent="1001"),
        CallEvent(CallEventKind.HELD, "c1", T0 + 30, agent="1001"),
        CallEvent(CallEventKind.UNHELD, "c1", T0 + 40, agent="1001"),
        CallEvent(CallEventKind.ENDED, "c1", T0 + 72, agent="1001"),
        AgentEvent(AgentEventKind.PAUSE, "1001", T0 + 72.5, queue="support", paused=True, reason="acw"),
        AgentEvent(AgentEventKind.PAUSE, "1001", T0 + 90, queue="support", paused=False),
        AgentEvent(AgentEventKind.PAUSE, "1001", T0 + 100, queue="support", paused=True, reason="lunch"),
        AgentEvent(AgentEventKind.PAUSE, "1001", T0 + 160, queue="support", paused=False),
    ]


def test_timeline_intervals_follow_calls_and_pauses() -> None:
    timelines = AgentTimelines()
    for event in day():
        timelines.apply(event)
    got = [
        (i.activity, i.start_ts - T0, None if i.end_ts is None else i.end_ts - T0, i.reason)
        for i in timelines.intervals("1001")
    ]
    assert got == [
        (Activity.READY, 0, 10, ""),
        (Activity.RINGING, 10, 12, ""),
        (Activity.TALK, 12, 30, ""),
        (Activity.HOLD, 30, 40, ""),
        (Activity.TALK, 40, 72, ""),
        (Activity.READY, 72, 72.5, ""),
        (Activity.WRAP, 72.5, 90, "acw"),
        (Activity.READY, 90, 100, ""),
        (Activity.PAUSED, 100, 160, "lunch"),
        (Activity.READY, 160, None, ""),
    ]
    assert timelines.wrap_s("c1") == pytest.approx(17.5)
    assert timelines.agents["1001"].calls_handled == 1


def test_occupancy_from_the_timeline() -> None:
    timelines = AgentTimelines()
    for event in day():
        timelines.apply(event)
    totals = agent_totals(timelines.intervals("1001"), now=T0 + 200)
    # handling: talk 18 + hold 10 + talk 32 + wrap 17.5 = 77.5; staffed 200, not ready 60 (lunch)
    assert totals.handling_s == pytest.approx(77.5)
    assert totals.occupancy_pct == pytest.approx(77.5 / 140 * 100)
    idle = agent_totals([], now=T0)
    assert idle.occupancy_pct is None
    assert team_occupancy_pct([totals, idle]) == pytest.approx(77.5 / 140 * 100)


def test_aht_includes_the_wrap_up_pause_after_the_call() -> None:
    (call,) = queue_calls(day())
    assert call.wait_s == pytest.approx(4)  # joined 8, answered 12
    assert call.handle_s == pytest.approx(60)  # 12 -> 72, hold included
    assert call.wrap_s == pytest.approx(17.5)


def test_pause_during_a_call_applies_when_the_call_ends() -> None:
    timelines = AgentTimelines()
    events: list[CtiEvent] = [
        CallEvent(CallEventKind.ANSWERED, "c1", T0, agent="1001"),
        AgentEvent(AgentEventKind.PAUSE, "1001", T0 + 5, paused=True, reason="break"),
        CallEvent(CallEventKind.ENDED, "c1", T0 + 20, agent="1001"),
    ]
    for event in events:
        timelines.apply(event)
    now = timelines.agents["1001"]
    assert (now.activity, now.reason, now.since_ts) == (Activity.PAUSED, "break", T0 + 20)


def test_logged_out_time_is_not_staffed_and_counts_by_state() -> None:
    timelines = AgentTimelines()
    for event in [
        AgentEvent(AgentEventKind.ADDED, "a", T0, queue="q"),
        AgentEvent(AgentEventKind.REMOVED, "a", T0 + 50, queue="q"),
        AgentEvent(AgentEventKind.ADDED, "b", T0, queue="q"),
        AgentEvent(AgentEventKind.STATE, "c", T0, state="unavailable"),
    ]:
        timelines.apply(event)
    assert agent_totals(timelines.intervals("a"), now=T0 + 500).staffed_s == 50
    counts = agents_by_state(state.activity for state in timelines.agents.values())
    assert counts[Activity.LOGGED_OUT] == 1 and counts[Activity.READY] == 1
    assert counts[Activity.UNAVAILABLE] == 1 and counts[Activity.TALK] == 0


def test_events_for_other_calls_do_not_disturb_the_agent() -> None:
    timelines = AgentTimelines()
    timelines.apply(CallEvent(CallEventKind.ANSWERED, "c1", T0, agent="1001"))
    assert not timelines.apply(CallEvent(CallEventKind.ENDED, "other", T0 + 1, agent="1001"))
    assert not timelines.apply(CallEvent(CallEventKind.RINGING, "c2", T0 + 2, agent="1001"))
    assert timelines.agents["1001"].activity is Activity.TALK
