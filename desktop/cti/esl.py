"""FreeSWITCH events (channel events + mod_callcenter `callcenter::info`) -> normalised CTI events.

Calls are keyed by the caller's channel UUID, which mod_callcenter calls the member session UUID
(`CC-Member-Session-UUID`): every event of a queued call carries the same `call_id`.

| FreeSWITCH | CTI event |
|---|---|
| member-queue-start / -resume | queue.join (caller E.164, None when withheld; DNIS = the number dialled) |
| agent-offering | call.ringing for `CC-Agent` (the screen-pop trigger) |
| bridge-agent-start | queue.leave (reason "answered") + call.answered |
| bridge-agent-fail | agent.state "ring_no_answer" |
| member-queue-end, Cancel | queue.abandon (NONE, BREAK_OUT, EXIT_WITH_KEY: the caller left) |
| member-queue-end, Cancel | queue.timeout (TIMEOUT "timeout", NO_AGENT_TIMEOUT "empty": the queue gave up) |
| member-queue-end Terminated, caller still up and transferred | call.transferred |
| CHANNEL_HANGUP_COMPLETE of the caller | call.ended |
| CHANNEL_HOLD / CHANNEL_UNHOLD | call.held / call.unheld |
| CREATE / OUTGOING, ANSWER, HANGUP_COMPLETE of a `user/` leg no queue rang | call.* for it (esl_direct.py) |
| agent-status-change | agent.pause (On Break = paused; Available after On Break = unpaused) |
| agent-status-change | agent.removed (Logged Out), agent.added (Available after Logged Out) |
| agent-state-change | agent.state: Waiting ready, Receiving ringing, In a queue call busy, Idle unavailable |
| members-count | queue.stats {"waiting": n} |

Timestamps come from `Event-Date-Timestamp` (microseconds). The normaliser is pure and replayable:
`parse_esl_bytes(recording)` gives the same events every time.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from calldesk_domain.phone import DEFAULT_REGION, normalize
from desktop.cti.esl_direct import EslDirectCalls, privacy_hidden
from desktop.cti.esl_fields import (  # noqa: F401 - SUBSCRIBED_EVENTS is re-exported
    ABANDON_REASONS,
    AGENT_STATES,
    AVAILABLE_STATUSES,
    CALLCENTER_SUBCLASS,
    LOGGED_OUT_STATUS,
    PAUSED_STATUS,
    SUBSCRIBED_EVENTS,
    TIMEOUT_REASONS,
    _Call,
    _caller_gone,
    _Channel,
    _fit,
    _float,
    _number_like,
    _transfer_target,
    _withheld,
)
from desktop.cti.esl_parser import EslEvent, EslParser
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
    call_event,
)
from desktop.cti.normalizer import EventNormalizer

log = logging.getLogger(__name__)


class EslNormalizer(EventNormalizer[EslEvent]):
    """Turns decoded ESL events into CtiEvents. Stateful (channels, calls, agent status); pure."""

    link_name = "ESL"

    def __init__(self, clock: Callable[[], float] = time.time, *, region: str = DEFAULT_REGION) -> None:
        """`region`: where a caller id without a country code is from (the phone_region setting)."""
        self._clock = clock
        self.region = region
        self._channels: dict[str, _Channel] = {}
        self._calls: dict[str, _Call] = {}
        self._leg_call: dict[str, str] = {}  # agent leg uuid -> call id
        self._agent_status: dict[str, str] = {}  # agent -> last status, lower case
        self._ended: OrderedDict[str, None] = OrderedDict()  # recently ended calls: late events ignored
        self._outbound: set[str] = set()  # click-to-dial calls being followed
        self.unhandled = 0
        self.direct = EslDirectCalls(lambda call_id: call_id in self._calls, region)
        self._cc_handlers: dict[str, Callable[[EslEvent, float], list[CtiEvent]]] = {
            "member-queue-start": self._on_member_start,
            "member-queue-resume": self._on_member_start,
            "agent-offering": self._on_offering,
            "bridge-agent-start": self._on_bridge_start,
            "bridge-agent-end": self._on_bridge_end,
            "bridge-agent-fail": self._on_bridge_fail,
            "member-queue-end": self._on_member_end,
            "agent-status-change": self._on_status,
            "agent-state-change": self._on_state,
            "members-count": self._on_count,
        }
        self._channel_handlers: dict[str, Callable[[EslEvent, float], list[CtiEvent]]] = {
            "CHANNEL_CREATE": self._on_create,
            "CHANNEL_ANSWER": self._on_answer,
            "CHANNEL_BRIDGE": self._on_channel_bridge,
            "CHANNEL_HANGUP_COMPLETE": self._on_hangup,
            "CHANNEL_HOLD": self._on_hold,
            "CHANNEL_UNHOLD": self._on_hold,
        }

    # ---- public API ----------------------------------------------------------------------
    def feed(self, event: EslEvent) -> list[CtiEvent]:
        """Events for one ESL event (often none). Never raises on odd headers."""
        ts = self._timestamp(event)
        return self._guarded(lambda: self._normalise(event, ts), f"{event.name} {event.get('CC-Action')}")

    def _normalise(self, event: EslEvent, ts: float) -> list[CtiEvent]:
        if event.name == "CUSTOM":
            if event.subclass != CALLCENTER_SUBCLASS:
                return []
            handler = self._cc_handlers.get(event.get("CC-Action"))
        else:
            direct = self._direct_event(event, ts)
            if direct is not None:
                return _fit(direct)
            handler = self._channel_handlers.get(event.name)
        return _fit(handler(event, ts)) if handler is not None else []

    def _direct_event(self, e: EslEvent, ts: float) -> list[CtiEvent] | None:
        """A channel event of a call no queue rang (esl_direct.py); None: not one of those."""
        name, uuid = e.name, e.get("Unique-ID")
        if name in ("CHANNEL_CREATE", "CHANNEL_OUTGOING"):
            out = self.direct.on_create(e, ts)
            return out + self._on_create(e, ts) if name == "CHANNEL_CREATE" else out
        if not self.direct.is_leg(uuid):
            if name == "CHANNEL_HANGUP_COMPLETE":
                self.direct.on_hangup(e, ts)  # forgets the caller's channel
            return None
        if name == "CHANNEL_ANSWER":
            return self.direct.on_answer(e, ts)
        if name in ("CHANNEL_HOLD", "CHANNEL_UNHOLD"):
            return self.direct.on_hold(e, ts)
        return self.direct.on_hangup(e, ts) if name == "CHANNEL_HANGUP_COMPLETE" else []

    @property
    def agent_interface(self) -> Callable[[str], bool] | None:
        return self.direct.agent_interface

    @agent_interface.setter
    def agent_interface(self, predicate: Callable[[str], bool] | None) -> None:
        """The bridge's "is this an agent's interface?" for calls no queue rang."""
        self.direct.agent_interface = predicate

    def flush(self) -> list[CtiEvent]:
        """Emit what is held back (a caller hung up but the queue never said why)."""
        out: list[CtiEvent] = []
        for call in list(self._calls.values()):
            if call.hangup is None or call.ended:
                continue
            ts, extra = call.hangup
            if call.in_queue and call.queue:
                out.append(self._queue_end(QueueEventKind.ABANDON, call, ts, "hangup", {}))
            out.append(self._end(call, ts, extra))
        return _fit(out)

    def track_outbound(self, call_id: str, agent: str, number: str) -> None:
        """Follow a call the agent placed (click-to-dial with origination_uuid=call_id): its
        CHANNEL_ANSWER becomes call.answered and its hangup call.ended, for that agent."""
        call = _Call(call_id=call_id, agent=agent, answered=False)
        call.extra = {"direction": "outbound", "number": number}
        self._calls[call_id] = call
        self._outbound.add(call_id)

    def forget_outbound(self, call_id: str) -> None:
        """The click-to-dial call was never placed (originate failed): stop following it."""
        if call_id in self._outbound:
            self._outbound.discard(call_id)
            self._calls.pop(call_id, None)

    def agent_snapshot(self, agent: str, status: str, state: str, ts: float) -> list[CtiEvent]:
        """Events for one agent of a `callcenter_config agent list` answer (resync)."""
        events: list[CtiEvent] = []
        low = status.strip().lower()
        if low:
            self._agent_status[agent] = low
            extra = {"snapshot": True, "cc_status": status}
            if low == LOGGED_OUT_STATUS:
                events.append(
                    AgentEvent(AgentEventKind.STATE, agent=agent, ts=ts, state="logged_out", extra=extra)
                )
            else:
                paused = low == PAUSED_STATUS
                reason = ""
                events.append(
                    AgentEvent(
                        AgentEventKind.PAUSE, agent=agent, ts=ts, paused=paused, reason=reason, extra=extra
                    )
                )
        mapped = AGENT_STATES.get(state.strip().lower())
        if mapped and low != LOGGED_OUT_STATUS:
            events.append(
                AgentEvent(
                    AgentEventKind.STATE,
                    agent=agent,
                    ts=ts,
                    state=mapped,
                    extra={"snapshot": True, "cc_state": state},
                )
            )
        return events

    def member_snapshot(self, row: dict[str, str], ts: float) -> list[CtiEvent]:
        """Events for one row of `callcenter_config queue list members <queue>` (resync)."""
        return _fit(self._member_snapshot(row, ts))

    def _member_snapshot(self, row: dict[str, str], ts: float) -> list[CtiEvent]:
        session = row.get("session_uuid", "")
        queue = row.get("queue", "")
        if not session or not queue:
            return []
        call = self._calls.get(session) or _Call(call_id=session)
        self._calls[session] = call
        call.queue = queue
        call.caller_raw = row.get("cid_number", "")
        call.caller = None if _withheld(call.caller_raw) else normalize(call.caller_raw, self.region)
        call.caller_name = row.get("cid_name", "")
        joined = _float(row.get("joined_epoch")) or ts
        call.join_ts = joined
        state = row.get("state", "").lower()
        extra = {"snapshot": True, "member_uuid": row.get("uuid", ""), "cc_state": row.get("state", "")}
        if state in ("waiting", "trying"):
            call.in_queue = True
            return [
                QueueEvent(
                    QueueEventKind.JOIN,
                    queue=queue,
                    ts=joined,
                    call_id=session,
                    caller=call.caller,
                    wait_s=max(ts - joined, 0.0),
                    extra=extra,
                )
            ]
        if state == "answered" and row.get("serving_agent"):
            call.agent = row["serving_agent"]
            call.answered = True
            bridged = _float(row.get("bridge_epoch")) or ts
            return [call_event(CallEventKind.ANSWERED, call, bridged, extra=extra)]
        return []

    # ---- helpers ------------------------------------------------------------------------
    def _timestamp(self, e: EslEvent) -> float:
        micros = _float(e.get("Event-Date-Timestamp"))
        if micros is not None and micros > 0:
            return micros / 1_000_000
        return self._clock()

    def _dnis(self, e: EslEvent, session: str) -> str | None:
        channel = self._channels.get(session)
        for candidate in (
            e.get("CC-Member-DNIS"),
            e.get("variable_cc_dnis"),
            channel.first_destination if channel else None,
            e.get("Caller-RDNIS"),
            e.get("Caller-Destination-Number"),
        ):
            number = _number_like(candidate)
            if number:
                return number
        return None

    def _call_from_cc(self, e: EslEvent) -> _Call | None:
        """The call a callcenter event is about, created from its CC-Member-* headers if new."""
        session = e.get("CC-Member-Session-UUID")
        if not session or session in self._ended:
            return None
        call = self._calls.get(session)
        if call is None:
            call = _Call(call_id=session)
            self._calls[session] = call
        if not call.queue:
            call.queue = e.get("CC-Queue") or None
        if not call.caller_raw and not call.caller:
            self._fill_caller(call, e)
        if call.dnis is None and e.get("Unique-ID") == session:
            call.dnis = self._dnis(e, session)
        if call.dnis is None and e.get("CC-Member-DNIS"):
            call.dnis = _number_like(e.get("CC-Member-DNIS"))
        return call

    def _fill_caller(self, call: _Call, e: EslEvent) -> None:
        raw = e.get("CC-Member-CID-Number")
        if not raw and e.get("Unique-ID") == call.call_id:
            raw = e.get("Caller-Caller-ID-Number")
        hidden = e.get("Unique-ID") == call.call_id and privacy_hidden(e)
        call.caller_raw = raw
        call.caller = None if hidden or _withheld(raw) else normalize(raw, self.region)
        name = e.get("CC-Member-CID-Name")
        call.caller_name = "" if hidden or _withheld(name) else name

    def _queue_end(
        self, kind: QueueEventKind, call: _Call, ts: float, reason: str, extra: dict[str, Any]
    ) -> QueueEvent:
        position = self._position(call) if kind is not QueueEventKind.LEAVE else None
        call.in_queue = False
        wait = ts - call.join_ts if call.join_ts is not None else None
        return QueueEvent(
            kind,
            queue=call.queue or "",
            ts=ts,
            call_id=call.call_id,
            caller=call.caller,
            dnis=call.dnis,
            position=position,
            wait_s=round(wait, 3) if wait is not None else None,
            reason=reason,
            extra=extra,
        )

    def _position(self, call: _Call) -> int | None:
        """Place in line when the caller left: mod_callcenter serves the longest waiting first,
        so 1 + the callers of the same queue still waiting who joined earlier."""
        if not call.in_queue or call.join_ts is None:
            return None
        ahead = sum(
            1
            for other in self._calls.values()
            if other is not call
            and other.in_queue
            and other.queue == call.queue
            and other.join_ts is not None
            and other.join_ts < call.join_ts
        )
        return ahead + 1

    def _end(self, call: _Call, ts: float, extra: dict[str, Any]) -> CallEvent:
        call.ended = True
        call.in_queue = False
        event = call_event(CallEventKind.ENDED, call, ts, extra=extra)
        self._forget(call)
        return event

    def _forget(self, call: _Call) -> None:
        self._outbound.discard(call.call_id)
        self._ended[call.call_id] = None
        if len(self._ended) > 10_000:
            self._ended.popitem(last=False)
        self._calls.pop(call.call_id, None)
        self._channels.pop(call.call_id, None)
        for leg in [leg for leg, cid in self._leg_call.items() if cid == call.call_id]:
            del self._leg_call[leg]

    # ---- channel events -----------------------------------------------------------------
    def _on_create(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        uuid = e.get("Unique-ID")
        if uuid and uuid not in self._channels:
            self._channels[uuid] = _Channel(
                first_destination=_number_like(e.get("Caller-Destination-Number"))
            )
            if len(self._channels) > 100_000:  # channels whose hangup we never saw: stay bounded
                self._channels.pop(next(iter(self._channels)))
        return []

    def _on_answer(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        uuid = e.get("Unique-ID")
        call = self._calls.get(uuid) if uuid in self._outbound else None
        if call is None or call.answered:
            return []
        call.answered = True
        return [call_event(CallEventKind.ANSWERED, call, ts, extra=dict(call.extra))]

    def _on_channel_bridge(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        for uuid in (e.get("Unique-ID"), e.get("Other-Leg-Unique-ID")):
            call = self._calls.get(uuid)
            if call is not None and call.agent_left and not call.transferred and not call.ended:
                call.transferred = True
                is_caller_side = uuid == e.get("Unique-ID")
                target = (
                    _number_like(e.get("Other-Leg-Destination-Number") if is_caller_side else None)
                    or _number_like(e.get("Caller-Destination-Number"))
                    or e.get("Other-Leg-Destination-Number")
                    or None
                )
                return [
                    call_event(CallEventKind.TRANSFERRED, call, ts, target=target, extra={"how": "bridge"})
                ]
        return []

    def _on_hangup(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        uuid = e.get("Unique-ID")
        call = self._calls.get(uuid)
        if call is None:
            self._channels.pop(uuid, None)
            self._leg_call.pop(uuid, None)
            return []
        if call.ended:
            return []
        extra = {"cause": e.get("Hangup-Cause")}
        if call.in_queue and not call.answered:
            call.hangup = (ts, extra)  # the queue's member-queue-end tells abandon from timeout
            return []
        return [self._end(call, ts, extra)]

    def _on_hold(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        uuid = e.get("Unique-ID")
        call_id = uuid if uuid in self._calls else self._leg_call.get(uuid)
        call = self._calls.get(call_id or "")
        if call is None or call.ended:
            return []
        kind = CallEventKind.HELD if e.name == "CHANNEL_HOLD" else CallEventKind.UNHELD
        return [call_event(kind, call, ts, extra={"leg": uuid})]

    # ---- callcenter::info ---------------------------------------------------------------
    def _on_member_start(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        call = self._call_from_cc(e)
        if call is None or not call.queue:
            return []
        call.queue = e.get("CC-Queue") or call.queue
        self._fill_caller(call, e)
        call.join_ts = ts
        call.in_queue = True
        call.hangup = None
        call.answered = call.agent_left = call.transferred = False
        call.agent = None
        extra: dict[str, Any] = {"member_uuid": e.get("CC-Member-UUID")}
        if call.caller_raw:
            extra["caller_raw"] = call.caller_raw
        if call.caller_name:
            extra["caller_name"] = call.caller_name
        if e.get("CC-Action") == "member-queue-resume":
            extra["resumed"] = True
        return [
            QueueEvent(
                QueueEventKind.JOIN,
                queue=call.queue,
                ts=ts,
                call_id=call.call_id,
                caller=call.caller,
                dnis=call.dnis,
                extra=extra,
            )
        ]

    def _on_offering(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        call = self._call_from_cc(e)
        agent = e.get("CC-Agent")
        if call is None or not agent:
            return []
        extra = {"agent_type": e.get("CC-Agent-Type"), "member_uuid": e.get("CC-Member-UUID")}
        return [call_event(CallEventKind.RINGING, call, ts, agent=agent, extra=extra)]

    def _on_bridge_start(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        call = self._call_from_cc(e)
        agent = e.get("CC-Agent")
        if call is None or not agent:
            return []
        call.agent = agent
        call.answered = True
        leg = e.get("CC-Agent-UUID")
        if leg:
            self._leg_call[leg] = call.call_id
        if call.join_ts is None:
            call.join_ts = _float(e.get("CC-Member-Joined-Time"))
        out: list[CtiEvent] = []
        extra: dict[str, Any] = {"agent_uuid": leg}
        if call.join_ts is not None:
            extra["hold_time"] = round(ts - call.join_ts, 3)
        if call.in_queue and call.queue:
            out.append(self._queue_end(QueueEventKind.LEAVE, call, ts, "answered", {}))
        out.append(call_event(CallEventKind.ANSWERED, call, ts, extra=extra))
        return out

    def _on_bridge_end(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        call = self._calls.get(e.get("CC-Member-Session-UUID"))
        if call is not None and not call.ended:
            call.agent_left = True
        return []

    def _on_bridge_fail(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        agent = e.get("CC-Agent")
        if not agent:
            return []
        extra = {"call_id": e.get("CC-Member-Session-UUID"), "cause": e.get("CC-Hangup-Cause")}
        return [
            AgentEvent(
                AgentEventKind.STATE,
                agent=agent,
                ts=ts,
                queue=e.get("CC-Queue") or None,
                state="ring_no_answer",
                extra=extra,
            )
        ]

    def _on_member_end(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        call = self._call_from_cc(e)
        if call is None or call.ended:
            return []
        cause = e.get("CC-Cause")
        out: list[CtiEvent] = []
        if cause.lower() == "cancel":
            cancel = e.get("CC-Cancel-Reason", "NONE").upper() or "NONE"
            extra = {"cancel_reason": cancel}
            if cancel in TIMEOUT_REASONS:
                out.append(self._queue_end(QueueEventKind.TIMEOUT, call, ts, TIMEOUT_REASONS[cancel], extra))
            else:
                reason = ABANDON_REASONS.get(cancel, cancel.lower())
                out.append(self._queue_end(QueueEventKind.ABANDON, call, ts, reason, extra))
            if call.hangup is not None:
                out.append(self._end(call, *call.hangup))
            return out
        # Terminated: the agent call is over. The caller may still be up (transferred).
        call.agent_left = True
        if call.hangup is not None:
            return [self._end(call, *call.hangup)]
        if _caller_gone(e):
            return [self._end(call, ts, {"cause": e.get("Hangup-Cause") or e.get("CC-Hangup-Cause")})]
        target = _transfer_target(e)
        if target is not None and not call.transferred:
            call.transferred = True
            return [
                call_event(
                    CallEventKind.TRANSFERRED, call, ts, target=target or None, extra={"how": "transfer"}
                )
            ]
        return []

    def _on_status(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        agent, status = e.get("CC-Agent"), e.get("CC-Agent-Status")
        if not agent or not status:
            return []
        low = status.strip().lower()
        before = self._agent_status.get(agent)
        self._agent_status[agent] = low
        extra = {"cc_status": status}
        if low == PAUSED_STATUS:
            return [AgentEvent(AgentEventKind.PAUSE, agent=agent, ts=ts, paused=True, extra=extra)]
        if low == LOGGED_OUT_STATUS:
            return [AgentEvent(AgentEventKind.REMOVED, agent=agent, ts=ts, state="logged_out", extra=extra)]
        if low in AVAILABLE_STATUSES:
            if before == PAUSED_STATUS:
                return [AgentEvent(AgentEventKind.PAUSE, agent=agent, ts=ts, paused=False, extra=extra)]
            if before == LOGGED_OUT_STATUS:
                return [AgentEvent(AgentEventKind.ADDED, agent=agent, ts=ts, state="ready", extra=extra)]
            return [AgentEvent(AgentEventKind.STATE, agent=agent, ts=ts, state="ready", extra=extra)]
        return [
            AgentEvent(AgentEventKind.STATE, agent=agent, ts=ts, state=low.replace(" ", "_"), extra=extra)
        ]

    def _on_state(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        agent, state = e.get("CC-Agent"), e.get("CC-Agent-State")
        if not agent or not state:
            return []
        mapped = AGENT_STATES.get(state.strip().lower(), state.strip().lower().replace(" ", "_"))
        return [AgentEvent(AgentEventKind.STATE, agent=agent, ts=ts, state=mapped, extra={"cc_state": state})]

    def _on_count(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        queue = e.get("CC-Queue")
        count = _float(e.get("CC-Count"))
        if not queue or count is None:
            return []
        return [QueueEvent(QueueEventKind.STATS, queue=queue, ts=ts, stats={"waiting": int(count)})]


def parse_esl_bytes(data: bytes, clock: Callable[[], float] = time.time) -> list[CtiEvent]:
    """Parse and normalise a whole recorded ESL session (the `calldesk cti summarize` input)."""
    parser = EslParser()
    normalizer = EslNormalizer(clock=clock)
    events: list[CtiEvent] = []
    for frame in parser.feed(data):
        if frame.event is not None:
            events.extend(normalizer.feed(frame.event))
    if parser.pending_bytes:
        log.info("ESL: recording ends with %d bytes of an incomplete frame", parser.pending_bytes)
    events.extend(normalizer.flush())
    return events
