"""Agent figures: state timelines, occupancy, agents by state (METRICS.md). Pure: no clock, no I/O.

An agent's day is a list of `AgentInterval`s, one per state (a pause-reason change starts a new
one). Occupancy = (talk + hold + after-call work) / (staffed time - not-ready time): ringing and
ready time are available-but-idle, a pause other than after-call work is not-ready, logged-out time
is not staffed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Activity(StrEnum):
    READY = "ready"
    RINGING = "ringing"
    TALK = "talk"
    HOLD = "hold"
    WRAP = "wrap"  # after-call work (wrap-up)
    PAUSED = "paused"  # not ready, with a reason
    UNAVAILABLE = "unavailable"  # device unreachable / unknown
    LOGGED_OUT = "logged_out"


HANDLING = frozenset({Activity.TALK, Activity.HOLD, Activity.WRAP})
NOT_READY = frozenset({Activity.PAUSED, Activity.UNAVAILABLE})
# Pause reasons that mean after-call work rather than not-ready (AMI PausedReason, ESL status).
WRAP_REASONS = frozenset({"acw", "wrap", "wrapup", "wrap-up", "wrap_up", "after-call work", "aftercallwork"})


def is_wrap_reason(reason: str) -> bool:
    return reason.strip().lower() in WRAP_REASONS


@dataclass(frozen=True, slots=True)
class AgentInterval:
    agent: str
    activity: Activity
    start_ts: float
    end_ts: float | None  # None: the agent is still in it
    reason: str = ""  # the pause reason, for PAUSED

    def seconds(self, now: float) -> float:
        end = now if self.end_ts is None else self.end_ts
        return max(0.0, end - self.start_ts)


@dataclass(frozen=True, slots=True)
class AgentTotals:
    staffed_s: float
    not_ready_s: float
    handling_s: float
    occupancy_pct: float | None  # None when the agent was never available


def agent_totals(intervals: Iterable[AgentInterval], now: float) -> AgentTotals:
    staffed = not_ready = handling = 0.0
    for interval in intervals:
        seconds = interval.seconds(now)
        if interval.activity is Activity.LOGGED_OUT:
            continue
        staffed += seconds
        if interval.activity in NOT_READY:
            not_ready += seconds
        elif interval.activity in HANDLING:
            handling += seconds
    return AgentTotals(staffed, not_ready, handling, occupancy_of(staffed, not_ready, handling))


def occupancy_of(staffed_s: float, not_ready_s: float, handling_s: float) -> float | None:
    """handling / (staffed - not ready), in %; None when the agent was never available."""
    available = staffed_s - not_ready_s
    return None if available <= 0 else min(100.0, 100.0 * handling_s / available)


def team_occupancy_pct(per_agent: Iterable[AgentTotals]) -> float | None:
    """A team's occupancy weighs each agent by available time (not a mean of percentages)."""
    handling = available = 0.0
    for totals in per_agent:
        handling += totals.handling_s
        available += totals.staffed_s - totals.not_ready_s
    return None if available <= 0 else min(100.0, 100.0 * handling / available)


def agents_by_state(activities: Iterable[Activity]) -> dict[Activity, int]:
    """How many agents are in each activity now; every activity is present (0 if none)."""
    counts = Counter(activities)
    return {activity: counts.get(activity, 0) for activity in Activity}


def time_in_state_s(since_ts: float | None, now: float) -> float | None:
    """now - last state change (METRICS.md: a pause-reason change starts a new interval)."""
    return None if since_ts is None else max(0.0, now - since_ts)
