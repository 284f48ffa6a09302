"""Calls that reach an agent's phone without a queue, and calls an agent places: AMI DialBegin /
DialEnd (Asterisk 12+) -> call events, as a mixin of AmiNormalizer.

- DialBegin to an agent's interface from a channel that is not waiting in a queue (a direct
  number, a transfer to the extension, an attended-transfer consultation): `call.ringing` for that
  agent (`extra.direction = "inbound"`). Dials app_queue makes for its members are skipped: the
  queue's AgentCalled already reports them.
- DialBegin from an agent's interface to something that is not an agent (click-to-dial's second
  leg, a call typed on the phone): `call.ringing` with `extra.direction = "outbound"` and the
  dialled number as `caller` (the party on the other end), then `call.answered` on DialEnd ANSWER.
- DialEnd with any other status for an inbound leg: `call.ended` for that agent only
  (`extra.scope = "leg"`: the call itself goes on elsewhere).

Which interfaces are agents': `agent_interface` (the bridge sets it from the central API's user
records), else every interface seen as a queue member.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calldesk_domain.phone import normalize
from desktop.cti.ami_fields import ChannelInfo, TrackedAmiCall, channel_interface, numeric_exten
from desktop.cti.ami_parser import AmiMessage
from desktop.cti.events import CallEventKind, CtiEvent, call_event

_NUMBER = re.compile(r"\+?\d{3,}")
MAX_DIAL_LEGS = 10_000  # open dial legs kept; a PBX that never sends DialEnd cannot grow this


@dataclass(slots=True)
class DialLeg:
    call_id: str
    interface: str
    direction: str  # "inbound" (the agent's phone rings) or "outbound" (the agent dials out)
    answered: bool = False


class DialLegsMixin:
    """Needs from its host: `_channels`, `_calls`, `_uid_call`, `_members`, `_queued`, `region`,
    `_call_for`, `_fill_caller`, `_touch`."""

    region: str
    _channels: dict[str, ChannelInfo]
    _calls: dict[str, TrackedAmiCall]
    _uid_call: dict[str, str]
    _members: dict[str, str]
    _queued: set[str]
    agent_interface: Callable[[str], bool] | None
    _call_for: Callable[[AmiMessage, str], TrackedAmiCall]
    _fill_caller: Callable[[TrackedAmiCall, AmiMessage, ChannelInfo | None], None]
    _touch: Callable[[AmiMessage], tuple[str, ChannelInfo | None]]

    def _init_dial_legs(self) -> None:
        self._dial_legs: dict[str, DialLeg] = {}  # the dialled (or dialling) channel's uniqueid -> leg

    def _is_agent_interface(self, interface: str) -> bool:
        if not interface:
            return False
        if self.agent_interface is not None:
            return self.agent_interface(interface)
        return interface in self._members

    def _leg_agent(self, interface: str) -> str:
        return self._members.get(interface, interface)

    def _on_dial_begin(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        h = m.headers
        src_uid = h.get("Uniqueid", "")
        dest_uid = h.get("DestUniqueid", "")
        if not dest_uid or len(self._dial_legs) >= MAX_DIAL_LEGS:
            return []
        if src_uid and src_uid in self._queued:
            return []  # app_queue ringing its members: AgentCalled reports these
        src_if = channel_interface(h.get("Channel", "")) if src_uid else ""
        dest_if = channel_interface(h.get("DestChannel", ""))
        out: list[CtiEvent] = []
        if self._is_agent_interface(dest_if) and src_uid:
            _uid, ch = self._touch(m)
            known = self._uid_call.get(src_uid) in self._calls or h.get("Linkedid", "") in self._calls
            call = self._call_for(m, src_uid)
            if not known:
                call.caller_channel = h.get("Channel", "")
                self._fill_caller(call, m, ch)
            self._uid_call.setdefault(dest_uid, call.call_id)
            call.ended = False
            self._dial_legs[dest_uid] = DialLeg(call.call_id, dest_if, "inbound")
            extra: dict[str, Any] = {"interface": dest_if, "direction": "inbound"}
            if call.withheld:
                extra["withheld"] = True
            agent = self._leg_agent(dest_if)
            out.append(call_event(CallEventKind.RINGING, call, ts, agent=agent, extra=extra))
        elif self._is_agent_interface(src_if) and not self._is_agent_interface(dest_if):
            self._touch(m)
            call = self._call_for(m, src_uid)
            call.caller_uid = src_uid
            call.agent_channel = h.get("Channel", "")
            call.caller_channel = h.get("DestChannel", "")
            call.ended = False
            own = {h.get("CallerIDNum", ""), src_if.rpartition("/")[2]}
            dialled = next(
                (
                    n
                    for n in (
                        numeric_exten(h.get("Exten", "")),
                        _number_in(h.get("DialString", "")),
                        numeric_exten(h.get("DestConnectedLineNum", "")),
                    )
                    if n and n not in own
                ),
                None,
            )
            call.caller = normalize(dialled, self.region) if dialled else None
            call.agent = self._leg_agent(src_if)
            self._uid_call.setdefault(dest_uid, call.call_id)
            self._dial_legs[dest_uid] = DialLeg(call.call_id, src_if, "outbound")
            extra = {"interface": src_if, "direction": "outbound"}
            if dialled:
                extra["caller_raw"] = dialled
            out.append(call_event(CallEventKind.RINGING, call, ts, agent=call.agent, extra=extra))
        return out

    def _on_dial_end(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        h = m.headers
        leg = self._dial_legs.get(h.get("DestUniqueid", ""))
        call = self._calls.get(leg.call_id) if leg else None
        if leg is None or call is None:
            return []
        status = h.get("DialStatus", "").upper()
        agent = self._leg_agent(leg.interface)
        extra: dict[str, Any] = {"interface": leg.interface, "direction": leg.direction}
        extra["dial_status"] = status
        if status == "ANSWER":
            leg.answered = True
            if leg.direction == "inbound":
                call.agent = agent
                call.agent_channel = h.get("DestChannel", "")
            return [call_event(CallEventKind.ANSWERED, call, ts, agent=agent, extra=extra)]
        self._dial_legs.pop(h.get("DestUniqueid", ""), None)
        if leg.direction == "outbound":
            return []  # the agent's own channel hangs up next: that ends the call
        extra["scope"] = "leg"
        return [call_event(CallEventKind.ENDED, call, ts, agent=agent, extra=extra)]

    def _forget_dial_leg(self, uid: str) -> None:
        self._dial_legs.pop(uid, None)


def _number_in(dial_string: str) -> str | None:
    """The number in a Dial() string: `PJSIP/trunk/sip:+8615900001111@host` -> `+8615900001111`."""
    match = _NUMBER.search(dial_string.rpartition("/")[2])
    return match.group(0) if match else None
