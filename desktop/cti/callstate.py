"""Per-call and per-queue state machines fed with normalised CTI events (pure, replayable).

`CallStateMachine.apply(event)` returns True when the event changed the state and False when it
told nothing new -- the same event again, a join for a call already waiting, a pause the agent
already has. A connector forwards only events for which apply() is True, so the re-sync after a
reconnect (QueueStatus answers, replayed events) never reaches consumers twice.

Wait is queue wait (join to answer, or to abandon/timeout: METRICS.md), talk is answer to the end
of the agent's part (hang-up, or the transfer away). Times come from event timestamps; where a
source had no PBX timestamps (`extra["local_ts"]`) the PBX's own HoldTime is used instead.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
)

QUEUED, RINGING, ANSWERED, HELD, TRANSFERRED, ENDED = (
    "queued",
    "ringing",
    "answered",
    "held",
    "transferred",
    "ended",
)
OUTCOME_ANSWERED, OUTCOME_ABANDONED, OUTCOME_UNANSWERED = "answered", "abandoned", "unanswered"


@dataclass(slots=True)
class CallRecord:
    call_id: str
    state: str = QUEUED
    caller: str | None = None
    caller_name: str = ""
    dnis: str | None = None
    queue: str | None = None
    agent: str | None = None
    ringing_agent: str | None = None
    join_ts: float | None = None
    answer_ts: float | None = None
    talk_end_ts: float | None = None
    end_ts: float | None = None
    in_queue: bool = False
    outcome: str | None = None
    abandon_position: int | None = None
    timeout_reason: str = ""
    pbx_wait_s: float | None = None  # the PBX's HoldTime, used when timestamps are local
    local_ts: bool = False
    transfers: list[str] = field(default_factory=list)
    left_queue_ts: float | None = None

    @property
    def wait_s(self) -> float | None:
        until = self.answer_ts if self.answer_ts is not None else self.left_queue_ts
        if self.local_ts or self.join_ts is None or until is None:
            return self.pbx_wait_s
        return max(0.0, until - self.join_ts)

    @property
    def talk_s(self) -> float | None:
        if self.answer_ts is None:
            return None
        end = self.talk_end_ts if self.talk_end_ts is not None else self.end_ts
        return None if end is None else max(0.0, end - self.answer_ts)


@dataclass(slots=True)
class MemberRecord:
    agent: str
    queue: str | None
    state: str = ""
    paused: bool | None = None
    reason: str = ""
    logged_in: bool = True
    since: float | None = None


@dataclass(slots=True)
class QueueRecord:
    name: str
    waiting: dict[str, float] = field(default_factory=dict)  # call id -> join ts
    members: dict[str, MemberRecord] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    def wait_times(self, now: float) -> dict[str, float]:
        return {call_id: max(0.0, now - joined) for call_id, joined in self.waiting.items()}


class CallStateMachine:
    """All calls and queues of one PBX. Feed every event through `apply()`."""

    def __init__(self) -> None:
        self.calls: dict[str, CallRecord] = {}
        self.queues: dict[str, QueueRecord] = {}

    def apply(self, event: CtiEvent) -> bool:
        """Apply one event; True if anything changed (forward it), False for a duplicate."""
        if isinstance(event, CallEvent):
            return self._apply_call(event)
        if isinstance(event, QueueEvent):
            return self._apply_queue(event)
        if isinstance(event, AgentEvent):
            return self._apply_agent(event)
        return False

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of everything: {"calls": {id: {...}}, "queues": {name: {...}}}."""
        calls = {}
        for call_id, record in self.calls.items():
            data = asdict(record)
            data["wait_s"] = record.wait_s
            data["talk_s"] = record.talk_s
            calls[call_id] = data
        queues = {name: asdict(queue) for name, queue in self.queues.items()}
        return copy.deepcopy({"calls": calls, "queues": queues})

    def waiting_calls(self, queue: str) -> list[str]:
        record = self.queues.get(queue)
        return list(record.waiting) if record else []

    def stale_waiting(self, queue: str, present: set[str], ts: float) -> list[QueueEvent]:
        """After a re-sync: queue.leave events for calls we think wait in `queue` but the PBX
        no longer lists (they left while we were disconnected; their outcome is unknown)."""
        return [
            QueueEvent(QueueEventKind.LEAVE, queue=queue, ts=ts, call_id=call_id, reason="resync")
            for call_id in self.waiting_calls(queue)
            if call_id not in present
        ]

    # ---- calls -------------------------------------------------------------------------
    def _queue(self, name: str) -> QueueRecord:
        record = self.queues.get(name)
        if record is None:
            record = self.queues[name] = QueueRecord(name)
        return record

    def _call(self, call_id: str) -> CallRecord:
        record = self.calls.get(call_id)
        if record is None:
            record = self.calls[call_id] = CallRecord(call_id)
        return record

    def _leave_queue(self, call: CallRecord, ts: float) -> None:
        if call.in_queue and call.queue:
            self._queue(call.queue).waiting.pop(call.call_id, None)
        if call.in_queue:
            call.left_queue_ts = ts
        call.in_queue = False

    def _apply_call(self, e: CallEvent) -> bool:
        known = e.call_id in self.calls
        call = self._call(e.call_id)
        before = _fingerprint(call)
        if call.caller is None and e.caller:
            call.caller = e.caller
        call.caller_name = call.caller_name or e.caller_name
        call.dnis = call.dnis or e.dnis
        call.queue = call.queue or e.queue
        kind = e.kind
        if call.state == ENDED and kind is not CallEventKind.ENDED:
            return not known
        if kind is CallEventKind.RINGING:
            if call.answer_ts is None:
                call.state = RINGING
                call.ringing_agent = e.agent
            elif e.agent and e.agent != call.ringing_agent:
                call.ringing_agent = e.agent  # a new ring leg (transfer to a queue or extension)
        elif kind is CallEventKind.ANSWERED:
            if call.answer_ts is not None and e.agent and e.agent != call.agent:
                call.agent = e.agent  # the leg a transfer rang was answered: a new agent talks
                call.state = ANSWERED
            elif call.answer_ts is None:
                call.answer_ts = e.ts
                call.agent = e.agent or call.ringing_agent
                call.state = ANSWERED
                call.outcome = OUTCOME_ANSWERED
                hold = e.extra.get("hold_time")
                if isinstance(hold, int | float):
                    call.pbx_wait_s = float(hold)
                call.local_ts = call.local_ts or bool(e.extra.get("local_ts"))
                self._leave_queue(call, e.ts)
        elif kind is CallEventKind.HELD:
            if call.state in (ANSWERED, TRANSFERRED):
                call.state = HELD
        elif kind is CallEventKind.UNHELD:
            if call.state == HELD:
                call.state = ANSWERED
        elif kind is CallEventKind.TRANSFERRED:
            target = e.target or ""
            if call.state != TRANSFERRED or (target and target not in call.transfers):
                call.state = TRANSFERRED
                if target and target not in call.transfers:
                    call.transfers.append(target)
                if call.answer_ts is not None and call.talk_end_ts is None:
                    call.talk_end_ts = e.ts
        elif kind is CallEventKind.ENDED and call.end_ts is None:
            call.end_ts = e.ts
            if call.answer_ts is not None and call.talk_end_ts is None:
                call.talk_end_ts = e.ts
            if call.outcome is None and call.in_queue:
                call.outcome = OUTCOME_ABANDONED  # hung up while waiting, no abandon event seen
            elif call.outcome is None and call.join_ts is not None:
                call.outcome = OUTCOME_UNANSWERED  # left the queue unconnected: the queue let it go
            self._leave_queue(call, e.ts)
            call.state = ENDED
        return not known or _fingerprint(call) != before

    # ---- queues ------------------------------------------------------------------------
    def _apply_queue(self, e: QueueEvent) -> bool:
        queue = self._queue(e.queue)
        if e.kind is QueueEventKind.STATS:
            if queue.stats == e.stats:
                return False
            queue.stats = dict(e.stats)
            return True
        if not e.call_id:
            return False
        known = e.call_id in self.calls
        call = self._call(e.call_id)
        before = _fingerprint(call)
        if call.caller is None and e.caller:
            call.caller = e.caller
        call.dnis = call.dnis or e.dnis
        if e.kind is QueueEventKind.JOIN:
            self._join(call, queue, e)
        elif e.kind is QueueEventKind.LEAVE:
            self._leave_queue(call, e.ts)
        elif call.answer_ts is None and call.outcome is None:
            self._gave_up(call, e)
        return not known or _fingerprint(call) != before

    def _join(self, call: CallRecord, queue: QueueRecord, e: QueueEvent) -> None:
        finished = call.state == ENDED or call.answer_ts is not None or call.outcome is not None
        if finished or (call.queue == e.queue and call.join_ts is not None):
            return  # a duplicate (re-sync) or a late snapshot of a call we already followed
        if call.in_queue and call.queue:
            self._queue(call.queue).waiting.pop(call.call_id, None)
        call.queue = e.queue
        call.in_queue = True
        if call.join_ts is None:
            call.join_ts = e.ts
            call.local_ts = bool(e.extra.get("local_ts"))
        queue.waiting[call.call_id] = call.join_ts
        call.state = QUEUED

    def _gave_up(self, call: CallRecord, e: QueueEvent) -> None:
        """queue.abandon (the caller hung up) or queue.timeout (the queue let it go)."""
        call.queue = call.queue or e.queue
        if e.kind is QueueEventKind.ABANDON:
            call.outcome = OUTCOME_ABANDONED
            call.abandon_position = e.position
        else:
            call.outcome = OUTCOME_UNANSWERED
            call.timeout_reason = e.reason or "timeout"
        if e.wait_s is not None:
            call.pbx_wait_s = e.wait_s
        self._leave_queue(call, e.ts)
        left = call.left_queue_ts
        call.left_queue_ts = e.ts if left is None else min(left, e.ts)

    # ---- agents ------------------------------------------------------------------------
    def _apply_agent(self, e: AgentEvent) -> bool:
        key_queue = e.queue or ""
        queue = self._queue(key_queue) if key_queue else self._queue("")
        member = queue.members.get(e.agent)
        created = member is None
        if member is None:
            member = queue.members[e.agent] = MemberRecord(e.agent, e.queue)
        before = (member.state, member.paused, member.reason, member.logged_in)
        if e.kind is AgentEventKind.REMOVED:
            member.logged_in = False
            member.state = "logged_out"
        elif e.kind is AgentEventKind.ADDED:
            member.logged_in = True
        if e.kind is not AgentEventKind.REMOVED and e.state and e.state != "ring_no_answer":
            member.state = e.state
        if e.paused is not None:
            member.paused = e.paused
            member.reason = e.reason if e.paused else ""
        after = (member.state, member.paused, member.reason, member.logged_in)
        if after != before:
            member.since = e.ts
        return created or after != before or e.state == "ring_no_answer"


def _fingerprint(call: CallRecord) -> tuple[Any, ...]:
    return (
        call.state,
        call.caller,
        call.dnis,
        call.queue,
        call.agent,
        call.ringing_agent,
        call.join_ts,
        call.answer_ts,
        call.talk_end_ts,
        call.end_ts,
        call.in_queue,
        call.outcome,
        call.abandon_position,
        call.timeout_reason,
        tuple(call.transfers),
    )
