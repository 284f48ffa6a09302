"""Agent-state intervals: splitting, time in state, totals, stored form."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.agent_intervals import AgentState, IntervalLog, StateInterval

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
S = AgentState


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_change_of_reason_closes_one_interval_and_opens_the_next() -> None:
    log = IntervalLog()
    assert log.change(at(0), S.NOT_READY, "break") is None
    closed = log.change(at(10), S.NOT_READY, "lunch")
    assert closed == StateInterval(at(0), at(10), S.NOT_READY, "break")
    assert log.current == StateInterval(at(10), None, S.NOT_READY, "lunch")
    assert log.time_in_state(at(25)) == timedelta(minutes=15)


def test_a_repeat_of_the_current_state_is_ignored() -> None:
    log = IntervalLog()
    log.change(at(0), S.READY)
    assert log.change(at(5), S.READY) is None
    assert len(log.intervals) == 1


def test_a_new_call_splits_talking() -> None:
    log = IntervalLog()
    log.change(at(0), S.TALKING, call_id="c1")
    closed = log.change(at(3), S.TALKING, call_id="c2")
    assert closed is not None and closed.call_id == "c1"


def test_how_long_on_break_today() -> None:
    log = IntervalLog()
    for minute, state, reason in [
        (0, S.READY, ""),
        (30, S.NOT_READY, "break"),
        (45, S.READY, ""),
        (90, S.NOT_READY, "break"),
        (100, S.NOT_READY, "lunch"),
    ]:
        log.change(at(minute), state, reason)
    assert log.total(S.NOT_READY, "break", now=at(200)) == timedelta(minutes=25)
    assert log.total(S.NOT_READY, now=at(200)) == timedelta(minutes=125)
    assert log.total(S.NOT_READY, "break", now=at(200), since=at(40)) == timedelta(minutes=15)


def test_a_late_event_never_makes_a_negative_interval() -> None:
    log = IntervalLog()
    log.change(at(10), S.READY)
    closed = log.change(at(5), S.NOT_READY, "break")
    assert closed is not None and closed.end == at(10)
    assert log.current is not None and log.current.start == at(10)


def test_reason_is_kept_only_for_not_ready() -> None:
    log = IntervalLog()
    log.change(at(0), S.READY, "lunch")
    assert log.current is not None and log.current.reason == ""


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        IntervalLog().change(datetime(2026, 1, 1), S.READY)


def test_intervals_survive_a_round_trip_and_a_restart() -> None:
    log = IntervalLog()
    log.change(at(0), S.NOT_READY, "break")
    log.change(at(7), S.WRAPUP, call_id="c9")
    restored = IntervalLog(StateInterval.from_dict(i.to_dict()) for i in log.intervals)
    assert restored.intervals == log.intervals
    restored.change(at(9), S.READY)
    assert restored.total(S.WRAPUP, now=at(60)) == timedelta(minutes=2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("x", "object"),
        ({"start": "nope", "state": "ready"}, "ISO"),
        ({"start": "2026-01-01T00:00:00", "state": "ready"}, "time zone"),
        ({"start": T0.isoformat(), "state": "dancing"}, "unknown agent state"),
        ({"start": at(5).isoformat(), "end": at(1).isoformat(), "state": "ready"}, "before it starts"),
        ({"start": T0.isoformat(), "state": "ready", "reason": 3}, "strings"),
    ],
)
def test_bad_stored_intervals_say_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StateInterval.from_dict(data)  # type: ignore[arg-type]


changes = st.lists(
    st.tuples(
        st.integers(min_value=-30, max_value=600),
        st.sampled_from(list(AgentState)),
        st.sampled_from(["", "break", "lunch"]),
    ),
    max_size=30,
)


@given(changes)
def test_intervals_never_overlap_and_totals_add_up(steps: list[tuple[int, AgentState, str]]) -> None:
    log = IntervalLog()
    for minute, state, reason in steps:
        log.change(at(minute), state, reason)
    intervals = log.intervals
    for earlier, later in itertools.pairwise(intervals):
        assert earlier.end is not None and earlier.end == later.start
    now = at(1000)
    total = sum((log.total(state, now=now) for state in AgentState), timedelta(0))
    assert total == (now - intervals[0].start if intervals else timedelta(0))


@given(
    st.dictionaries(
        st.sampled_from(["start", "end", "state", "reason", "call_id"]),
        st.one_of(st.none(), st.text(max_size=30), st.integers()),
    )
)
def test_from_dict_on_junk_raises_only_value_error(data: dict[str, object]) -> None:
    with contextlib.suppress(ValueError):
        StateInterval.from_dict(data)
