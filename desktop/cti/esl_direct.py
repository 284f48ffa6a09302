"""FreeSWITCH calls that reach an agent's phone without mod_callcenter: a direct number routed
to `bridge user/1001@default`, a transfer to the extension, one colleague calling another.

The dialplan's `bridge user/<user>@<domain>` originates a B-leg towards the agent's phone. Its
CHANNEL_CREATE / CHANNEL_OUTGOING carry (FreeSWITCH event headers):
- `Call-Direction: outbound`, `Unique-ID` (the B-leg) and the caller's leg as
  `Other-Leg-Unique-ID` (`Other-Type: originator`) or `variable_originating_leg_uuid`;
- the agent: `variable_dialed_user` + `variable_dialed_domain` (set by the `user/` endpoint),
  which is the agent's interface as the central API stores it (`1001@default`);
- the caller: `Caller-Caller-ID-Number/Name` (the caller's id, copied to the B-leg), and the
  caller's privacy as `Other-Leg-Privacy-Hide-Number` / `Caller-Privacy-Hide-Number`.
CHANNEL_ANSWER of the B-leg is the agent picking up; CHANNEL_HANGUP_COMPLETE of the B-leg ends the
agent's part (`Hangup-Cause` ORIGINATOR_CANCEL: the caller gave up while it rang).

Legs mod_callcenter originates (`variable_cc_queue` / `variable_cc_member_session_uuid` on the
leg, or a caller waiting in a queue) are the queue's and stay with esl.py. The call id is the
caller's channel UUID, as for queue calls, so a call that later rings elsewhere keeps its id.

Withheld: `Caller-Privacy-Hide-Number: true` on the caller's leg (sofia sets it from `Privacy: id`
or an RPID `privacy=full`; the `privacy` dialplan app sets it too), `Other-Leg-Privacy-Hide-Number:
true` on the agent's leg, or `origination_privacy` containing `hide_number` (switch_ivr_originate
turns that into the same flag). `Caller-Screen-Bit` is NOT a privacy flag: it says the network
screened the number, and is `true` on ordinary calls in the real recordings.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calldesk_domain.phone import DEFAULT_REGION, normalize
from desktop.cti.esl_fields import _number_like, _withheld
from desktop.cti.esl_parser import EslEvent
from desktop.cti.events import CallEvent, CallEventKind, CtiEvent, call_event

MAX_LEGS = 10_000
MAX_CALLERS = 50_000


def privacy_hidden(e: EslEvent, *, other_leg: bool = False) -> bool:
    """Does this event say the caller's number is withheld? `other_leg`: the event is of the
    agent's leg, whose Other-Leg-* headers describe the caller."""
    flags = [e.get("Caller-Privacy-Hide-Number")]
    if other_leg:
        flags.append(e.get("Other-Leg-Privacy-Hide-Number"))
    if any(flag.strip().lower() == "true" for flag in flags if flag):
        return True
    return "hide_number" in e.get("variable_origination_privacy").lower()


@dataclass(slots=True)
class _Caller:
    number: str = ""
    name: str = ""
    dialled: str | None = None
    hidden: bool = False


@dataclass(slots=True)
class _Leg:
    """One agent's leg of a call no queue rang (a TrackedCall for events.call_event)."""

    call_id: str
    agent: str | None  # the interface the PBX rang, "1001@default"
    caller: str | None
    caller_name: str
    dnis: str | None
    queue: str | None = None
    answered: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def event(self, kind: CallEventKind, ts: float, **extra: Any) -> CallEvent:
        return call_event(kind, self, ts, extra={**self.extra, **extra})


class EslDirectCalls:
    """Follows agents' legs that no queue rang. `is_queued(call_id)`: the caller's channel is a
    queue's call (esl.py follows it); `agent_interface`: the bridge's "is this an agent?" (None:
    every dialled user is one, as on a single desktop's own connector)."""

    def __init__(self, is_queued: Callable[[str], bool], region: str = DEFAULT_REGION) -> None:
        self._is_queued = is_queued
        self.region = region  # numbers without a country code are from here (Settings)
        self.agent_interface: Callable[[str], bool] | None = None
        self._callers: OrderedDict[str, _Caller] = OrderedDict()  # caller's channel -> its id
        self._legs: OrderedDict[str, _Leg] = OrderedDict()  # agent's leg uuid -> leg

    def is_leg(self, uuid: str) -> bool:
        return uuid in self._legs

    # ---- events ---------------------------------------------------------------------------
    def on_create(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        """CHANNEL_CREATE / CHANNEL_OUTGOING: remember a caller's leg, or ring an agent's."""
        uuid = e.get("Unique-ID")
        if not uuid or uuid in self._legs:
            return []
        caller_leg = e.get("Other-Leg-Unique-ID") or e.get("variable_originating_leg_uuid")
        if e.get("Call-Direction") != "outbound" or not caller_leg:
            if e.get("Call-Direction") == "inbound" and uuid not in self._callers:
                self._remember(uuid, e)
            return []
        interface = self._interface(e)
        if not interface or e.get("variable_cc_queue") or e.get("variable_cc_member_session_uuid"):
            return []
        if self._is_queued(caller_leg) or caller_leg in self._legs:
            return []
        known = self._callers.get(caller_leg, _Caller())
        raw = known.number or e.get("Other-Leg-Caller-ID-Number") or e.get("Caller-Caller-ID-Number")
        name = known.name or e.get("Other-Leg-Caller-ID-Name") or e.get("Caller-Caller-ID-Name")
        hidden = known.hidden or privacy_hidden(e, other_leg=True) or _withheld(raw)
        extra: dict[str, Any] = {"direction": "inbound", "direct": True, "leg": uuid, "interface": interface}
        if hidden:
            extra["withheld"] = True
        elif raw:
            extra["caller_raw"] = raw
        leg = _Leg(
            call_id=caller_leg,
            agent=interface,
            caller=None if hidden else normalize(raw, self.region),
            caller_name="" if hidden or _withheld(name) else name,
            dnis=known.dialled or _number_like(e.get("Other-Leg-Destination-Number")),
            extra=extra,
        )
        self._legs[uuid] = leg
        if len(self._legs) > MAX_LEGS:  # legs whose hangup never came: stay bounded
            self._legs.popitem(last=False)
        return [leg.event(CallEventKind.RINGING, ts)]

    def on_answer(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        leg = self._legs.get(e.get("Unique-ID"))
        if leg is None or leg.answered:
            return []
        leg.answered = True
        return [leg.event(CallEventKind.ANSWERED, ts)]

    def on_hold(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        leg = self._legs.get(e.get("Unique-ID"))
        if leg is None:
            return []
        kind = CallEventKind.HELD if e.name == "CHANNEL_HOLD" else CallEventKind.UNHELD
        return [leg.event(kind, ts)]

    def on_hangup(self, e: EslEvent, ts: float) -> list[CtiEvent]:
        uuid = e.get("Unique-ID")
        self._callers.pop(uuid, None)
        leg = self._legs.pop(uuid, None)
        if leg is None:
            return []
        cause = e.get("Hangup-Cause")
        if cause == "ORIGINATOR_CANCEL" and not leg.answered:
            return [leg.event(CallEventKind.ENDED, ts, cause=cause)]  # the caller gave up: the call ends
        return [leg.event(CallEventKind.ENDED, ts, cause=cause, scope="leg")]  # this agent's part

    # ---- helpers --------------------------------------------------------------------------
    def _remember(self, uuid: str, e: EslEvent) -> None:
        raw = e.get("Caller-Caller-ID-Number")
        self._callers[uuid] = _Caller(
            number=raw,
            name=e.get("Caller-Caller-ID-Name"),
            dialled=_number_like(e.get("Caller-Destination-Number")),
            hidden=privacy_hidden(e) or _withheld(raw),
        )
        if len(self._callers) > MAX_CALLERS:
            self._callers.popitem(last=False)

    def _interface(self, e: EslEvent) -> str:
        user, domain = e.get("variable_dialed_user").strip(), e.get("variable_dialed_domain").strip()
        if not user:
            return ""
        interface = f"{user}@{domain}" if domain else user
        if self.agent_interface is not None and not self.agent_interface(interface):
            return ""
        return interface
