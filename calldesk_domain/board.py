"""What the supervisor views show: plain, immutable data objects, and the alert thresholds.

The supervisor service builds a `BoardSnapshot` from CTI events; the queue panel, the agent grid
and the wallboard only ever read snapshots (never sockets or stores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from calldesk_domain.agent_metrics import Activity, AgentInterval


class Level(IntEnum):
    OK = 0
    WARNING = 1
    ALARM = 2


@dataclass(frozen=True, slots=True)
class Threshold:
    """`warning` and `alarm` limits of one figure; `higher_is_worse` says which way they point."""

    warning: float
    alarm: float
    higher_is_worse: bool = True

    def level(self, value: float | None) -> Level:
        if value is None:
            return Level.OK
        if self.higher_is_worse:
            return (
                Level.ALARM if value >= self.alarm else Level.WARNING if value >= self.warning else Level.OK
            )
        return Level.ALARM if value <= self.alarm else Level.WARNING if value <= self.warning else Level.OK


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Centre-configurable limits (settings `[supervisor.thresholds]`); defaults are common practice."""

    waiting: Threshold = Threshold(3, 8)
    longest_wait_s: Threshold = Threshold(30, 60)
    sl_pct: Threshold = Threshold(80, 60, higher_is_worse=False)
    abandon_rate_pct: Threshold = Threshold(5, 10)
    asa_s: Threshold = Threshold(15, 30)

    @classmethod
    def from_mapping(cls, data: object) -> tuple[Thresholds, list[str]]:
        """Thresholds from a settings table; bad entries are skipped and named in the problems."""
        problems: list[str] = []
        if not isinstance(data, dict):
            return cls(), ([] if data is None else ["supervisor thresholds: not a table"])
        values: dict[str, Threshold] = {}
        defaults = cls()
        for name in ("waiting", "longest_wait_s", "sl_pct", "abandon_rate_pct", "asa_s"):
            entry = data.get(name)
            if entry is None:
                continue
            default: Threshold = getattr(defaults, name)
            try:
                warning, alarm = float(entry["warning"]), float(entry["alarm"])
            except (TypeError, KeyError, ValueError):
                problems.append(f"supervisor thresholds: {name} needs numeric warning and alarm")
                continue
            ordered = warning <= alarm if default.higher_is_worse else warning >= alarm
            if not (ordered and warning == warning and alarm == alarm):
                problems.append(f"supervisor thresholds: {name} warning and alarm are in the wrong order")
                continue
            values[name] = Threshold(warning, alarm, default.higher_is_worse)
        return cls(**values), problems


@dataclass(frozen=True, slots=True)
class QueueRow:
    queue: str
    waiting: int
    longest_wait_s: float | None
    offered: int  # today, on the centre's clock
    answered: int
    abandoned: int
    unanswered: int
    sl_pct: float | None  # ServicelevelPerf (answered only): what the panel shows as "SL"
    sl2_pct: float | None
    asa_s: float | None
    aht_s: float | None
    abandon_rate_pct: float | None
    agents_ready: int
    agents_busy: int  # ringing, talk, hold, wrap
    agents_paused: int
    waiting_last_hour: tuple[int, ...] = ()  # the most callers waiting in each minute, oldest first
    pbx_sl_pct: float | None = None  # the PBX's own ServicelevelPerf (QueueParams), to compare with


@dataclass(frozen=True, slots=True)
class IntervalPoint:
    start: datetime
    offered: int
    answered: int
    sl_pct: float | None


@dataclass(frozen=True, slots=True)
class AgentRow:
    agent: str
    team: str
    queues: tuple[str, ...]
    activity: Activity
    reason: str  # the pause reason
    since_ts: float | None
    caller: str | None
    call_since_ts: float | None
    calls_handled: int
    occupancy_pct: float | None


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    now: float
    queues: tuple[QueueRow, ...]
    agents: tuple[AgentRow, ...]
    intervals: dict[str, tuple[IntervalPoint, ...]] = field(default_factory=dict)  # today, per queue
    stale_since: float | None = None  # the CTI source has been down since then: figures are old
    stale_detail: str = ""


@dataclass(frozen=True, slots=True)
class AgentDay:
    """Today's intervals of one agent, for the grid's detail dialog."""

    agent: str
    intervals: tuple[AgentInterval, ...]
    now: float
