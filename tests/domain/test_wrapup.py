"""Wrap-up countdown with a fake clock: per-queue seconds, extend, end early, restart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.wrapup import (
    MAX_WRAPUP_S,
    StoredWrapup,
    WrapupCountdown,
    WrapupOutcome,
    WrapupPolicy,
)


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("queue", "pbx", "seconds"),
    [("sales", None, 45), ("sales", 20, 45), ("support", 20, 20), ("support", None, 30), (None, 0, 30)],
)
def test_seconds_per_queue_then_pbx_then_default(queue: str | None, pbx: int | None, seconds: int) -> None:
    policy = WrapupPolicy(default_seconds=30, per_queue={"sales": 45})
    assert policy.seconds_for(queue, pbx) == seconds


def test_counts_down_then_goes_ready() -> None:
    clock = FakeClock()
    countdown = WrapupCountdown.start("c1", 30, clock, log_required=False)
    assert countdown.remaining_seconds() == 30
    clock.now += 29.5
    assert (countdown.remaining_seconds(), countdown.outcome()) == (1, WrapupOutcome.COUNTING)
    clock.now += 0.5
    assert countdown.outcome() is WrapupOutcome.GO_READY


def test_required_unsaved_log_holds_the_agent_until_saved() -> None:
    clock = FakeClock()
    countdown = WrapupCountdown.start("c1", 10, clock, log_required=True)
    clock.now += 11
    assert countdown.outcome() is WrapupOutcome.WAIT_FOR_LOG
    countdown.mark_log_saved()
    assert countdown.outcome() is WrapupOutcome.GO_READY


def test_extend_and_end_early() -> None:
    clock = FakeClock()
    countdown = WrapupCountdown.start("c1", 30, clock, log_required=False)
    clock.now += 20
    countdown.extend(30)
    assert countdown.remaining_seconds() == 40
    countdown.end_early()
    assert countdown.outcome() is WrapupOutcome.GO_READY
    countdown.extend(15)  # after it ran out: from now
    assert countdown.remaining_seconds() == 15


def test_restart_resumes_the_time_left() -> None:
    clock = FakeClock()
    countdown = WrapupCountdown.start("c1", 60, clock, log_required=True)
    clock.now += 25
    stored = StoredWrapup.from_dict(countdown.stored().to_dict())
    clock.now += 5  # the desktop was down for 5 s
    resumed = WrapupCountdown.resume(stored, clock)
    assert resumed.remaining_seconds() == 30
    assert resumed.call_id == "c1" and resumed.log_required
    clock.now += 100
    assert resumed.outcome() is WrapupOutcome.WAIT_FOR_LOG


def test_a_stored_deadline_far_in_the_future_is_capped() -> None:
    clock = FakeClock()
    resumed = WrapupCountdown.resume(StoredWrapup("c1", clock.now + 10**9, False, False), clock)
    assert resumed.remaining_seconds() == MAX_WRAPUP_S


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "object"),
        ({"deadline": 1.0, "log_required": False, "log_saved": False}, "call id"),
        ({"call_id": "c", "deadline": "soon", "log_required": False, "log_saved": False}, "deadline"),
        ({"call_id": "c", "deadline": float("nan"), "log_required": False, "log_saved": False}, "deadline"),
        ({"call_id": "c", "deadline": 1.0, "log_required": "yes", "log_saved": False}, "flags"),
    ],
)
def test_bad_stored_wrapup_says_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StoredWrapup.from_dict(data)


@pytest.mark.parametrize(
    ("default", "per_queue", "message"),
    [
        (-1, None, "wrap-up seconds"),
        (True, None, "whole number"),
        (30, ["x"], "table"),
        (30, {"": 5}, "empty"),
        (30, {"q": 99999}, "queue 'q'"),
    ],
)
def test_bad_settings_say_what_is_wrong(default: object, per_queue: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WrapupPolicy.from_settings(default, per_queue)


@given(
    st.integers(0, MAX_WRAPUP_S),
    st.lists(st.tuples(st.sampled_from(["tick", "extend", "end"]), st.integers(0, 400)), max_size=20),
)
def test_remaining_is_never_negative_nor_beyond_the_cap(seconds: int, steps: list[tuple[str, int]]) -> None:
    clock = FakeClock()
    countdown = WrapupCountdown.start("c", seconds, clock, log_required=False)
    for step, amount in steps:
        if step == "tick":
            clock.now += amount
        elif step == "extend":
            countdown.extend(amount)
        else:
            countdown.end_early()
            assert countdown.outcome() is WrapupOutcome.GO_READY
        assert 0 <= countdown.remaining() <= MAX_WRAPUP_S
