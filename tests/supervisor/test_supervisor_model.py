"""The live supervisor model: same figures as `cti stats`, the last-hour sparkline, day rollover,
odd or hostile events."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    QueueEvent,
    QueueEventKind,
)
from desktop.cti.floor import FloorSimulator
from desktop.cti.stats import queue_stats
from desktop.services.supervisor_model import SPARK_MINUTES, SupervisorModel

UTC = ZoneInfo("UTC")
T0 = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC


def test_live_figures_equal_the_offline_statistics_of_the_same_events() -> None:
    sim = FloorSimulator(agents=30, queues=3, calls_per_s=1.0, start_ts=T0, seed=11)
    events = sim.events_until(T0 + 40 * 60)
    model = SupervisorModel(UTC)
    for event in events:
        model.apply(event)
    snapshot = model.snapshot(T0 + 40 * 60)
    totals = {row["queue"]: row for row in queue_stats(events, UTC) if row["interval_start"] is None}
    assert {q.queue for q in snapshot.queues} == set(totals)
    for row in snapshot.queues:
        want = totals[row.queue]
        assert (row.offered, row.answered, row.abandoned, row.unanswered) == (
            want["offered"],
            want["answered"],
            want["abandoned"],
            want["unanswered"],
        )
        assert round(row.sl_pct or 0, 1) == (want["sl_pct"] or 0)
        assert round(row.aht_s or 0, 3) == (want["aht_s"] or 0)
        assert row.offered > 50 and row.agents_ready + row.agents_busy + row.agents_paused <= 20
        points = snapshot.intervals[row.queue]
        assert [p.start.minute for p in points] == [0, 15, 30]
        assert sum(p.offered for p in points) == row.offered


def test_sparkline_holds_the_peak_of_each_minute() -> None:
    model = SupervisorModel(UTC)
    join = lambda n, ts: QueueEvent(QueueEventKind.JOIN, "q", ts, call_id=f"c{n}")  # noqa: E731
    abandon = lambda n, ts: QueueEvent(QueueEventKind.ABANDON, "q", ts, call_id=f"c{n}")  # noqa: E731
    for event in [
        join(1, T0 + 10),
        join(2, T0 + 20),
        join(3, T0 + 30),
        abandon(1, T0 + 40),
        abandon(2, T0 + 50),
        abandon(3, T0 + 130),
    ]:
        model.apply(event)
    now = T0 + 59 * 60 + 30  # T0 is a whole minute: the sparkline's first minute is T0 .. T0 + 60
    spark = model.waiting_per_minute("q", now)
    assert len(spark) == SPARK_MINUTES
    assert spark[:4] == (3, 1, 1, 0)  # minute 0: up to 3, ends at 1; minute 1: still 1; minute 2: 1 then 0
    assert spark[-1] == 0
    assert model.snapshot(now).queues[0].waiting == 0


def test_new_day_starts_from_nothing_but_keeps_waiting_callers() -> None:
    model = SupervisorModel(UTC)
    model.apply(QueueEvent(QueueEventKind.JOIN, "q", T0, call_id="done"))
    model.apply(QueueEvent(QueueEventKind.ABANDON, "q", T0 + 5, call_id="done"))
    model.apply(QueueEvent(QueueEventKind.JOIN, "q", T0 + 16 * 3600 - 30, call_id="late"))  # 23:59:30
    assert model.snapshot(T0 + 60).queues[0].abandoned == 1
    next_day = model.snapshot(T0 + 16 * 3600 + 60)
    row = next_day.queues[0]
    assert (row.offered, row.abandoned, row.waiting) == (0, 0, 1)
    assert "done" not in model.calls.calls and "late" in model.calls.calls


text = st.text(max_size=20)
hostile = st.one_of(
    st.builds(
        lambda k, c, a, q, ts: CallEvent(k, c, ts, agent=a or None, queue=q or None),
        st.sampled_from(list(CallEventKind)),
        text,
        text,
        text,
        st.floats(0, 4e9),
    ),
    st.builds(
        lambda k, c, q, ts, w: QueueEvent(k, q, ts, call_id=c or None, wait_s=w),
        st.sampled_from(list(QueueEventKind)),
        text,
        text,
        st.floats(0, 4e9),
        st.one_of(st.none(), st.floats(allow_nan=True)),
    ),
    st.builds(
        lambda k, a, q, ts, p, r: AgentEvent(k, a, ts, queue=q or None, paused=p, reason=r),
        st.sampled_from(list(AgentEventKind)),
        text,
        text,
        st.floats(0, 4e9),
        st.one_of(st.none(), st.booleans()),
        text,
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(hostile, max_size=40), st.floats(0, 4e9))
def test_any_sequence_of_events_gives_a_sane_snapshot(events, now) -> None:
    model = SupervisorModel(UTC)
    for event in events:
        model.apply(event)
    snapshot = model.snapshot(now)
    for row in snapshot.queues:
        assert row.offered == row.answered + row.abandoned + row.unanswered
        assert row.waiting >= 0 and len(row.waiting_last_hour) == SPARK_MINUTES
        for pct in (row.sl_pct, row.sl2_pct, row.abandon_rate_pct):
            assert pct is None or 0 <= pct <= 100
    for agent in snapshot.agents:
        assert agent.occupancy_pct is None or 0 <= agent.occupancy_pct <= 100
