"""Which desktop gets which PBX event.

A PBX event is matched to an agent by the *interface* the PBX rang (`PJSIP/1001`; FreeSWITCH:
`1001@default`), the one stored on the user record in the central API; the queue member name
("Li Lei") is only a fallback. Routing:

- `call.*`: the desktops of the agent whose phone rings, through the ring-leg book (legs.py), with
  `agent` rewritten to that desktop's CallDesk agent id (the PBX's name kept in `extra.pbx_agent`),
  and every supervisor (the agent grid; a supervisor's desktop pops only its own calls);
- `queue.join`: also to the desktops of that queue's available members (pre-warm: never shown
  until their own phone rings); every `queue.*` to supervisors;
- `agent.*`: that agent's desktops and every supervisor; `pbx.*`: everyone.

The router keeps what a desktop needs when it (re)connects: its open calls, its agent state and
the PBX link state (`snapshot_for`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from desktop.cti.bridge.identity import Identity
from desktop.cti.bridge.legs import Delivery, LegBook
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CtiEvent,
    PbxEvent,
    PbxEventKind,
    QueueEvent,
    QueueEventKind,
    to_wire,
)

log = logging.getLogger(__name__)

MAX_UNMATCHED_LOGGED = 1000  # distinct unmatched member names remembered (logged once each)
MAX_MEMBER_NAMES = 20_000


class Peer(Protocol):
    identity: Identity

    def send(self, message: dict[str, Any]) -> None: ...


@dataclass(slots=True)
class AgentState:
    state: str = ""
    paused: bool | None = None
    reason: str = ""
    ts: float = 0.0

    def wire(self, agent_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"agent": agent_id, "ts": self.ts}
        if self.state:
            out["state"] = self.state
        if self.paused is not None:
            out["paused"] = self.paused
            out["reason"] = self.reason
        return out


def interface_key(text: str) -> str:
    """Interfaces compare case-insensitively on the technology (`pjsip/1001` == `PJSIP/1001`)."""
    tech, slash, rest = text.strip().partition("/")
    return f"{tech.upper()}/{rest}" if slash else text.strip()


Message = dict[str, Any]
Direct = list[tuple[Peer, Message]]


class Router:
    def __init__(self) -> None:
        self.legs = LegBook()
        self._peers_by_interface: dict[str, set[Peer]] = {}
        self._peers_by_agent: dict[str, set[Peer]] = {}  # CallDesk agent id -> its desktops
        self._interfaces_by_queue: dict[str, dict[str, int]] = {}  # queue -> interface -> desktops
        self._supervisors: set[Peer] = set()
        self._peers: set[Peer] = set()
        self._member_interface: dict[str, str] = {}  # PBX member name -> interface
        self._member_interfaces: set[str] = set()  # every interface a member name was seen on
        self._queue_members: dict[str, set[str]] = {}  # queue -> interfaces (as the PBX reports)
        self._agent_states: dict[str, AgentState] = {}  # interface -> last known state
        self._unmatched_logged: set[str] = set()
        self.pbx_state: PbxEvent | None = None
        self.unmatched_events = 0
        self.prewarm_sent = 0

    # ---- peers ----------------------------------------------------------------------------
    def add(self, peer: Peer) -> None:
        identity = peer.identity
        self._peers.add(peer)
        self._peers_by_agent.setdefault(identity.agent_id, set()).add(peer)
        if identity.supervisor:
            self._supervisors.add(peer)
        if identity.pbx_interface:
            key = interface_key(identity.pbx_interface)
            self._peers_by_interface.setdefault(key, set()).add(peer)
            for queue in identity.queues:
                counts = self._interfaces_by_queue.setdefault(queue, {})
                counts[key] = counts.get(key, 0) + 1

    def remove(self, peer: Peer) -> None:
        if peer not in self._peers:
            return
        identity = peer.identity
        self._peers.discard(peer)
        self._supervisors.discard(peer)
        same_agent = self._peers_by_agent.get(identity.agent_id)
        if same_agent is not None:
            same_agent.discard(peer)
            if not same_agent:
                del self._peers_by_agent[identity.agent_id]
        if not identity.pbx_interface:
            return
        key = interface_key(identity.pbx_interface)
        peers = self._peers_by_interface.get(key)
        if peers is not None:
            peers.discard(peer)
            if not peers:
                del self._peers_by_interface[key]
        for queue in identity.queues:
            counts = self._interfaces_by_queue.get(queue)
            if counts is None or key not in counts:
                continue
            counts[key] -= 1
            if counts[key] <= 0:
                del counts[key]
                if not counts:
                    del self._interfaces_by_queue[queue]

    @property
    def peer_count(self) -> int:
        return len(self._peers)

    @property
    def supervisor_count(self) -> int:
        return len(self._supervisors)

    def peers(self) -> list[Peer]:
        return list(self._peers)

    def supervisors(self) -> list[Peer]:
        return list(self._supervisors)

    def is_agent_interface(self, interface: str) -> bool:
        """For the AMI normaliser: does this interface belong to a CallDesk agent?"""
        key = interface_key(interface)
        return key in self._peers_by_interface or key in self._agent_states or key in self._member_interfaces

    # ---- resolution -----------------------------------------------------------------------
    def interface_of(self, event: CallEvent | AgentEvent) -> str | None:
        extra_if = event.extra.get("interface")
        if isinstance(extra_if, str) and extra_if:
            key = interface_key(extra_if)
            agent = event.agent
            known = self._member_interface
            if agent and known.get(agent) != key and len(known) < MAX_MEMBER_NAMES:
                self._member_interface[agent] = key
                self._member_interfaces.add(key)
            return key
        agent = event.agent
        if not agent:
            return None
        if agent in self._member_interface:
            return self._member_interface[agent]
        key = interface_key(agent)
        if key in self._peers_by_interface or "/" in agent or "@" in agent:
            return key
        for peer in self._peers_by_agent.get(agent, ()):  # fallback: the member name is the agent id
            if peer.identity.pbx_interface:
                return interface_key(peer.identity.pbx_interface)
        return key

    def _note_unmatched(self, interface: str, pbx_agent: str | None) -> None:
        self.unmatched_events += 1
        label = f"{interface} ({pbx_agent})" if pbx_agent and pbx_agent != interface else interface
        if label in self._unmatched_logged or len(self._unmatched_logged) >= MAX_UNMATCHED_LOGGED:
            return
        self._unmatched_logged.add(label)
        log.warning(
            "bridge: the PBX rang %s but no connected desktop has that interface; set the user's "
            "pbx_interface in the central API (`calldesk central users ...`) to %s",
            label,
            interface,
        )

    # ---- routing --------------------------------------------------------------------------
    def route(self, event: CtiEvent) -> tuple[Direct, list[Message]]:
        """(lines for given desktops, lines for every supervisor's feed). A supervisor's own
        calls and agent state come in the first part, like any agent's; the feed carries the floor
        (every agent's calls and state, every queue event) the same for all supervisors."""
        direct: Direct = []
        watched: list[Message] = []
        if isinstance(event, CallEvent):
            interface = self.interface_of(event)
            deliveries = self.legs.on_call(event, interface)
            if interface and event.kind.value == "ringing" and interface not in self._peers_by_interface:
                self._note_unmatched(interface, event.agent)
            self._to_agents(deliveries, direct, watched)
        elif isinstance(event, QueueEvent):
            self._route_queue(event, direct, watched)
        elif isinstance(event, AgentEvent):
            self._route_agent(event, direct, watched)
        else:
            self._route_pbx(event, direct)
        return direct, watched

    def _to_agents(
        self, deliveries: Iterable[Delivery], direct: Direct, watched: list[Message] | None = None
    ) -> None:
        """Each leg's event to the desktops of its interface; with `watched`: also to the
        supervisors' feed (as that agent's, for the agent grid's caller and call time and its
        listen / whisper / barge; a supervisor's screen pop keeps only its own calls)."""
        for interface, wire in deliveries:
            owners = self._peers_by_interface.get(interface)
            if not owners:
                continue
            for peer in owners:
                direct.append((peer, self.for_peer(peer, wire)))
            if watched is not None and self._supervisors:
                watched.append(direct[-1][1])  # as the (last) owner's desktop sees it

    @staticmethod
    def for_peer(peer: Peer, wire: Message) -> Message:
        message = dict(wire)
        pbx_agent = message.get("agent")
        message["agent"] = peer.identity.agent_id
        if pbx_agent and pbx_agent != peer.identity.agent_id:
            message["extra"] = {**message.get("extra", {}), "pbx_agent": pbx_agent}
        return message

    def _route_queue(self, event: QueueEvent, direct: Direct, watched: list[Message]) -> None:
        wire = to_wire(event)
        if self._supervisors:
            watched.append(wire)
        self._to_agents(self.legs.on_queue(event), direct)
        if event.kind is QueueEventKind.JOIN:
            before = len(direct)
            by_interface = self._peers_by_interface
            for interface in self._available_members(event.queue):
                direct += [(p, wire) for p in by_interface.get(interface, ()) if not p.identity.supervisor]
            self.prewarm_sent += len(direct) - before

    def _available_members(self, queue: str) -> list[str]:
        """The queue's members by the PBX's word or by their user record, not paused."""
        members = self._queue_members.get(queue, set())
        listed = self._interfaces_by_queue.get(queue, {})
        states = self._agent_states
        out = [m for m in listed if not (m in states and states[m].paused)]
        out += [m for m in members if m not in listed and not (m in states and states[m].paused)]
        return out

    def _route_agent(self, event: AgentEvent, direct: Direct, watched: list[Message]) -> None:
        interface = self.interface_of(event)
        if interface:
            if event.queue:
                members = self._queue_members.setdefault(event.queue, set())
                if event.kind is AgentEventKind.REMOVED:
                    members.discard(interface)
                else:
                    members.add(interface)
            state = self._agent_states.setdefault(interface, AgentState())
            if event.paused is not None:
                state.paused, state.reason = event.paused, event.reason if event.paused else ""
            if event.state and event.state != "ring_no_answer":
                state.state = event.state
            state.ts = event.ts
            self._to_agents(self.legs.on_agent(event, interface), direct)
        wire = to_wire(event)
        owners = self._peers_by_interface.get(interface, ()) if interface else ()
        owner = next(iter(owners), None)
        if owner is not None:  # supervisors, too, see CallDesk agent ids, not member names
            wire = self.for_peer(owner, wire)
        direct += [(peer, wire) for peer in owners]
        if self._supervisors:
            watched.append(wire)

    def _route_pbx(self, event: PbxEvent, direct: Direct) -> None:
        self.pbx_state = event
        if event.kind is PbxEventKind.DISCONNECTED:
            self._to_agents(self.legs.link_lost(event.ts), direct)
            self._agent_states.clear()  # the PBX's truth comes back with the re-sync
        wire = to_wire(event)
        direct += [(peer, wire) for peer in self._peers]

    # ---- snapshot -------------------------------------------------------------------------
    def snapshot_for(self, peer: Peer, ts: float) -> dict[str, Any]:
        """What a desktop that just (re)connected must know: its calls, its state, the PBX link."""
        interface = interface_key(peer.identity.pbx_interface) if peer.identity.pbx_interface else ""
        calls = (
            [self.for_peer(peer, leg.snapshot()) for leg in self.legs.legs_of(interface)] if interface else []
        )
        message: dict[str, Any] = {"type": "snapshot", "ts": ts, "calls": calls}
        state = self._agent_states.get(interface) if interface else None
        if state is not None:
            message["agent_state"] = state.wire(peer.identity.agent_id)
        if self.pbx_state is not None:
            message["pbx"] = to_wire(self.pbx_state)
        return message

    def agent_interface(self, agent_id: str) -> str | None:
        """The interface of a CallDesk agent (for a supervisor's pause of another agent)."""
        for peer in self._peers_by_agent.get(agent_id, ()):
            if peer.identity.pbx_interface:
                return interface_key(peer.identity.pbx_interface)
        return None
