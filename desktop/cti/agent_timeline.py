"""Agent-state timelines from normalised CTI events (pure, replayable).

Each agent is in one `Activity` at a time; every change closes an `AgentInterval`. Call events
are the better witness of talk/hold (a PBX's device state says only "busy"), pause events give the
not-ready reason, and a pause whose reason means after-call work (`acw`, `wrap-up` ...) is wrap-up
time, credited to the call the agent just finished (AHT includes it, METRICS.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from calldesk_domain.agent_metrics import (
    HANDLING,
    NOT_READY,
    Activity,
    AgentInterval,
    AgentTotals,
    agent_totals,
    is_wrap_reason,
    occupancy_of,
)
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
)

WRAP_GRACE_S = 5.0  # a wrap-up pause this soon after a call ends belongs to that call
MAX_INTERVALS_PER_AGENT = 2000  # a day of a busy agent; older ones drop first


@dataclass(slots=True)
class AgentNow:
    agent: str
    activity: Activity = Activity.UNAVAILABLE
    since_ts: float | None = None
    reason: str = ""
    call_id: str | None = None  # the call the agent is on (ringing, talking or holding)
    caller: str | None = None
    call_started_ts: float | None = None
    queues: set[str] = field(default_factory=set)
    paused: bool = False
    pause_reason: str = ""  # kept while on a call, applied when the call ends
    calls_handled: int = 0
    last_call_id: str | None = None
    last_call_end_ts: float | None = None
    wrap_call_id: str | None = None  # the call the current wrap-up belongs to
    # running sums of the closed intervals since `reset_totals()` (occupancy without a rescan)
    staffed_s: float = 0.0
    not_ready_s: float = 0.0
    handling_s: float = 0.0


def _sums(state: AgentNow, now: float) -> tuple[float, float, float]:
    """Staffed, not-ready and handling seconds: the running sums plus the open interval, added
    inline exactly as `agent_totals([open interval], now)` would count it."""
    staffed, not_ready, handling = state.staffed_s, state.not_ready_s, state.handling_s
    activity = state.activity
    if state.since_ts is not None and activity is not Activity.LOGGED_OUT:
        seconds = max(0.0, now - state.since_ts)
        staffed += seconds
        if activity in NOT_READY:
            not_ready += seconds
        elif activity in HANDLING:
            handling += seconds
    return staffed, not_ready, handling


class AgentTimelines:
    """Feed every event to `apply()`; read `agents`, `intervals(agent)`, `wrap_s(call_id)`."""

    def __init__(self) -> None:
        self.agents: dict[str, AgentNow] = {}
        self._intervals: dict[str, list[AgentInterval]] = {}
        self._wrap: dict[str, float] = {}
        self.wrapped: list[str] = []  # calls credited with wrap-up since the consumer last cleared it

    def intervals(self, agent: str, now: float | None = None) -> list[AgentInterval]:
        """The agent's closed intervals plus the open one (end None), oldest first."""
        closed = list(self._intervals.get(agent, []))
        state = self.agents.get(agent)
        if state is not None and state.since_ts is not None:
            closed.append(AgentInterval(agent, state.activity, state.since_ts, None, state.reason))
        return closed

    def totals(self, agent: str, now: float) -> AgentTotals:
        """Occupancy and its parts since the last `reset_totals()`, the open interval included."""
        state = self.agents.get(agent)
        if state is None:
            return agent_totals([], now)
        staffed, not_ready, handling = _sums(state, now)
        return AgentTotals(staffed, not_ready, handling, occupancy_of(staffed, not_ready, handling))

    def occupancy_pct(self, agent: str, now: float) -> float | None:
        """`totals(agent, now).occupancy_pct` without building the totals (every agent, every snapshot)."""
        state = self.agents.get(agent)
        return None if state is None else occupancy_of(*_sums(state, now))

    def reset_totals(self, since: float) -> None:
        """Start the running sums afresh (a new day): the open intervals count from `since`."""
        for state in self.agents.values():
            state.staffed_s = state.not_ready_s = state.handling_s = 0.0
            if state.since_ts is not None and state.since_ts < since:
                self._move(state, state.activity, since, state.reason, force=True)

    def seed(self, entries: Iterable[tuple[AgentInterval, str | None]], day_start: float) -> int:
        """Today's intervals of agents from the central history (a restarted supervisor desktop),
        each with the call id of a talk interval: the day dialog, calls handled and occupancy
        come back. Agents the live stream already knows are left as the stream says. Desktops
        push only closed intervals, so the current state is known only if an open one came (else
        the agent shows as unavailable until the PBX's next event). Returns the agents added."""
        by_agent: dict[str, list[tuple[AgentInterval, str | None]]] = {}
        for interval, call_id in entries:
            if interval.agent not in self.agents:
                by_agent.setdefault(interval.agent, []).append((interval, call_id))
        for agent, found in by_agent.items():
            found.sort(key=lambda entry: entry[0].start_ts)
            state = self.agents[agent] = AgentNow(agent)
            closed = [i for i, _ in found if i.end_ts is not None][-MAX_INTERVALS_PER_AGENT:]
            self._intervals[agent] = closed
            clipped = [
                replace(i, start_ts=max(i.start_ts, day_start))
                for i in closed
                if (i.end_ts or 0.0) > day_start
            ]
            totals = agent_totals(clipped, day_start)
            state.staffed_s, state.not_ready_s, state.handling_s = (
                totals.staffed_s, totals.not_ready_s, totals.handling_s,
            )  # fmt: skip
            # a call is handled once its talk is over, as the live stream counts it
            talks = {c for i, c in found if c and i.activity is Activity.TALK and i.end_ts is not None}
            state.calls_handled = len(talks)
            current = found[-1][0]
            if current.end_ts is None:
                state.activity, state.since_ts, state.reason = (
                    current.activity,
                    current.start_ts,
                    current.reason,
                )
                state.paused = current.activity in (Activity.PAUSED, Activity.WRAP)
                state.pause_reason = current.reason if state.paused else ""
        return len(by_agent)

    def wrap_s(self, call_id: str) -> float:
        return self._wrap.get(call_id, 0.0)

    def apply(self, event: CtiEvent) -> bool:
        """True when an agent's activity, reason or call changed."""
        if isinstance(event, CallEvent) and event.agent:
            return self._apply_call(event, event.agent)
        if isinstance(event, AgentEvent):
            return self._apply_agent(event)
        return False

    # ---- transitions ---------------------------------------------------------------------
    def _agent(self, agent: str) -> AgentNow:
        state = self.agents.get(agent)
        if state is None:
            state = self.agents[agent] = AgentNow(agent)
        return state

    def _move(
        self, state: AgentNow, activity: Activity, ts: float, reason: str = "", force: bool = False
    ) -> bool:
        same = state.activity is activity and state.reason == reason
        if state.since_ts is not None and same and not force:
            return False
        if state.since_ts is not None:
            start = state.since_ts
            closed = AgentInterval(state.agent, state.activity, start, max(start, ts), state.reason)
            history = self._intervals.setdefault(state.agent, [])
            history.append(closed)
            if len(history) > MAX_INTERVALS_PER_AGENT:
                del history[0]
            seconds = closed.seconds(ts)
            if closed.activity is not Activity.LOGGED_OUT:
                state.staffed_s += seconds
                if closed.activity in NOT_READY:
                    state.not_ready_s += seconds
                elif closed.activity in HANDLING:
                    state.handling_s += seconds
            if state.activity is Activity.WRAP and state.wrap_call_id:
                self._wrap[state.wrap_call_id] = self._wrap.get(state.wrap_call_id, 0.0) + closed.seconds(ts)
                self.wrapped.append(state.wrap_call_id)
        state.activity = activity
        state.reason = reason
        state.since_ts = ts
        wrap_call = state.wrap_call_id if force else None
        state.wrap_call_id = wrap_call
        last_end = state.last_call_end_ts
        if activity is Activity.WRAP and last_end is not None and ts - last_end <= WRAP_GRACE_S:
            state.wrap_call_id = state.last_call_id
        return True

    def _idle_activity(self, state: AgentNow) -> tuple[Activity, str]:
        if state.paused:
            reason = state.pause_reason
            return (Activity.WRAP if is_wrap_reason(reason) else Activity.PAUSED), reason
        return Activity.READY, ""

    def _apply_call(self, e: CallEvent, agent: str) -> bool:
        state = self._agent(agent)
        kind = e.kind
        if kind is CallEventKind.RINGING:
            if state.activity in (Activity.TALK, Activity.HOLD):
                return False
            state.call_id, state.caller, state.call_started_ts = e.call_id, e.caller, e.ts
            return self._move(state, Activity.RINGING, e.ts)
        if kind is CallEventKind.ANSWERED:
            if state.call_id != e.call_id or state.activity is Activity.RINGING:
                state.call_started_ts = e.ts
            state.call_id, state.caller = e.call_id, e.caller or state.caller
            return self._move(state, Activity.TALK, e.ts)
        if state.call_id != e.call_id:
            return False
        if kind is CallEventKind.HELD:
            return self._move(state, Activity.HOLD, e.ts)
        if kind is CallEventKind.UNHELD:
            return self._move(state, Activity.TALK, e.ts)
        # ended or transferred away: the agent's part of the call is over
        if state.activity in (Activity.TALK, Activity.HOLD):
            state.calls_handled += 1
            state.last_call_id, state.last_call_end_ts = e.call_id, e.ts
        state.call_id = state.caller = state.call_started_ts = None
        activity, reason = self._idle_activity(state)
        return self._move(state, activity, e.ts, reason)

    def _apply_agent(self, e: AgentEvent) -> bool:
        state = self._agent(e.agent)
        on_call = state.activity in (Activity.RINGING, Activity.TALK, Activity.HOLD)
        if e.kind is AgentEventKind.ADDED:
            if e.queue:
                state.queues.add(e.queue)
            if state.activity in (Activity.LOGGED_OUT, Activity.UNAVAILABLE) or state.since_ts is None:
                activity, reason = self._idle_activity(state)
                return self._move(state, activity, e.ts, reason)
            return False
        if e.kind is AgentEventKind.REMOVED:
            if e.queue:
                state.queues.discard(e.queue)
            if state.queues and e.queue:
                return False
            state.call_id = state.caller = state.call_started_ts = None
            state.paused, state.pause_reason = False, ""
            return self._move(state, Activity.LOGGED_OUT, e.ts)
        if e.queue:
            state.queues.add(e.queue)
        if e.paused is not None:
            state.paused = e.paused
            state.pause_reason = e.reason if e.paused else ""
            if not on_call:
                if e.paused:
                    activity = Activity.WRAP if is_wrap_reason(e.reason) else Activity.PAUSED
                    return self._move(state, activity, e.ts, e.reason)
                return self._move(state, Activity.READY, e.ts)
        if e.kind is AgentEventKind.STATE and e.state and not on_call:
            return self._apply_device_state(state, e)
        return False

    def _apply_device_state(self, state: AgentNow, e: AgentEvent) -> bool:
        if e.state == "logged_out":
            return self._move(state, Activity.LOGGED_OUT, e.ts)
        if e.state == "unavailable":
            return self._move(state, Activity.UNAVAILABLE, e.ts)
        if e.state == "ready":
            activity, reason = self._idle_activity(state)
            return self._move(state, activity, e.ts, reason)
        if e.state == "busy" and state.since_ts is None:
            return self._move(state, Activity.TALK, e.ts)  # on a call we did not see start
        return False
