"""The live supervisor model: normalised CTI events in, `BoardSnapshot`s out. Pure Python, no Qt.

Fed with every queue, agent, call and PBX-link event a supervisor's desktop receives (the bridge's
supervisor stream, or a replayed recording). Figures are "today" on the centre's clock, computed by
calldesk_domain.metrics exactly as `calldesk cti stats` computes them. Each call belongs to one
15-minute interval (the one it entered the queue in); an interval's tally is recounted only when
one of its calls changed, and a queue's day is the running sum of its interval tallies, redone
only from the first interval that changed since the last snapshot (in the same order, so the
figures are the very numbers a recount would give): a snapshot costs the same at 09:00 and at
21:00, and a queue nobody touched costs a lookup. Agents (a few hundred rows) are rebuilt every
snapshot: their occupancy moves with the clock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from calldesk_domain.agent_metrics import Activity, AgentInterval
from calldesk_domain.board import AgentDay, AgentRow, BoardSnapshot, IntervalPoint, QueueRow
from calldesk_domain.metrics import (
    DEFAULT_SL_THRESHOLD_S,
    QueueCall,
    QueueFigures,
    QueueTally,
    figures_of,
    interval_start,
    longest_wait_s,
    tally_calls,
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


def _number(value: object) -> float | None:
    """A figure from a PBX's queue.stats, if it is a finite number (the stream can be hostile)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


@dataclass(slots=True)
class _Interval:
    start: datetime
    calls: dict[str, QueueCall | None] = field(default_factory=dict)  # call id -> facts (None: changed)
    tally: QueueTally | None = None  # None: one of its calls changed since it was counted


@dataclass(slots=True)
class _QueueDay:
    """A queue's day so far: `sums[i]` is the tally of intervals 0..i added in time order;
    entries from `valid` on must be redone (one of their calls changed, or an interval came)."""

    day_start: float
    keys: list[float]  # interval starts (epoch) of today, ascending
    sums: list[QueueTally] = field(default_factory=list)
    points: list[IntervalPoint] = field(default_factory=list)
    valid: int = 0
    figures: QueueFigures | None = None  # of sums[-1]; None: to be redone
    shown: tuple[IntervalPoint, ...] | None = None  # `points` as the last snapshot got them


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
        self._intervals: dict[str, dict[float, _Interval]] = {}  # queue -> interval start (epoch) -> calls
        self._home: dict[str, tuple[str, float]] = {}  # call id -> (queue, interval start) it counts in
        self._spark: dict[str, dict[int, tuple[int, int]]] = {}  # queue -> minute -> (peak, last) waiting
        self._spark_version: dict[str, int] = {}  # queue -> bumped on each change of its buckets
        # queue -> (minute, version, values): the last sparkline worked out
        self._spark_shown: dict[str, tuple[int, int, tuple[int, ...]]] = {}
        self._days: dict[str, _QueueDay] = {}  # queue -> its day so far (see _queue_day)
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
            self._touch(call_id)
        while self.timelines.wrapped:
            self._touch(self.timelines.wrapped.pop())
        if isinstance(event, QueueEvent) and event.kind is not QueueEventKind.STATS:
            self._note_waiting(event.queue, event.ts)
        if isinstance(event, CallEvent) and event.queue:
            self._note_waiting(event.queue, event.ts)
        return changed

    def seed(self, calls: Iterable[QueueCall]) -> int:
        """Calls of today the central history holds (a restarted desktop): counted like the live
        ones, in the interval they entered the queue, unless the live stream already knows them
        (then the stream's facts win). Returns how many were added."""
        added = 0
        for call in calls:
            if call.call_id in self._home or call.call_id in self.calls.calls:
                continue
            start = interval_start(call.join_ts, self.zone)
            interval = self._intervals.setdefault(call.queue, {}).setdefault(
                start.timestamp(), _Interval(start)
            )
            interval.calls[call.call_id] = call
            self._changed(call.queue, start.timestamp(), interval)
            self._home[call.call_id] = (call.queue, start.timestamp())
            added += 1
        return added

    def seed_agents(self, entries: Iterable[tuple[AgentInterval, str | None]], now: float) -> int:
        """Today's agent intervals from the central history (AgentTimelines.seed); agents the
        live stream knows already are left as they are. Returns the agents added."""
        return self.timelines.seed(entries, local_midnight(now, self.zone))

    def finished_calls(self) -> list[QueueCall]:
        """The facts of every counted call that has an outcome (what the central history keeps)."""
        facts: list[QueueCall] = []
        for by_start in self._intervals.values():
            for interval in by_start.values():
                self._tally(interval)  # brings changed calls' facts up to date
                facts.extend(f for f in interval.calls.values() if f is not None and f.outcome is not None)
        return facts

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

    def _touch(self, call_id: str) -> None:
        """The call changed: its interval must be recounted (and it may have just joined one)."""
        record = self.calls.calls.get(call_id)
        if record is None or not record.queue or record.join_ts is None:
            return
        home = self._home.get(call_id)
        if home is not None and home[0] != record.queue:  # moved to another queue before an answer
            old = self._intervals.get(home[0], {}).get(home[1])
            if old is not None:
                old.calls.pop(call_id, None)
                self._changed(home[0], home[1], old)
            home = None
        if home is None:
            start = interval_start(record.join_ts, self.zone)
            home = self._home[call_id] = (record.queue, start.timestamp())
            interval = self._intervals.setdefault(record.queue, {}).setdefault(home[1], _Interval(start))
        interval = self._intervals[home[0]][home[1]]
        interval.calls[call_id] = None
        self._changed(home[0], home[1], interval)

    def _changed(self, queue: str, key: float, interval: _Interval) -> None:
        """`interval` of `queue` (starting at `key`) must be recounted, and its queue's day from it on."""
        interval.tally = None
        day = self._days.get(queue)
        if day is None:
            return
        position = bisect_left(day.keys, key)
        if position == len(day.keys) or day.keys[position] != key:
            if key < day.day_start:
                return  # yesterday's: not in today's figures
            day.keys.insert(position, key)
        day.valid = min(day.valid, position)
        day.figures = None

    def _note_waiting(self, queue: str, ts: float) -> None:
        count = len(self.calls.waiting_calls(queue))
        buckets = self._spark.setdefault(queue, {})
        minute = int(ts // 60)
        newest = max(buckets) if buckets else None
        level = buckets[newest][1] if newest is not None else 0
        if count == level and minute == newest:
            return
        peak = buckets[minute][0] if minute in buckets else level
        buckets[minute] = (max(peak, count), count)
        self._spark_version[queue] = self._spark_version.get(queue, 0) + 1
        if len(buckets) > SPARK_MINUTES + 10:
            old = sorted(buckets)[: -(SPARK_MINUTES + 5)]
            for key in old:
                del buckets[key]

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
        members: dict[str, list[int]] = {}  # queue -> [ready, busy, paused], one pass over the agents
        for agent in agents:
            for queue in agent.queues:
                counts = members.setdefault(queue, [0, 0, 0])
                if agent.activity is Activity.READY:
                    counts[0] += 1
                elif agent.activity in BUSY:
                    counts[1] += 1
                elif agent.activity in PAUSED:
                    counts[2] += 1
        for queue in sorted(set(self._intervals) | set(members)):
            day, points = self._queue_day(queue, day_start)
            intervals[queue] = points
            queues.append(self._queue_row(queue, day, members.get(queue, [0, 0, 0]), now))
        return BoardSnapshot(
            now, tuple(queues), tuple(agents), intervals, self.stale_since, self.stale_detail
        )

    def agent_day(self, agent: str, now: float) -> AgentDay:
        day_start = local_midnight(now, self.zone)
        today = [i for i in self.timelines.intervals(agent) if i.end_ts is None or i.end_ts > day_start]
        return AgentDay(agent, tuple(today), now)

    def _new_day(self, day_start: float) -> None:
        """Figures are today's: yesterday's intervals and finished calls leave memory."""
        self._day_start = day_start
        self._days.clear()
        for by_start in self._intervals.values():
            for key in [k for k in by_start if k < day_start]:
                for call_id in by_start.pop(key).calls:
                    self._home.pop(call_id, None)
                    record = self.calls.calls.get(call_id)
                    if record is not None and (record.outcome is not None or record.end_ts is not None):
                        del self.calls.calls[call_id]
        self.timelines.reset_totals(day_start)

    def _tally(self, interval: _Interval) -> QueueTally:
        if interval.tally is None:
            calls = interval.calls
            for call_id in [c for c, fact in calls.items() if fact is None]:
                calls[call_id] = queue_call(self.calls.calls[call_id], self.timelines.wrap_s(call_id))
            facts = [fact for fact in calls.values() if fact is not None]
            interval.tally = tally_calls(facts, self.sl_threshold_s, self.short_abandon_s)
        return interval.tally

    def _queue_day(self, queue: str, day_start: float) -> tuple[QueueTally, tuple[IntervalPoint, ...]]:
        day = self._day_of(queue, day_start)
        if day.shown is None:
            day.shown = tuple(day.points)
        return (day.sums[-1] if day.sums else QueueTally()), day.shown

    def _day_of(self, queue: str, day_start: float) -> _QueueDay:
        """The queue's day, brought up to date from its first changed interval on."""
        day = self._days.get(queue)
        by_start = self._intervals.get(queue, {})
        if day is None or day.day_start != day_start:
            day = self._days[queue] = _QueueDay(day_start, sorted(k for k in by_start if k >= day_start))
        if day.valid < len(day.keys) or len(day.sums) != len(day.keys):
            del day.sums[day.valid :], day.points[day.valid :]
            total = day.sums[-1] if day.sums else QueueTally()
            for key in day.keys[day.valid :]:
                interval = by_start[key]
                tally = self._tally(interval)
                total = total + tally
                f = figures_of(tally)
                day.sums.append(total)
                day.points.append(IntervalPoint(interval.start, f.offered, f.answered, f.sl_pct))
            day.valid = len(day.keys)
            day.figures = day.shown = None
        return day

    def _queue_row(self, queue: str, day: QueueTally, members: list[int], now: float) -> QueueRow:
        cached = self._days.get(queue)
        if cached is not None and cached.figures is not None:
            f = cached.figures
        else:
            f = figures_of(day)
            if cached is not None:
                cached.figures = f
        record = self.calls.queues.get(queue)
        joins = list(record.waiting.values()) if record else []
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
            agents_ready=members[0],
            agents_busy=members[1],
            agents_paused=members[2],
            waiting_last_hour=self._waiting_shown(queue, now),
            pbx_sl_pct=_number(record.stats.get("service_level_pct")) if record else None,
        )

    def _waiting_shown(self, queue: str, now: float) -> tuple[int, ...]:
        """waiting_per_minute, worked out again only when the minute or the queue's buckets moved."""
        minute, version = int(now // 60), self._spark_version.get(queue, 0)
        shown = self._spark_shown.get(queue)
        if shown is not None and shown[0] == minute and shown[1] == version:
            return shown[2]
        values = self.waiting_per_minute(queue, now)
        self._spark_shown[queue] = (minute, version, values)
        return values

    def waiting_per_minute(self, queue: str, now: float) -> tuple[int, ...]:
        """The most callers waiting in each of the last 60 clock minutes (the current one last)."""
        buckets = self._spark.get(queue)
        if not buckets:
            return (0,) * SPARK_MINUTES
        first = int(now // 60) - SPARK_MINUTES + 1
        older = [m for m in buckets if m < first]
        level = buckets[max(older)][1] if older else 0
        result: list[int] = []
        for minute in range(first, first + SPARK_MINUTES):
            bucket = buckets.get(minute)
            if bucket is None:
                result.append(level)
            else:
                result.append(bucket[0])
                level = bucket[1]
        return tuple(result)

    def _agent_rows(self, now: float) -> list[AgentRow]:
        rows: list[AgentRow] = []
        agents, teams, occupancy = self.timelines.agents, self.teams, self.timelines.occupancy_pct
        for name in sorted(agents):
            state = agents[name]
            rows.append(
                AgentRow(
                    agent=name,
                    team=teams.get(name, ""),
                    queues=tuple(sorted(state.queues)),
                    activity=state.activity,
                    reason=state.reason,
                    since_ts=state.since_ts,
                    caller=state.caller,
                    call_since_ts=state.call_started_ts,
                    calls_handled=state.calls_handled,
                    occupancy_pct=occupancy(name, now),
                )
            )
        return rows
