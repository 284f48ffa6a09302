"""Ring legs: one per (call, agent interface). Every `call.ringing` the bridge sends an agent is
a leg, and every leg ends with exactly one `call.ended` carrying a `reason`, whatever the PBX
does (caller hangs up while ringing, rings on to the next agent, transfer away, PBX link lost).

Pure and synchronous: `LegBook` takes normalised events (with the agent's interface already
resolved by the router) and returns `(interface, wire message)` deliveries. Events about a call an
agent never had ringing are not delivered to that agent (counted in `never_rung`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from desktop.cti.events import AgentEvent, CallEvent, CallEventKind, QueueEvent, QueueEventKind, to_wire

Delivery = tuple[str, dict[str, Any]]
MAX_LEGS = 100_000  # all open legs; beyond it the oldest is ended ("pbx_link_lost") to stay flat
MAX_LEGS_PER_INTERFACE = 32

RINGING, ANSWERED, HELD = "ringing", "answered", "held"


@dataclass(slots=True)
class Leg:
    call_id: str
    interface: str
    state: str  # ringing, answered, held
    last: dict[str, Any] = field(default_factory=dict)  # the latest call.* wire message of the leg

    def snapshot(self) -> dict[str, Any]:
        return {**self.last, "state": self.state}


class LegBook:
    def __init__(self) -> None:
        self._legs: OrderedDict[tuple[str, str], Leg] = OrderedDict()
        self._by_call: dict[str, set[str]] = {}
        self._by_interface: dict[str, set[str]] = {}
        self.never_rung = 0  # call events for (call, agent) pairs that never rang: ignored
        self.duplicate_rings = 0
        self.legs_opened = 0
        self.legs_ended = 0

    def __len__(self) -> int:
        return len(self._legs)

    # ---- queries --------------------------------------------------------------------------
    def legs_of(self, interface: str) -> list[Leg]:
        return [self._legs[(c, interface)] for c in sorted(self._by_interface.get(interface, ()))]

    def has_leg(self, call_id: str, interface: str) -> bool:
        return (call_id, interface) in self._legs

    def interfaces_of_call(self, call_id: str) -> set[str]:
        return set(self._by_call.get(call_id, ()))

    # ---- events ---------------------------------------------------------------------------
    def on_call(self, event: CallEvent, interface: str | None) -> list[Delivery]:
        kind = event.kind
        wire = to_wire(event)
        if kind is CallEventKind.RINGING:
            return self._ring(event.call_id, interface, wire) if interface else []
        if kind is CallEventKind.ANSWERED:
            return self._answered(event.call_id, interface, wire)
        if kind in (CallEventKind.HELD, CallEventKind.UNHELD):
            state = HELD if kind is CallEventKind.HELD else ANSWERED
            return self._to_talking(event.call_id, interface, wire, state)
        if kind is CallEventKind.TRANSFERRED:
            talking = self._talking(event.call_id, interface)
            out = [(i, wire) for i in talking]
            for i in talking:
                out += self._end(event.call_id, i, wire, "transferred")
            return out
        # ENDED: one leg (a dial that was not answered) or the whole call
        if event.extra.get("scope") == "leg" and interface:
            if not self.has_leg(event.call_id, interface):
                self.never_rung += 1
                return []
            reason = "hung_up" if self._legs[(event.call_id, interface)].state != RINGING else "not_answered"
            return self._end(event.call_id, interface, wire, reason)
        return self.end_call(event.call_id, wire, talking_reason="hung_up", ringing_reason="caller_hung_up")

    def on_queue(self, event: QueueEvent) -> list[Delivery]:
        if not event.call_id or event.kind not in (QueueEventKind.ABANDON, QueueEventKind.TIMEOUT):
            return []
        reason = "caller_hung_up" if event.kind is QueueEventKind.ABANDON else "not_answered"
        base = {"type": "call.ended", "call_id": event.call_id, "ts": event.ts, "queue": event.queue}
        return self.end_call(event.call_id, base, talking_reason=reason, ringing_reason=reason)

    def on_agent(self, event: AgentEvent, interface: str | None) -> list[Delivery]:
        call_id = event.extra.get("call_id")
        if event.state != "ring_no_answer" or not interface or not isinstance(call_id, str):
            return []
        leg = self._legs.get((call_id, interface))
        if leg is None or leg.state != RINGING:
            return []
        return self._end(
            call_id, interface, {**leg.last, "type": "call.ended", "ts": event.ts}, "not_answered"
        )

    def link_lost(self, ts: float) -> list[Delivery]:
        """The PBX link dropped: every open leg ends (the desktop must not keep a stuck call bar)."""
        out: list[Delivery] = []
        for call_id, interface in list(self._legs):
            leg = self._legs[(call_id, interface)]
            out += self._end(
                call_id, interface, {**leg.last, "type": "call.ended", "ts": ts}, "pbx_link_lost"
            )
        return out

    def end_call(
        self, call_id: str, wire: dict[str, Any], *, talking_reason: str, ringing_reason: str
    ) -> list[Delivery]:
        out: list[Delivery] = []
        for interface in sorted(self._by_call.get(call_id, ())):
            leg = self._legs[(call_id, interface)]
            reason = ringing_reason if leg.state == RINGING else talking_reason
            out += self._end(call_id, interface, {**leg.last, **wire}, reason)
        if not out and wire.get("type") == "call.ended":
            self.never_rung += 1
        return out

    # ---- internals ------------------------------------------------------------------------
    def _ring(self, call_id: str, interface: str, wire: dict[str, Any]) -> list[Delivery]:
        key = (call_id, interface)
        if key in self._legs:
            self.duplicate_rings += 1
            return []
        out: list[Delivery] = []
        mine = self._by_interface.setdefault(interface, set())
        if len(mine) >= MAX_LEGS_PER_INTERFACE:
            oldest = next(k for k in self._legs if k[1] == interface)
            out += self._end(
                oldest[0], interface, {**self._legs[oldest].last, "type": "call.ended"}, "pbx_link_lost"
            )
        if len(self._legs) >= MAX_LEGS:
            (old_call, old_if), old = next(iter(self._legs.items()))
            out += self._end(old_call, old_if, {**old.last, "type": "call.ended"}, "pbx_link_lost")
        self._legs[key] = Leg(call_id, interface, RINGING, wire)
        self._by_call.setdefault(call_id, set()).add(interface)
        self._by_interface.setdefault(interface, set()).add(call_id)
        self.legs_opened += 1
        out.append((interface, wire))
        return out

    def _answered(self, call_id: str, interface: str | None, wire: dict[str, Any]) -> list[Delivery]:
        if not interface or (call_id, interface) not in self._legs:
            self.never_rung += 1
            return []
        leg = self._legs[(call_id, interface)]
        if leg.state != RINGING:
            return []
        leg.state = ANSWERED
        leg.last = {**leg.last, **wire}
        out: list[Delivery] = [(interface, wire)]
        for other in sorted(self._by_call.get(call_id, set()) - {interface}):
            other_leg = self._legs[(call_id, other)]
            if other_leg.state == RINGING:
                ended = {**other_leg.last, "type": "call.ended", "ts": wire.get("ts")}
                out += self._end(call_id, other, ended, "answered_elsewhere")
        return out

    def _talking(self, call_id: str, interface: str | None) -> list[str]:
        if interface and (call_id, interface) in self._legs:
            return [interface] if self._legs[(call_id, interface)].state != RINGING else []
        return [
            i for i in sorted(self._by_call.get(call_id, ())) if self._legs[(call_id, i)].state != RINGING
        ]

    def _to_talking(
        self, call_id: str, interface: str | None, wire: dict[str, Any], state: str
    ) -> list[Delivery]:
        talking = self._talking(call_id, interface)
        if not talking:
            self.never_rung += 1
        for i in talking:
            leg = self._legs[(call_id, i)]
            leg.state = state
            leg.last = {**leg.last, **wire, "type": leg.last.get("type", "call.ringing")}
        return [(i, wire) for i in talking]

    def _end(self, call_id: str, interface: str, wire: dict[str, Any], reason: str) -> list[Delivery]:
        leg = self._legs.pop((call_id, interface), None)
        if leg is None:
            return []
        calls = self._by_interface.get(interface)
        if calls is not None:
            calls.discard(call_id)
            if not calls:
                del self._by_interface[interface]
        legs = self._by_call.get(call_id)
        if legs is not None:
            legs.discard(interface)
            if not legs:
                del self._by_call[call_id]
        self.legs_ended += 1
        ended = {k: v for k, v in wire.items() if k not in ("state", "target")}
        ended.update(type="call.ended", call_id=call_id, reason=reason)
        if ended.get("ts") is None:
            ended["ts"] = leg.last.get("ts", 0.0)
        return [(interface, ended)]
