"""The live supervisor model: normalised CTI events in, `BoardSnapshot`s out. Pure Python, no Qt.

Fed with every queue, agent, call and PBX-link event a supervisor's desktop receives (the bridge's
supervisor stream, or a replayed recording). Figures are "today" on the centre's clock, computed by
calldesk_domain.metrics exactly as `calldesk cti stats` computes them. A queue's figures are
recomputed only when one of its calls changed; agents (a few hundred rows) every snapshot.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime, tzinfo

from calldesk_domain.agent_metrics import Activity
from calldesk_domain.board import AgentDay, AgentRow, BoardSnapshot, IntervalPoint, QueueRow
from calldesk_domain.metrics import (
    DEFAULT_SL_THRESHOLD_S,
    QueueCall,
    QueueFigures,
    group_by_interval,
    longest_wait_s,
    queue_figures,
)
from desktop.cti.agent_timeline import AgentTimelines
from desktop.cti.callstate import CallStateMachine
from desktop.cti.events import CallEvent, CtiEvent, PbxEvent, PbxEventKind, QueueEvent, QueueEventKind
from desktop.cti.stats import queue_call

SPARK_MINUTES = 60
BUSY = frozenset({Activity.RINGING, Activity.TALK, Activity.HOLD, Activity.WRAP})
PAUSED = frozenset({Activity.PAUSED})


def local_midnight(ts: float, zone: tzinfo) -> float:
    local = datetime.fromtimestamp(ts, zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class SupervisorModel:
    def __init__(
        self,
        zone: tzinfo,
        sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
        teams: Mapping[str, str] | None = None,
        short_abandon_s: float | None = None,
    ) -> None:
        self.zone = zone
        self.sl_threshold_s = sl_threshold_s
        self.short_abandon_s = short_abandon_s
        self.teams = dict(teams or {})
        self.calls = CallStateMachine()
        self.timelines = AgentTimelines()
        self._queue_calls: dict[str, dict[str, None]] = {}  # queue -> call ids (ordered set)
        self._waiting: dict[str, deque[tuple[float, int]]] = {}  # queue -> (ts, callers waiting)
        self._figures: dict[str, tuple[QueueFigures, tuple[IntervalPoint, ...]]] = {}
        self._dirty: set[str] = set()
        self._day_start: float | None = None
        self.stale_since: float | None = None
        self.stale_detail = ""
        self.events_applied = 0

    # ---- input -----------------------------------------------------------------------------
    def apply(self, event: CtiEvent) -> bool:
        """Apply one event; True if anything the board shows changed."""
        self.events_applied += 1
        if isinstance(event, PbxEvent):
            return self._apply_link(event.kind is PbxEventKind.CONNECTED, event.ts, event.detail)
        changed = self.calls.apply(event)
        changed = self.timelines.apply(event) or changed
        call_id = event.call_id if isinstance(event, CallEvent | QueueEvent) else None
        if call_id is not None:
            record = self.calls.calls.get(call_id)
            if record is not None and record.queue and record.join_ts is not None:
                self._queue_calls.setdefault(record.queue, {})[call_id] = None
                self._dirty.add(record.queue)
        if isinstance(event, QueueEvent) and event.kind is not QueueEventKind.STATS:
            self._note_waiting(event.queue, event.ts)
        if isinstance(event, CallEvent) and event.queue:
            self._note_waiting(event.queue, event.ts)
        return changed

    def source_down(self, ts: float, detail: str = "") -> None:
        """The CTI source (bridge link, PBX login) is lost: figures are stale from `ts` on."""
        self._apply_link(False, ts, detail)

    def source_up(self, ts: float) -> None:
        self._apply_link(True, ts, "")

    def _apply_link(self, up: bool, ts: float, detail: str) -> bool:
        if up:
            changed = self.stale_since is not None
            self.stale_since, self.stale_detail = None, ""
            return changed
        if self.stale_since is None:
            self.stale_since = ts
        self.stale_detail = detail
        return True

    def _note_waiting(self, queue: str, ts: float) -> None:
        history = self._waiting.setdefault(queue, deque())
        count = len(self.calls.waiting_calls(queue))
        if history and history[-1][1] == count:
            return
        history.append((ts, count))
        while len(history) > 2 and history[1][0] < ts - (SPARK_MINUTES + 5) * 60:
            history.popleft()

    # ---- output ----------------------------------------------------------------------------
    def snapshot(self, now: float) -> BoardSnapshot:
        day_start = local_midnight(now, self.zone)
        if self._day_start is None:
            self._day_start = day_start
        elif day_start != self._day_start:
            self._new_day(day_start)
        agents = self._agent_rows(now)
        queues: list[QueueRow] = []
        intervals: dict[str, tuple[IntervalPoint, ...]] = {}
        names = sorted(set(self._queue_calls) | {q for a in agents for q in a.queues})
        for queue in names:
            figures, points = self._queue_figures(queue)
            intervals[queue] = points
            queues.append(self._queue_row(queue, figures, agents, now))
        return BoardSnapshot(
            now, tuple(queues), tuple(agents), intervals, self.stale_since, self.stale_detail
        )

    def agent_day(self, agent: str, now: float) -> AgentDay:
        day_start = local_midnight(now, self.zone)
        today = [i for i in self.timelines.intervals(agent) if i.end_ts is None or i.end_ts > day_start]
        return AgentDay(agent, tuple(today), now)

    def _new_day(self, day_start: float) -> None:
        """Figures are today's: yesterday's calls leave the queues' lists (and memory)."""
        self._day_start = day_start
        for queue, ids in self._queue_calls.items():
            for call_id in [c for c in ids if (self.calls.calls[c].join_ts or 0.0) < day_start]:
                del ids[call_id]
                record = self.calls.calls[call_id]
                if record.outcome is not None or record.end_ts is not None:
                    del self.calls.calls[call_id]
            self._dirty.add(queue)
        self.timelines.reset_totals(day_start)

    def _queue_figures(self, queue: str) -> tuple[QueueFigures, tuple[IntervalPoint, ...]]:
        cached = self._figures.get(queue)
        if cached is not None and queue not in self._dirty:
            return cached
        facts: list[QueueCall] = []
        for call_id in self._queue_calls.get(queue, {}):
            record = self.calls.calls[call_id]
            if record.queue != queue:
                continue
            fact = queue_call(record, self.timelines.wrap_s(call_id))
            if fact is not None:
                facts.append(fact)
        figures = queue_figures(facts, self.sl_threshold_s, self.short_abandon_s)
        points = tuple(
            IntervalPoint(start, f.offered, f.answered, f.sl_pct)
            for start, calls in group_by_interval(facts, self.zone).get(queue, [])
            for f in [queue_figures(calls, self.sl_threshold_s, self.short_abandon_s)]
        )
        self._figures[queue] = (figures, points)
        self._dirty.discard(queue)
        return figures, points

    def _queue_row(self, queue: str, f: QueueFigures, agents: list[AgentRow], now: float) -> QueueRow:
        record = self.calls.queues.get(queue)
        joins = list(record.waiting.values()) if record else []
        members = [a for a in agents if queue in a.queues]
        return QueueRow(
            queue=queue,
            waiting=len(joins),
            longest_wait_s=longest_wait_s(joins, now),
            offered=f.offered,
            answered=f.answered,
            abandoned=f.abandoned,
            unanswered=f.unanswered,
            sl_pct=f.sl_pct,
            sl2_pct=f.sl2_pct,
            asa_s=f.asa_s,
            aht_s=f.aht_s,
            abandon_rate_pct=f.abandon_rate_pct,
            agents_ready=sum(a.activity is Activity.READY for a in members),
            agents_busy=sum(a.activity in BUSY for a in members),
            agents_paused=sum(a.activity in PAUSED for a in members),
            waiting_last_hour=self.waiting_per_minute(queue, now),
        )

    def waiting_per_minute(self, queue: str, now: float) -> tuple[int, ...]:
        """The most callers waiting in each of the last 60 minutes, oldest first."""
        history = self._waiting.get(queue)
        if not history:
            return (0,) * SPARK_MINUTES
        start = now - SPARK_MINUTES * 60
        points = list(history)
        level = 0
        index = 0
        while index < len(points) and points[index][0] <= start:
            level = points[index][1]
            index += 1
        result: list[int] = []
        for minute in range(1, SPARK_MINUTES + 1):
            end = start + minute * 60
            peak = level
            while index < len(points) and points[index][0] <= end:
                level = points[index][1]
                peak = max(peak, level)
                index += 1
            result.append(peak)
        return tuple(result)

    def _agent_rows(self, now: float) -> list[AgentRow]:
        rows: list[AgentRow] = []
        for name in sorted(self.timelines.agents):
            state = self.timelines.agents[name]
            rows.append(
                AgentRow(
                    agent=name,
                    team=self.teams.get(name, ""),
                    queues=tuple(sorted(state.queues)),
                    activity=state.activity,
                    reason=state.reason,
                    since_ts=state.since_ts,
                    caller=state.caller,
                    call_since_ts=state.call_started_ts,
                    calls_handled=state.calls_handled,
                    occupancy_pct=self.timelines.totals(name, now).occupancy_pct,
                )
            )
        return rows
