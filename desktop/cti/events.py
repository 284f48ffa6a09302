"""Normalised telephony events: what every CTI source (AMI, ESL, the simulator, a softphone
plug-in) is turned into, and what travels over the CTI socket as JSON lines.

Wire names are `<family>.<kind>`: call.ringing, queue.join, agent.pause ... (see
docs/cti-protocol.md, a public contract: add fields, never rename or remove them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, Protocol


class CallEventKind(StrEnum):
    RINGING = "ringing"  # offered to an agent (the agent's phone rings): the screen-pop trigger
    ANSWERED = "answered"
    HELD = "held"
    UNHELD = "unheld"
    TRANSFERRED = "transferred"
    ENDED = "ended"


# `reason` of a call.ended the bridge sends (docs/cti-bridge.md): every ring a desktop got ends
# with exactly one of these.
CALL_END_REASONS = frozenset(
    {
        "hung_up",  # the call ended after this agent talked
        "caller_hung_up",  # the caller hung up while this agent's phone rang
        "not_answered",  # this agent did not answer: the call rang on (or the queue gave up)
        "answered_elsewhere",  # another agent picked it up
        "transferred",  # this agent transferred the call away
        "pbx_link_lost",  # the bridge lost the PBX (or the call vanished in a re-sync)
    }
)


class QueueEventKind(StrEnum):
    JOIN = "join"  # caller entered a queue: pre-warm trigger
    LEAVE = "leave"  # caller left the queue to be connected (or for an unknown reason)
    ABANDON = "abandon"  # caller hung up while waiting
    TIMEOUT = "timeout"  # queue gave up: timeout, empty, full (not an abandon, see METRICS.md)
    STATS = "stats"  # a snapshot of the queue's figures (QueueParams, callcenter_config)


class PbxEventKind(StrEnum):
    CONNECTED = "connected"  # the bridge (or plug-in) has its PBX login: calls will pop
    DISCONNECTED = "disconnected"  # the PBX link is down: the agent must be told calls will not pop


class AgentEventKind(StrEnum):
    STATE = "state"  # device/availability state: ready, busy, ringing, unavailable, logged_out
    PAUSE = "pause"  # paused / unpaused, with a reason code
    ADDED = "added"  # logged in to a queue
    REMOVED = "removed"  # logged out of a queue


@dataclass(frozen=True, slots=True)
class CallEvent:
    family: ClassVar[str] = "call"
    kind: CallEventKind
    call_id: str
    ts: float  # epoch seconds, from the PBX where it says, else receipt time
    caller: str | None = None  # E.164, None when withheld
    caller_name: str = ""
    dnis: str | None = None  # the dialled (hotline) number
    queue: str | None = None
    agent: str | None = None
    target: str | None = None  # transfer target
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    # call.ended: why this desktop's part of the call ended (CALL_END_REASONS); added in protocol 1
    reason: str | None = None

    @property
    def wire_type(self) -> str:
        return f"call.{self.kind.value}"


class TrackedCall(Protocol):
    """What a PBX normaliser knows of a call it follows (each keeps more of its own)."""

    call_id: str
    caller: str | None
    caller_name: str
    dnis: str | None
    queue: str | None
    agent: str | None


def call_event(
    kind: CallEventKind,
    call: TrackedCall,
    ts: float,
    agent: str | None = None,
    target: str | None = None,
    extra: dict[str, Any] | None = None,
) -> CallEvent:
    """The CallEvent for a tracked call; `agent` overrides the call's own agent."""
    return CallEvent(
        kind,
        call_id=call.call_id,
        ts=ts,
        caller=call.caller,
        caller_name=call.caller_name,
        dnis=call.dnis,
        queue=call.queue,
        agent=agent or call.agent,
        target=target,
        extra=extra or {},
    )


@dataclass(frozen=True, slots=True)
class QueueEvent:
    family: ClassVar[str] = "queue"
    kind: QueueEventKind
    queue: str
    ts: float
    call_id: str | None = None
    caller: str | None = None
    dnis: str | None = None
    position: int | None = None
    wait_s: float | None = None
    reason: str = ""
    stats: dict[str, Any] = field(default_factory=dict, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def wire_type(self) -> str:
        return f"queue.{self.kind.value}"


@dataclass(frozen=True, slots=True)
class AgentEvent:
    family: ClassVar[str] = "agent"
    kind: AgentEventKind
    agent: str
    ts: float
    queue: str | None = None
    state: str = ""
    paused: bool | None = None
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def wire_type(self) -> str:
        return f"agent.{self.kind.value}"


@dataclass(frozen=True, slots=True)
class PbxEvent:
    """The state of the link between a CTI source and its PBX (not of the CTI socket itself)."""

    family: ClassVar[str] = "pbx"
    kind: PbxEventKind
    ts: float
    pbx: str = ""  # which PBX, e.g. "asterisk 127.0.0.1:5038"
    detail: str = ""  # why, for the banner and the log
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def wire_type(self) -> str:
        return f"pbx.{self.kind.value}"


CtiEvent = CallEvent | QueueEvent | AgentEvent | PbxEvent

_FAMILIES: dict[str, tuple[type, type[StrEnum]]] = {
    "call": (CallEvent, CallEventKind),
    "queue": (QueueEvent, QueueEventKind),
    "agent": (AgentEvent, AgentEventKind),
    "pbx": (PbxEvent, PbxEventKind),
}


class EventDecodeError(ValueError):
    """A JSON object that is not a valid CTI event; the message says which field is wrong."""


_WIRE_FIELDS: dict[type, tuple[str, ...]] = {}


def _wire_fields(cls: type) -> tuple[str, ...]:
    names = _WIRE_FIELDS.get(cls)
    if names is None:  # dataclasses.fields() per event was a tenth of the bridge's routing time
        names = _WIRE_FIELDS[cls] = tuple(f.name for f in fields(cls) if f.name != "kind")
    return names


def to_wire(event: CtiEvent) -> dict[str, Any]:
    """The JSON-lines form: {"type": "call.ringing", ...fields}; empty extras and Nones dropped."""
    out: dict[str, Any] = {"type": event.wire_type}
    for name in _wire_fields(type(event)):
        value = getattr(event, name)
        if value is None or (name in ("extra", "stats") and not value):
            continue
        out[name] = value
    return out


def from_wire(obj: Any) -> CtiEvent:
    """Build an event from a decoded JSON object; raises EventDecodeError with a clear reason."""
    if not isinstance(obj, dict):
        raise EventDecodeError("event must be a JSON object")
    wire_type = obj.get("type")
    if not isinstance(wire_type, str) or "." not in wire_type:
        raise EventDecodeError(f"unknown event type {wire_type!r}")
    family, _, kind = wire_type.partition(".")
    if family not in _FAMILIES:
        raise EventDecodeError(f"unknown event type {wire_type!r}")
    cls, kind_enum = _FAMILIES[family]
    try:
        kind_value = kind_enum(kind)
    except ValueError:
        raise EventDecodeError(f"unknown event type {wire_type!r}") from None
    kwargs: dict[str, Any] = {"kind": kind_value}
    for f in fields(cls):
        if f.name == "kind" or f.name not in obj:
            continue
        kwargs[f.name] = _checked(f.name, f.type, obj[f.name])
    if "ts" not in kwargs:
        raise EventDecodeError(f"{wire_type}: missing 'ts'")
    required_fields = {"call": ("call_id",), "queue": ("queue",), "agent": ("agent",), "pbx": ()}
    for required in required_fields[family]:
        if not kwargs.get(required):
            raise EventDecodeError(f"{wire_type}: missing '{required}'")
    return cls(**kwargs)


def _checked(name: str, annotation: Any, value: Any) -> Any:
    text = str(annotation)
    if value is None and "None" in text:
        return None
    if name == "ts" or text.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EventDecodeError(f"'{name}' must be a number")
        return float(value)
    if text.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise EventDecodeError(f"'{name}' must be an integer")
        return value
    if text.startswith("bool"):
        if not isinstance(value, bool):
            raise EventDecodeError(f"'{name}' must be true or false")
        return value
    if text.startswith("dict"):
        if not isinstance(value, dict):
            raise EventDecodeError(f"'{name}' must be an object")
        return value
    if not isinstance(value, str):
        raise EventDecodeError(f"'{name}' must be a string")
    if len(value) > 256:
        raise EventDecodeError(f"'{name}' is longer than 256 characters")
    return value
