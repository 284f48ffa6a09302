"""The supervisor model keeps running sums between snapshots (queue days redone only from the
interval that changed, sparklines only when their minute or buckets move): whatever the events
and whenever the snapshots, the figures must be those a recount from nothing gives."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk_domain.agent_metrics import agent_totals
from calldesk_domain.metrics import Outcome, QueueCall
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
)
from desktop.cti.floor import FloorSimulator
from desktop.services.supervisor_model import SupervisorModel

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC, 16:00 in Shanghai

calls = st.sampled_from([f"c{n}" for n in range(8)])
queues = st.sampled_from(["q0", "q1", "q2"])
agents = st.sampled_from(["a0", "a1", "a2"])
offsets = st.floats(0, 3 * 3600, allow_nan=False)  # three hours: events cross 15-minute intervals
waits = st.one_of(st.none(), st.floats(0, 300, allow_nan=False))

# few calls, queues and agents, so that events meet: joins, answers, moves between queues, wrap-up
related = st.one_of(
    st.builds(
        lambda k, c, a, q, dt: CallEvent(k, c, T0 + dt, agent=a, queue=q, caller="13800000000"),
        st.sampled_from(list(CallEventKind)),
        calls,
        st.one_of(st.none(), agents),
        st.one_of(st.none(), queues),
        offsets,
    ),
    st.builds(
        lambda k, c, q, dt, w: QueueEvent(k, q, T0 + dt, call_id=c, wait_s=w),
        st.sampled_from([k for k in QueueEventKind if k is not QueueEventKind.STATS]),
        calls,
        queues,
        offsets,
        waits,
    ),
    st.builds(
        lambda k, a, q, dt, p, r: AgentEvent(k, a, T0 + dt, queue=q, paused=p, reason=r),
        st.sampled_from(list(AgentEventKind)),
        agents,
        st.one_of(st.none(), queues),
        offsets,
        st.one_of(st.none(), st.booleans()),
        st.sampled_from(["", "lunch", "acw"]),
    ),
)


def _in_time_order(events: list[CtiEvent]) -> list[CtiEvent]:
    return sorted(events, key=lambda e: e.ts)


def _recounted(model: SupervisorModel) -> SupervisorModel:
    """The same model with its running sums forgotten: the next snapshot counts from nothing."""
    model._days.clear()
    model._spark_shown.clear()
    return model


@settings(max_examples=120, deadline=None)
@given(st.lists(related, max_size=60), st.lists(st.integers(0, 60), max_size=8), st.booleans())
def test_snapshots_between_events_change_no_figure(events, cuts, sorted_in_time) -> None:
    events = _in_time_order(events) if sorted_in_time else events
    live = SupervisorModel(SHANGHAI)
    done = 0
    for cut in sorted({min(c, len(events)) for c in cuts} | {len(events)}):
        for event in events[done:cut]:
            live.apply(event)
        done = cut
        now = T0 + 3 * 3600 + 1  # same day in Shanghai
        fresh = SupervisorModel(SHANGHAI)
        for event in events[:cut]:
            fresh.apply(event)
        assert live.snapshot(now) == fresh.snapshot(now)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(1, 40 * 60), min_size=1, max_size=10))
def test_a_busy_floor_snapshotted_at_any_moments_gives_the_recounted_figures(seed, moments) -> None:
    sim = FloorSimulator(agents=24, queues=4, calls_per_s=0.8, start_ts=T0, seed=seed)
    live, fresh = SupervisorModel(UTC), SupervisorModel(UTC)
    history = [
        QueueCall(f"h{n}", "Q01", T0 - 3600 + 60 * n, Outcome.ANSWERED, 10.0 + n, 60.0) for n in range(5)
    ]
    live.seed(history)
    fresh.seed(history)
    for moment in sorted(set(moments)):
        for event in sim.events_until(T0 + moment):
            live.apply(event)
            fresh.apply(event)
        assert live.snapshot(T0 + moment) == SupervisorModel.snapshot(_recounted(fresh), T0 + moment)
        live.seed([QueueCall(f"late{moment}", "Q02", T0 + moment - 1000, Outcome.ABANDONED, 5.0)])
        fresh.seed([QueueCall(f"late{moment}", "Q02", T0 + moment - 1000, Outcome.ABANDONED, 5.0)])


def test_running_sums_start_again_at_midnight() -> None:
    sim = FloorSimulator(agents=12, queues=2, calls_per_s=0.5, start_ts=T0, seed=3)
    midnight_shanghai = T0 + 8 * 3600  # 00:00 on the 16th in Shanghai
    live, reference = SupervisorModel(SHANGHAI), SupervisorModel(SHANGHAI)
    for step in range(1, 60):
        now = midnight_shanghai - 1800 + step * 60
        for event in sim.events_until(now):
            live.apply(event)
            reference.apply(event)
        shown = live.snapshot(now)
        assert shown == _recounted(reference).snapshot(now)
    after = live.snapshot(midnight_shanghai + 1800)
    assert all(p.start.day == 16 for points in after.intervals.values() for p in points)
    assert sum(q.offered for q in after.queues) > 0


@settings(max_examples=80, deadline=None)
@given(st.lists(related, max_size=50), st.floats(0, 4 * 3600, allow_nan=False))
def test_running_occupancy_is_the_occupancy_of_the_intervals(events, later) -> None:
    """The grid's occupancy (running sums plus the open interval, every snapshot) against the
    metric function over the agent's whole list of intervals."""
    model = SupervisorModel(UTC)
    for event in _in_time_order(events):
        model.apply(event)
    now = T0 + later
    for agent in model.timelines.agents:
        running = model.timelines.totals(agent, now)
        assert model.timelines.occupancy_pct(agent, now) == running.occupancy_pct
        recount = agent_totals(model.timelines.intervals(agent), now)
        assert running.staffed_s == pytest.approx(recount.staffed_s)
        assert running.handling_s == pytest.approx(recount.handling_s)
        if recount.occupancy_pct is None or running.occupancy_pct is None:
            assert recount.staffed_s - recount.not_ready_s == pytest.approx(0, abs=1e-6) or (
                recount.occupancy_pct == running.occupancy_pct
            )
        else:
            assert running.occupancy_pct == pytest.approx(recount.occupancy_pct)
