"""AMI messages -> normalised CTI events (desktop/cti/events.py).

Understands Asterisk 13+ event names (QueueCallerJoin, AgentConnect, QueueMemberPause, Hold,
BlindTransfer ...) and the Asterisk 11 ones (Join, Leave, QueueMemberPaused, Transfer, the old
AgentCalled/AgentConnect headers). Calls are identified by the Linkedid of the channel that joined
the queue (Uniqueid where the PBX gives no Linkedid), and keep that id for their whole life.

Queue timeouts and abandons: app_queue.c calls record_abandoned() -- and so sends
QueueCallerAbandon -- both when the caller hangs up and when the queue gives up (timeout,
leavewhenempty). What tells them apart is what the caller's channel does next: a caller who hung
up has a (Soft)HangupRequest/Hangup on that channel; a caller the queue let go gets
QUEUESTATUS=TIMEOUT|LEAVEEMPTY|... (VarSet) and carries on in the dialplan (Newexten). So an
abandon is held back until one of those arrives (or `flush()`), then emitted as queue.abandon
or queue.timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from calldesk_domain.phone import DEFAULT_REGION, normalize
from desktop.cti.ami_dial import DialLegsMixin
from desktop.cti.ami_fields import (
    DNIS_VARIABLES,
    MEMBER_STATES,
    QUEUE_GAVE_UP,
    VARSET_WORDS,
    ChannelInfo,
    PendingAbandon,
    TrackedAmiCall,
    dnis_of,
    note_presentation,
    numeric_exten,
    presentation_withheld,
    queue_params_events,
    to_float,
    to_int,
)
from desktop.cti.ami_parser import AmiMessage
from desktop.cti.ami_transfer import TransfersMixin
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
    call_event,
)
from desktop.cti.normalizer import EventNormalizer

log = logging.getLogger(__name__)


class AmiNormalizer(DialLegsMixin, TransfersMixin, EventNormalizer[AmiMessage]):
    """Turns a stream of AmiMessages into CtiEvents. Stateful (channels, members, calls); pure."""

    link_name = "AMI"

    def __init__(self, clock: Callable[[], float] = time.time, *, region: str = DEFAULT_REGION) -> None:
        """`region`: where a caller id without a country code is from (the phone_region setting)."""
        self._clock = clock
        self.region = region
        self._channels: dict[str, ChannelInfo] = {}
        self._uid_call: dict[str, str] = {}  # any channel uniqueid of a known call -> call id
        self._calls: dict[str, TrackedAmiCall] = {}
        self._members: dict[str, str] = {}  # interface -> member name
        self._pending: dict[str, PendingAbandon] = {}  # caller uniqueid -> held-back abandon
        self._queued: set[str] = set()  # caller uniqueids waiting in a queue right now
        self.agent_interface: Callable[[str], bool] | None = None  # see desktop/cti/ami_dial.py
        self._init_dial_legs()
        self.unhandled = 0
        self._handlers: dict[str, Callable[[AmiMessage, float], list[CtiEvent]]] = {
            "Newchannel": self._on_channel_info,
            "NewCallerid": self._on_channel_info,
            "Newstate": self._on_channel_info,
            "Newexten": self._on_newexten,
            "VarSet": self._on_varset,
            "HangupRequest": self._on_hangup_request,
            "SoftHangupRequest": self._on_hangup_request,
            "Hangup": self._on_hangup,
            "QueueCallerJoin": self._on_join,
            "Join": self._on_join,
            "QueueCallerLeave": self._on_leave,
            "Leave": self._on_leave,
            "QueueCallerAbandon": self._on_abandon,
            "AgentCalled": self._on_agent_called,
            "AgentConnect": self._on_agent_connect,
            "AgentComplete": self._on_agent_complete,
            "AgentRingNoAnswer": self._on_agent_missed,
            "AgentDump": self._on_agent_missed,
            "Hold": self._on_hold,
            "Unhold": self._on_hold,
            "BlindTransfer": self._on_blind_transfer,
            "AttendedTransfer": self._on_attended_transfer,
            "Transfer": self._on_transfer_11,
            "QueueMemberStatus": self._on_member,
            "QueueMemberAdded": self._on_member,
            "QueueMemberRemoved": self._on_member,
            "QueueMemberPause": self._on_member_pause,
            "QueueMemberPaused": self._on_member_pause,
            "QueueMember": self._on_member,
            "QueueParams": queue_params_events,
            "QueueEntry": self._on_queue_entry,
            "DialBegin": self._on_dial_begin,
            "DialEnd": self._on_dial_end,
        }

    # ---- public API ----------------------------------------------------------------------
    def feed(self, message: AmiMessage) -> list[CtiEvent]:
        """Events for one message (often none). Never raises on odd headers."""
        name = message.event
        if name is None:
            return []
        handler = self._handlers.get(name)
        if handler is None:
            return []
        if name == "VarSet" and not any(map(message.may_contain, VARSET_WORDS)):
            return []  # the commonest event, and almost always a variable we do not use
        ts = to_float(message.headers.get("Timestamp", "")) or self._clock()
        return self._guarded(lambda: handler(message, ts), f"{name} event")

    def flush(self) -> list[CtiEvent]:
        """Emit held-back abandons (end of a recording, or the connection dropped)."""
        out: list[CtiEvent] = []
        for uid in list(self._pending):
            out.append(self._resolve_abandon(uid, None))
        return out

    def member_name(self, interface: str) -> str:
        return self._members.get(interface, interface)

    def call_id_for_channel(self, uniqueid: str) -> str | None:
        return self._uid_call.get(uniqueid)

    def call_channels(self, call_id: str) -> tuple[str, str]:
        """(caller channel, agent channel) names of a known call; '' where unknown."""
        call = self._calls.get(call_id)
        return (call.caller_channel, call.agent_channel) if call else ("", "")

    def interface_of(self, agent: str) -> str | None:
        """The queue-member interface (Local/..., PJSIP/...) of a member name, if seen."""
        for interface, name in self._members.items():
            if name == agent or interface == agent:
                return interface
        return None

    # ---- channels -----------------------------------------------------------------------
    def _touch(self, m: AmiMessage) -> tuple[str, ChannelInfo | None]:
        h = m.headers
        uid = h.get("Uniqueid") or h.get("UniqueID") or ""
        if not uid or uid == "none":
            return uid, None
        ch = self._channels.get(uid)
        if ch is None:
            ch = ChannelInfo(linkedid=h.get("Linkedid") or uid)
            self._channels[uid] = ch
        if "Channel" in h:
            ch.name = h["Channel"]
        num = h.get("CallerIDNum")
        if num is not None:
            ch.caller_raw = num
        name = h.get("CallerIDName")
        if name is not None and name != "<unknown>":
            ch.caller_name = name
        pres = h.get("CID-CallingPres")
        if pres is not None:
            ch.withheld = "prohibited" in pres.lower()
        exten = numeric_exten(h.get("Exten") or h.get("Extension") or "")
        if exten and exten not in ch.extens and len(ch.extens) < 8:
            ch.extens.append(exten)
        return uid, ch

    def _on_channel_info(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        self._touch(m)
        return []

    def _on_newexten(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        uid, ch = self._touch(m)
        if ch is not None:
            note_presentation(ch, m.headers.get("Application", ""), m.headers.get("AppData", ""))
            if ch.withheld:
                self._mark_withheld(uid, m)
        exten = m.headers.get("Exten") or m.headers.get("Extension") or ""
        if uid in self._pending and exten != "h" and m.headers.get("Application") != "Hangup":
            # Queue() returned and the dialplan goes on: the queue let the caller go.
            return [self._resolve_abandon(uid, "timeout")]
        return []

    def _on_varset(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        uid, ch = self._touch(m)
        variable = m.headers.get("Variable", "").lstrip("_").upper()
        value = m.headers.get("Value", "")
        if ch is not None and variable in DNIS_VARIABLES and numeric_exten(value):
            ch.dnis = value.strip()
            ch.dnis_from_variable = True
        if ch is not None and variable == "CALLERPRES" and presentation_withheld(value):
            # Set(__CALLERPRES=${CALLERID(pres)}) before Queue(): on the caller's channel and,
            # inherited, on each agent channel the queue rings.
            ch.withheld = True
            self._mark_withheld(uid, m)
        if variable != "QUEUESTATUS":
            return []
        reason = QUEUE_GAVE_UP.get(value.strip().upper())
        if reason is None:
            return []
        if uid in self._pending:
            return [self._resolve_abandon(uid, reason)]
        call = self._calls.get(self._uid_call.get(uid, ""))
        if call is not None and call.caller_uid == uid and call.queue:
            # A caller that timed out behind another (wait_our_turn) gets no QueueCallerAbandon.
            caller = None if call.withheld else call.caller
            return [
                QueueEvent(
                    QueueEventKind.TIMEOUT,
                    queue=call.queue,
                    ts=ts,
                    call_id=call.call_id,
                    caller=caller,
                    reason=reason,
                )
            ]
        return []

    def _mark_withheld(self, uid: str, m: AmiMessage) -> None:
        call = self._calls.get(self._uid_call.get(uid, "")) or self._calls.get(m.headers.get("Linkedid", ""))
        if call is not None:
            call.withheld = True
            call.caller = None
            call.caller_name = ""

    def _on_hangup_request(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        uid, ch = self._touch(m)
        if ch is not None:
            ch.hangup_requested = True
        if uid in self._pending:
            return [self._resolve_abandon(uid, None)]
        return []

    def _on_hangup(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        uid, _ch = self._touch(m)
        out: list[CtiEvent] = []
        self._queued.discard(uid)
        self._forget_dial_leg(uid)
        if uid in self._pending:
            out.append(self._resolve_abandon(uid, None))
        call_id = self._uid_call.get(uid)
        call = self._calls.get(call_id) if call_id else None
        if call is not None and not call.ended and uid == call.caller_uid:
            call.ended = True
            extra = {"cause": m.headers.get("Cause", ""), "cause_txt": m.headers.get("Cause-txt", "")}
            out.append(call_event(CallEventKind.ENDED, call, ts, extra=extra))
        self._channels.pop(uid, None)
        return out

    # ---- queue callers ------------------------------------------------------------------
    def _call_for(self, m: AmiMessage, uid: str) -> TrackedAmiCall:
        call_id = self._uid_call.get(uid)
        if call_id is None:
            ch = self._channels.get(uid)
            call_id = (ch.linkedid if ch else None) or m.headers.get("Linkedid") or uid
            self._uid_call[uid] = call_id
        call = self._calls.get(call_id)
        if call is None:
            call = TrackedAmiCall(call_id=call_id, caller_uid=uid)
            self._calls[call_id] = call
        return call

    def _fill_caller(self, call: TrackedAmiCall, m: AmiMessage, ch: ChannelInfo | None) -> None:
        raw = m.headers.get("CallerIDNum", ch.caller_raw if ch else "")
        call.withheld = call.withheld or (ch.withheld if ch else False)
        call.caller = None if call.withheld else normalize(raw, self.region)
        call.caller_name = (ch.caller_name if ch else "") or m.headers.get("CallerIDName", "")
        if call.caller_name == "<unknown>" or call.withheld:
            call.caller_name = ""
        if call.dnis is None:
            call.dnis = dnis_of(ch, raw) if ch else numeric_exten(m.headers.get("Exten", ""))

    def _on_join(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        uid, ch = self._touch(m)
        if not uid:
            return []
        call = self._call_for(m, uid)
        call.caller_uid = uid
        call.caller_channel = m.headers.get("Channel", call.caller_channel)
        call.queue = m.headers.get("Queue") or call.queue
        call.ended = False
        self._fill_caller(call, m, ch)
        if not call.queue:
            return []
        self._queued.add(uid)
        extra: dict[str, Any] = {"uniqueid": uid, "channel": m.headers.get("Channel", "")}
        if call.caller_name:
            extra["caller_name"] = call.caller_name
        raw = m.headers.get("CallerIDNum", "")
        if call.withheld:
            extra["withheld"] = True  # and no caller_raw: withheld means no number anywhere
        elif raw:
            extra["caller_raw"] = raw
        return [
            QueueEvent(
                QueueEventKind.JOIN,
                queue=call.queue,
                ts=ts,
                call_id=call.call_id,
                caller=call.caller,
                dnis=call.dnis,
                position=to_int(m.headers.get("Position", "")),
                extra=extra,
            )
        ]

    def _on_queue_entry(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        """A waiting caller in a QueueStatus answer: a join as of now minus its wait."""
        uid, ch = self._touch(m)
        queue = m.headers.get("Queue", "")
        if not uid or not queue:
            return []
        call = self._call_for(m, uid)
        call.queue = queue
        self._fill_caller(call, m, ch)
        wait = to_float(m.headers.get("Wait", "")) or 0.0
        join_ts = self._clock() - wait
        return [
            QueueEvent(
                QueueEventKind.JOIN,
                queue=queue,
                ts=join_ts,
                call_id=call.call_id,
                caller=call.caller,
                dnis=call.dnis,
                position=to_int(m.headers.get("Position", "")),
                wait_s=wait,
                extra={"snapshot": True, "uniqueid": uid, "local_ts": True},
            )
        ]

    def _on_leave(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        uid, _ = self._touch(m)
        self._queued.discard(uid)
        call_id = self._uid_call.get(uid) or m.headers.get("Linkedid") or uid
        queue = m.headers.get("Queue", "")
        if not queue:
            return []
        return [
            QueueEvent(
                QueueEventKind.LEAVE,
                queue=queue,
                ts=ts,
                call_id=call_id,
                position=to_int(m.headers.get("Position", "")),
                extra={"count": to_int(m.headers.get("Count", ""))},
            )
        ]

    def _on_abandon(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        uid, ch = self._touch(m)
        self._queued.discard(uid)
        queue = m.headers.get("Queue", "")
        if not uid or not queue:
            return []
        call_id = self._uid_call.get(uid) or m.headers.get("Linkedid") or uid
        hold = to_float(m.headers.get("HoldTime", m.headers.get("Holdtime", "")))
        call = self._calls.get(call_id)
        self._pending[uid] = PendingAbandon(
            queue=queue,
            call_id=call_id,
            ts=ts,
            position=to_int(m.headers.get("Position", "")),
            wait_s=hold,
            extra={"original_position": to_int(m.headers.get("OriginalPosition", ""))},
            caller=call.caller if call is not None and not call.withheld else None,
        )
        if ch is not None and ch.hangup_requested:
            return [self._resolve_abandon(uid, None)]
        return []

    def _resolve_abandon(self, uid: str, gave_up_reason: str | None) -> QueueEvent:
        pending = self._pending.pop(uid)
        # the caller hung up (abandon) or the queue gave up on them (timeout, with its reason)
        kind = QueueEventKind.ABANDON if gave_up_reason is None else QueueEventKind.TIMEOUT
        return QueueEvent(
            kind,
            queue=pending.queue,
            ts=pending.ts,
            call_id=pending.call_id,
            caller=pending.caller,
            position=pending.position,
            wait_s=pending.wait_s,
            reason=gave_up_reason or "",
            extra=pending.extra,
        )

    # ---- agents and calls ---------------------------------------------------------------
    def _agent_name(self, m: AmiMessage) -> tuple[str, str]:
        h = m.headers
        interface = h.get("Interface") or h.get("Location") or h.get("AgentCalled") or h.get("Member") or ""
        name = h.get("MemberName") or h.get("AgentName") or h.get("Name") or ""
        if name and interface:
            self._members[interface] = name
        return (name or self._members.get(interface) or interface), interface

    def _queue_call(self, m: AmiMessage) -> TrackedAmiCall | None:
        uid = m.headers.get("Uniqueid", "")
        call_id = self._uid_call.get(uid)
        if call_id is None:
            return None
        return self._calls.get(call_id)

    def _map_agent_channel(self, m: AmiMessage, call: TrackedAmiCall) -> None:
        for key in ("DestUniqueid", "BridgedChannel"):
            agent_uid = m.headers.get(key)
            if agent_uid:
                self._uid_call.setdefault(agent_uid, call.call_id)

    def _on_agent_called(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        call = self._queue_call(m)
        if call is None:
            return []
        agent, interface = self._agent_name(m)
        self._map_agent_channel(m, call)
        call.queue = m.headers.get("Queue") or call.queue
        extra: dict[str, Any] = {"interface": interface}
        if call.withheld:
            extra["withheld"] = True
        return [call_event(CallEventKind.RINGING, call, ts, agent=agent, extra=extra)]

    def _on_agent_connect(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        call = self._queue_call(m)
        if call is None:
            return []
        agent, interface = self._agent_name(m)
        self._map_agent_channel(m, call)
        call.agent = agent
        call.agent_channel = m.headers.get("DestChannel") or m.headers.get("Channel", "")
        extra: dict[str, Any] = {"interface": interface}
        hold = to_float(m.headers.get("HoldTime", m.headers.get("Holdtime", "")))
        ring = to_float(m.headers.get("RingTime", m.headers.get("Ringtime", "")))
        if hold is not None:
            extra["hold_time"] = hold
        if ring is not None:
            extra["ring_time"] = ring
        return [call_event(CallEventKind.ANSWERED, call, ts, extra=extra)]

    def _on_agent_complete(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        call = self._queue_call(m)
        if call is None:
            return []
        agent, _ = self._agent_name(m)
        reason = m.headers.get("Reason", "")
        extra: dict[str, Any] = {"reason": reason}
        talk = to_float(m.headers.get("TalkTime", ""))
        if talk is not None:
            extra["talk_time"] = talk
        if reason == "transfer":
            return [call_event(CallEventKind.TRANSFERRED, call, ts, agent=agent, extra=extra)]
        if call.ended:
            return []
        call.ended = True
        return [call_event(CallEventKind.ENDED, call, ts, agent=agent, extra=extra)]

    def _on_agent_missed(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        agent, interface = self._agent_name(m)
        call = self._queue_call(m)
        extra: dict[str, Any] = {"interface": interface, "event": m.headers.get("Event", "")}
        if call is not None:
            extra["call_id"] = call.call_id
        ring = to_float(m.headers.get("RingTime", ""))
        if ring is not None:
            extra["ring_time"] = ring
        return [
            AgentEvent(
                AgentEventKind.STATE,
                agent=agent,
                ts=ts,
                queue=m.headers.get("Queue") or None,
                state="ring_no_answer",
                extra=extra,
            )
        ]

    def _call_of_any(self, m: AmiMessage, *prefixes: str) -> TrackedAmiCall | None:
        for prefix in prefixes:
            call_id = self._uid_call.get(m.headers.get(prefix + "Uniqueid", ""))
            if call_id is None:
                call_id = self._uid_call.get(m.headers.get(prefix + "Linkedid", ""))
            if call_id is not None and call_id in self._calls:
                return self._calls[call_id]
        for prefix in prefixes:
            linked = m.headers.get(prefix + "Linkedid", "")
            if linked in self._calls:
                return self._calls[linked]
        return None

    def _on_hold(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        self._touch(m)
        call = self._call_of_any(m, "")
        if call is None:
            return []
        held = m.headers.get("Event") == "Hold" and m.headers.get("Status", "On").lower() != "off"
        kind = CallEventKind.HELD if held else CallEventKind.UNHELD
        return [call_event(kind, call, ts, extra={"channel": m.headers.get("Channel", "")})]

    # ---- queue members ------------------------------------------------------------------
    def _on_member(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        agent, interface = self._agent_name(m)
        queue = m.headers.get("Queue") or None
        if not agent:
            return []
        name = m.headers["Event"]
        paused_text = m.headers.get("Paused")
        paused = None if paused_text is None else paused_text.strip() == "1"
        reason = m.headers.get("PausedReason", m.headers.get("Reason", "")) if paused else ""
        state = MEMBER_STATES.get(m.headers.get("Status", ""), "")
        extra: dict[str, Any] = {"interface": interface}
        if name == "QueueMember":
            extra["snapshot"] = True
        kind = {
            "QueueMemberAdded": AgentEventKind.ADDED,
            "QueueMemberRemoved": AgentEventKind.REMOVED,
        }.get(name, AgentEventKind.STATE)
        if kind is AgentEventKind.REMOVED:
            state = "logged_out"
        return [
            AgentEvent(
                kind, agent=agent, ts=ts, queue=queue, state=state, paused=paused, reason=reason, extra=extra
            )
        ]

    def _on_member_pause(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        agent, interface = self._agent_name(m)
        if not agent:
            return []
        paused = m.headers.get("Paused", "").strip() == "1"
        reason = (m.headers.get("PausedReason") or m.headers.get("Reason") or "") if paused else ""
        return [
            AgentEvent(
                AgentEventKind.PAUSE,
                agent=agent,
                ts=ts,
                queue=m.headers.get("Queue") or None,
                paused=paused,
                reason=reason,
                extra={"interface": interface},
            )
        ]


def normalize_messages(messages: list[AmiMessage], clock: Callable[[], float] = time.time) -> list[CtiEvent]:
    """Normalise a whole recording, resolving held-back abandons at its end."""
    normalizer = AmiNormalizer(clock=clock)
    events = normalizer.feed_all(messages)
    events.extend(normalizer.flush())
    return events
