"""A simulated call-centre floor: normalised events for many agents in many queues (deterministic).

Used by the supervisor benchmark, the wallboard's `--demo` and the screenshots. Callers arrive at
random (Poisson), wait for a ready member of their queue, and either get answered (talk, sometimes
hold, then an after-call-work pause), hang up (abandon: patience runs out) or time out. Agents
also take breaks. `events_until(ts)` returns everything up to `ts` in time order.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
)

EVENTS_PER_CALL = 6.5  # measured: answered calls give ~8, abandons 3; 50/6.5 calls/s gives ~50 events/s


@dataclass(slots=True)
class FloorAgent:
    name: str
    queues: tuple[str, ...]
    ready: bool = False


@dataclass(slots=True)
class FloorSimulator:
    agents: int = 200
    queues: int = 20
    calls_per_s: float = 50 / EVENTS_PER_CALL
    start_ts: float = 1_800_000_000.0
    seed: int = 7
    talk_s: tuple[float, float] = (8.0, 40.0)  # short calls: 200 agents can carry 50 events/s
    wrap_s: tuple[float, float] = (2.0, 12.0)
    patience_mean_s: float = 45.0
    queue_timeout_s: float = 180.0
    queue_names: tuple[str, ...] = ()  # default Q01, Q02 ...
    rng: random.Random = field(init=False)
    names: list[str] = field(init=False)
    members: dict[str, FloorAgent] = field(init=False)
    waiting: dict[str, deque[str]] = field(init=False)
    _heap: list[tuple[float, int, Callable[[float], list[CtiEvent]]]] = field(init=False)
    _seq: itertools.count[int] = field(init=False)
    _caller: dict[str, str] = field(init=False)
    _done: set[str] = field(init=False)
    now: float = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.names = list(self.queue_names) or [f"Q{n + 1:02d}" for n in range(self.queues)]
        self.queues = len(self.names)
        self.members = {}
        for index in range(self.agents):
            first = self.names[index % self.queues]
            second = self.names[(index + 1) % self.queues]
            name = f"A{index + 1:03d}"
            self.members[name] = FloorAgent(name, (first,) if first == second else (first, second))
        self.waiting = {name: deque() for name in self.names}
        self._heap = []
        self._seq = itertools.count()
        self._caller = {}
        self._done = set()
        self.now = self.start_ts
        for agent in self.members.values():
            self._at(self.start_ts + self.rng.uniform(0, 5), self._log_in(agent))
        self._at(self.start_ts + 1, self._arrival)

    # ---- public ------------------------------------------------------------------------------
    def events_until(self, ts: float) -> list[CtiEvent]:
        out: list[CtiEvent] = []
        while self._heap and self._heap[0][0] <= ts:
            when, _, action = heapq.heappop(self._heap)
            self.now = when
            out.extend(action(when))
        self.now = max(self.now, ts)
        return out

    # ---- scheduling -------------------------------------------------------------------------
    def _at(self, ts: float, action: Callable[[float], list[CtiEvent]]) -> None:
        heapq.heappush(self._heap, (ts, next(self._seq), action))

    def _log_in(self, agent: FloorAgent) -> Callable[[float], list[CtiEvent]]:
        def run(ts: float) -> list[CtiEvent]:
            events: list[CtiEvent] = [
                AgentEvent(AgentEventKind.ADDED, agent.name, ts, queue=q) for q in agent.queues
            ]
            return events + self._ready(agent, ts)

        return run

    def _arrival(self, ts: float) -> list[CtiEvent]:
        self._at(ts + self.rng.expovariate(self.calls_per_s), self._arrival)
        queue = self.rng.choice(self.names)
        call_id = f"{ts:.3f}.{next(self._seq)}"
        caller = f"+86138{self.rng.randrange(10**8):08d}"
        self._caller[call_id] = caller
        self.waiting[queue].append(call_id)
        patience = self.rng.expovariate(1 / self.patience_mean_s)
        if patience < self.queue_timeout_s:
            self._at(ts + patience, self._give_up(queue, call_id, QueueEventKind.ABANDON, ts))
        else:
            self._at(ts + self.queue_timeout_s, self._give_up(queue, call_id, QueueEventKind.TIMEOUT, ts))
        join = QueueEvent(QueueEventKind.JOIN, queue, ts, call_id=call_id, caller=caller, dnis="4008123456")
        return [join, *self._dispatch(queue, ts)]

    def _give_up(
        self, queue: str, call_id: str, kind: QueueEventKind, joined: float
    ) -> Callable[[float], list[CtiEvent]]:
        def run(ts: float) -> list[CtiEvent]:
            if call_id in self._done or call_id not in self.waiting[queue]:
                return []
            self.waiting[queue].remove(call_id)
            self._done.add(call_id)
            reason = "timeout" if kind is QueueEventKind.TIMEOUT else ""
            ended = CallEvent(CallEventKind.ENDED, call_id, ts, queue=queue)
            return [QueueEvent(kind, queue, ts, call_id=call_id, wait_s=ts - joined, reason=reason), ended]

        return run

    def _dispatch(self, queue: str, ts: float) -> list[CtiEvent]:
        """Connect the longest-waiting caller to a ready member, if both exist."""
        if not self.waiting[queue]:
            return []
        ready = [a for a in self.members.values() if a.ready and queue in a.queues]
        if not ready:
            return []
        agent = self.rng.choice(ready)
        agent.ready = False
        call_id = self.waiting[queue].popleft()
        caller = self._caller[call_id]
        ring = CallEvent(CallEventKind.RINGING, call_id, ts, caller=caller, queue=queue, agent=agent.name)
        self._at(ts + self.rng.uniform(1, 4), self._answer(queue, call_id, agent))
        return [ring]

    def _answer(self, queue: str, call_id: str, agent: FloorAgent) -> Callable[[float], list[CtiEvent]]:
        def run(ts: float) -> list[CtiEvent]:
            self._done.add(call_id)
            caller = self._caller.get(call_id)
            talk = self.rng.uniform(*self.talk_s)
            events: list[CtiEvent] = [
                QueueEvent(QueueEventKind.LEAVE, queue, ts, call_id=call_id),
                CallEvent(CallEventKind.ANSWERED, call_id, ts, caller=caller, queue=queue, agent=agent.name),
            ]
            if self.rng.random() < 0.2:
                hold_at = ts + talk * 0.4
                self._at(hold_at, lambda t: [CallEvent(CallEventKind.HELD, call_id, t, agent=agent.name)])
                self._at(
                    hold_at + 10, lambda t: [CallEvent(CallEventKind.UNHELD, call_id, t, agent=agent.name)]
                )
            self._at(ts + talk, self._hang_up(call_id, agent))
            return events

        return run

    def _hang_up(self, call_id: str, agent: FloorAgent) -> Callable[[float], list[CtiEvent]]:
        def run(ts: float) -> list[CtiEvent]:
            self._caller.pop(call_id, None)
            self._done.discard(call_id)
            wrap = self.rng.uniform(*self.wrap_s)
            self._at(ts + wrap, lambda t: self._ready(agent, t))
            ended = CallEvent(CallEventKind.ENDED, call_id, ts, agent=agent.name)
            return [ended, AgentEvent(AgentEventKind.PAUSE, agent.name, ts, paused=True, reason="acw")]

        return run

    def _ready(self, agent: FloorAgent, ts: float) -> list[CtiEvent]:
        if self.rng.random() < 0.03:  # a short break now and then
            self._at(ts + self.rng.uniform(60, 300), lambda t: self._ready(agent, t))
            return [AgentEvent(AgentEventKind.PAUSE, agent.name, ts, paused=True, reason="break")]
        agent.ready = True
        events: list[CtiEvent] = [AgentEvent(AgentEventKind.PAUSE, agent.name, ts, paused=False)]
        for queue in agent.queues:
            events.extend(self._dispatch(queue, ts))
        return events
