"""Queue metric functions against hand-computed tables, plus properties that must always hold."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.metrics import (
    Outcome,
    QueueCall,
    figures_of,
    group_by_interval,
    interval_start,
    interval_starts_between,
    longest_wait_s,
    queue_figures,
    tally_calls,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-03-02 09:00:00 +08:00
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI).timestamp()
A, B, U = Outcome.ANSWERED, Outcome.ABANDONED, Outcome.UNANSWERED


def call(
    n: int,
    outcome: Outcome | None,
    wait: float | None,
    handle: float | None = None,
    wrap: float = 0.0,
    join: float = NINE,
    queue: str = "support",
) -> QueueCall:
    return QueueCall(f"c{n}", queue, join, outcome, wait, handle, wrap)


# The hand-computed table (T = 20 s):
#  c1 answered wait 5    handle 100 wrap 20  -> in SL
#  c2 answered wait 20   handle 200 wrap 0   -> in SL (<= T, inclusive as app_queue.c)
#  c3 answered wait 21   handle 60  wrap 10  -> out of SL
#  c4 abandoned wait 20  (before/at T)       -> counts in SL2's numerator
#  c5 abandoned wait 45  (after T)
#  c6 unanswered (timeout) wait 60           -> not an abandon; SL2 counts it as the PBX does
#  c7 still waiting                           -> counts nowhere
TABLE = [
    call(1, A, 5, 100, 20),
    call(2, A, 20, 200),
    call(3, A, 21, 60, 10),
    call(4, B, 20),
    call(5, B, 45),
    call(6, U, 60),
    call(7, None, None),
]


def test_hand_computed_table() -> None:
    f = queue_figures(TABLE, sl_threshold_s=20)
    assert (f.offered, f.answered, f.abandoned, f.unanswered, f.short_abandoned) == (6, 3, 2, 1, 0)
    assert f.sl_pct == pytest.approx(2 / 3 * 100)  # c1, c2 of 3 answered
    assert f.sl2_pct == pytest.approx(3 / 6 * 100)  # c1, c2, c4 of 3 answered + 3 given up
    assert f.asa_s == pytest.approx((5 + 20 + 21) / 3)
    assert f.aht_s == pytest.approx((120 + 200 + 70) / 3)
    assert f.abandon_rate_pct == pytest.approx(2 / 5 * 100)  # timeouts are not in the rate
    assert f.max_wait_s == 60


def test_short_abandons_are_shown_apart_and_left_out_of_the_rate() -> None:
    calls = [*TABLE, call(8, B, 3), call(9, B, 4.9), call(10, B, 5)]
    f = queue_figures(calls, sl_threshold_s=20, short_abandon_s=5)
    assert f.short_abandoned == 2  # 3 s and 4.9 s; 5 s is not under 5
    assert f.abandoned == 3
    assert f.offered == 3 + 3 + 1
    assert f.abandon_rate_pct == pytest.approx(3 / 6 * 100)
    # SL2 is the PBX's figure: it counts every call app_queue.c counted, short abandons too
    assert f.sl2_pct == pytest.approx((2 + 1 + 3) / (3 + 3 + 2 + 1) * 100)
    without = queue_figures(calls, sl_threshold_s=20)
    assert (without.abandoned, without.short_abandoned) == (5, 0)


def test_threshold_moves_calls_in_and_out_of_service_level() -> None:
    assert queue_figures(TABLE, sl_threshold_s=19.9).sl_pct == pytest.approx(100 / 3)
    assert queue_figures(TABLE, sl_threshold_s=21).sl_pct == pytest.approx(100.0)
    assert queue_figures(TABLE, sl_threshold_s=0).sl_pct == 0.0


def test_figures_without_calls_are_none_not_zero() -> None:
    f = queue_figures([call(1, None, None)])
    assert f.offered == 0
    assert (f.sl_pct, f.sl2_pct, f.asa_s, f.aht_s, f.abandon_rate_pct, f.max_wait_s) == (None,) * 6
    only_abandons = queue_figures([call(1, B, 10)])
    assert only_abandons.sl_pct is None and only_abandons.asa_s is None
    assert only_abandons.abandon_rate_pct == 100.0


def test_answered_call_still_talking_has_no_handle_time_yet() -> None:
    f = queue_figures([call(1, A, 3, None), call(2, A, 5, 40, 5)])
    assert f.answered == 2 and f.asa_s == 4
    assert f.aht_s == 45


def test_calls_spanning_intervals_count_where_they_entered_the_queue() -> None:
    # joins 09:14:50, waits 30 s (answered 09:15:20): counts in 09:00, not 09:15
    spanning = call(1, A, 30, 600, join=NINE + 14 * 60 + 50)
    later = call(2, B, 8, join=NINE + 15 * 60)
    grouped = group_by_interval([spanning, later], SHANGHAI)
    rows = [(start.isoformat(), [c.call_id for c in calls]) for start, calls in grouped["support"]]
    assert rows == [("2026-03-02T09:00:00+08:00", ["c1"]), ("2026-03-02T09:15:00+08:00", ["c2"])]


def test_intervals_align_to_the_centre_clock_not_utc() -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")  # +05:45: UTC quarter hours are not local ones
    start = interval_start(datetime(2026, 3, 2, 10, 7, tzinfo=kathmandu).timestamp(), kathmandu)
    assert start.isoformat() == "2026-03-02T10:00:00+05:45"
    with pytest.raises(ValueError):
        interval_start(NINE, SHANGHAI, minutes=7)


def test_dst_fall_back_keeps_the_two_repeated_hours_apart() -> None:
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2026, 10, 25, 2, 20, tzinfo=paris, fold=0).timestamp()
    second = first + 3600  # the same wall-clock time, an hour later, after the clocks went back
    a, b = interval_start(first, paris), interval_start(second, paris)
    assert a.isoformat() == "2026-10-25T02:15:00+02:00"
    assert b.isoformat() == "2026-10-25T02:15:00+01:00"
    grouped = group_by_interval([call(1, A, 1, join=first), call(2, A, 1, join=second)], paris)
    assert len(grouped["support"]) == 2
    steps = interval_starts_between(first, second, paris)
    assert len(steps) == 5  # 02:15+2, 02:30+2, 02:45+2, 02:00+1, 02:15+1
    assert len({s.timestamp() for s in steps}) == 5


def test_longest_wait_ticks_from_the_oldest_caller() -> None:
    assert longest_wait_s([], NINE) is None
    assert longest_wait_s([NINE - 5, NINE - 42, NINE - 1], NINE) == 42
    assert longest_wait_s([NINE + 3], NINE) == 0.0  # a clock skew never shows a negative wait


outcomes = st.sampled_from([A, B, U, None])
waits = st.one_of(st.none(), st.floats(min_value=0, max_value=3600, allow_nan=False))
calls_strategy = st.lists(
    st.builds(
        lambda n, o, w, h: call(n, o, w, h),
        st.integers(0, 10_000),
        outcomes,
        waits,
        st.one_of(st.none(), st.floats(min_value=0, max_value=7200, allow_nan=False)),
    ),
    max_size=60,
)


@given(
    calls_strategy,
    st.floats(min_value=0, max_value=600, allow_nan=False),
    st.one_of(st.none(), st.floats(min_value=0, max_value=30, allow_nan=False)),
)
def test_properties_of_any_set_of_calls(
    calls: list[QueueCall], threshold: float, short: float | None
) -> None:
    f = queue_figures(calls, sl_threshold_s=threshold, short_abandon_s=short)
    finished = [c for c in calls if c.outcome is not None]
    assert f.offered + f.short_abandoned == len(finished)
    assert f.offered == f.answered + f.abandoned + f.unanswered
    for pct in (f.sl_pct, f.sl2_pct, f.abandon_rate_pct):
        assert pct is None or 0.0 <= pct <= 100.0
    assert (f.sl_pct is None) == (f.answered == 0)
    if f.max_wait_s is not None and f.asa_s is not None:
        assert f.asa_s <= f.max_wait_s + 1e-9
    # a larger threshold never lowers the service level
    wider = queue_figures(calls, sl_threshold_s=threshold + 10, short_abandon_s=short)
    if f.sl_pct is not None and wider.sl_pct is not None:
        assert wider.sl_pct >= f.sl_pct - 1e-9
    # splitting the calls into intervals and adding up gives the day's counts
    parts = group_by_interval(finished, SHANGHAI)
    total = sum(queue_figures(cs, threshold, short).answered for rows in parts.values() for _, cs in rows)
    assert total == f.answered


@given(
    st.floats(min_value=0, max_value=4e9, allow_nan=False),
    st.sampled_from(
        ["UTC", "Asia/Shanghai", "Asia/Kathmandu", "America/St_Johns", "Europe/Paris", "Australia/Lord_Howe"]
    ),
)
def test_interval_start_is_aligned_and_not_after_the_call(ts: float, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    start = interval_start(ts, zone)
    assert start.minute % 15 == 0 and start.second == 0 and start.microsecond == 0
    assert start.timestamp() <= ts < start.timestamp() + 15 * 60 + 3600  # a DST jump may stretch one


@given(calls_strategy, calls_strategy, st.floats(min_value=0, max_value=600, allow_nan=False))
def test_tallies_add_up_to_the_figures_of_all_the_calls(
    first: list[QueueCall], second: list[QueueCall], threshold: float
) -> None:
    combined = figures_of(tally_calls(first, threshold, 5) + tally_calls(second, threshold, 5))
    direct = queue_figures([*first, *second], threshold, 5)
    assert combined.offered == direct.offered and combined.sl2_pct == direct.sl2_pct
    assert combined.max_wait_s == direct.max_wait_s
    for got, want in ((combined.asa_s, direct.asa_s), (combined.aht_s, direct.aht_s)):
        assert (got is None) == (want is None)
        assert got is None or want is None or abs(got - want) <= 1e-6 * max(1.0, abs(want))
