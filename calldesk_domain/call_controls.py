"""Which call controls an agent can use now: per call phase and per PBX capability.

A control the call phase does not allow is disabled (`Why.NOT_NOW`); one the PBX connector cannot
do is disabled with the connector's own reason (`Why.PBX_CANNOT`, the text of
`AmiCommands.unsupported()` / `EslCommands.unsupported()`), so no button silently does nothing.

    states = availability(CallPhase.TALKING, unsupported={"hold": "use the phone's hold key"})
    states[Control.HOLD].enabled  # False, states[Control.HOLD].reason says why

Control values are the command layer's action names, so its `unsupported()` maps key straight in.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any


class CallPhase(enum.StrEnum):
    IDLE = "idle"
    RINGING = "ringing"  # an inbound call rings on the agent's phone
    OUTBOUND_RINGING = "outbound_ringing"  # the agent dialled out, the far end rings
    TALKING = "talking"
    HELD = "held"
    CONSULTING = "consulting"  # attended transfer: the agent talks to the target, the caller waits
    CONFERENCE = "conference"  # caller, agent and consult target together


class Control(enum.StrEnum):
    ANSWER = "answer"
    HANGUP = "hangup"
    HOLD = "hold"
    UNHOLD = "unhold"
    MUTE = "mute"
    TRANSFER = "transfer"
    CONSULT = "consult"
    CONSULT_COMPLETE = "consult.complete"
    CONSULT_SWAP = "consult.swap"
    CONSULT_CANCEL = "consult.cancel"
    CONFERENCE = "conference"
    DTMF = "dtmf"
    DIAL = "dial"


class Why(enum.StrEnum):
    OK = "ok"
    NOT_NOW = "not_now"  # the call phase does not allow it
    PBX_CANNOT = "pbx_cannot"  # the PBX link cannot do it; `reason` says why and what instead


ALLOWED: Mapping[CallPhase, frozenset[Control]] = {
    CallPhase.IDLE: frozenset({Control.DIAL}),
    CallPhase.RINGING: frozenset({Control.ANSWER, Control.HANGUP}),
    CallPhase.OUTBOUND_RINGING: frozenset({Control.HANGUP, Control.MUTE}),
    CallPhase.TALKING: frozenset(
        {Control.HANGUP, Control.HOLD, Control.MUTE, Control.TRANSFER, Control.CONSULT, Control.DTMF}
    ),
    CallPhase.HELD: frozenset({Control.HANGUP, Control.UNHOLD, Control.TRANSFER, Control.CONSULT}),
    CallPhase.CONSULTING: frozenset(
        {
            Control.HANGUP,
            Control.MUTE,
            Control.DTMF,
            Control.CONSULT_COMPLETE,
            Control.CONSULT_SWAP,
            Control.CONSULT_CANCEL,
            Control.CONFERENCE,
        }
    ),
    # complete: the agent leaves, the caller and the target stay connected
    CallPhase.CONFERENCE: frozenset({Control.HANGUP, Control.MUTE, Control.DTMF, Control.CONSULT_COMPLETE}),
}

# Neither connector has a mute command: mute stays with the phone unless a connector says otherwise.
MUTE_REASON = "the PBX link has no mute command: use the phone's mute key"
NOT_A_COMMAND_REASON = "the PBX link has no command for this"
COMMAND_CONTROLS = frozenset(Control) - {Control.MUTE}


@dataclass(frozen=True, slots=True)
class ControlState:
    enabled: bool
    why: Why
    reason: str = ""  # for PBX_CANNOT: the connector's words

    @classmethod
    def ok(cls) -> ControlState:
        return cls(True, Why.OK)


def availability(
    phase: CallPhase,
    unsupported: Mapping[Any, str] | None = None,
    supported: Collection[str] = COMMAND_CONTROLS,
) -> dict[Control, ControlState]:
    """Every control's state in `phase`. `unsupported`: action -> why the PBX cannot (the
    connector's `unsupported()`); `supported`: the controls the PBX link has a command for."""
    cannot = {str(action): reason for action, reason in (unsupported or {}).items()}
    allowed = ALLOWED[phase]
    states: dict[Control, ControlState] = {}
    for control in Control:
        if control.value in cannot:
            states[control] = ControlState(False, Why.PBX_CANNOT, cannot[control.value])
        elif control.value not in supported:
            reason = MUTE_REASON if control is Control.MUTE else NOT_A_COMMAND_REASON
            states[control] = ControlState(False, Why.PBX_CANNOT, reason)
        elif control in allowed:
            states[control] = ControlState.ok()
        else:
            states[control] = ControlState(False, Why.NOT_NOW)
    return states


# AgentSession.CallInfo.state and callstate use the last CTI event's kind for some phases
_STATE_ALIASES = {"answered": CallPhase.TALKING, "unheld": CallPhase.TALKING, "ended": CallPhase.IDLE}


def phase_of(call_state: str | None) -> CallPhase:
    """The phase for a call state as the PBX reports it ("ringing", "answered"/"talking", "held",
    "consulting", "conference", "outbound_ringing", "ended"); None: IDLE. An unknown state also
    gives IDLE, so no control acts on a call whose state we cannot read."""
    if not call_state:
        return CallPhase.IDLE
    if call_state in _STATE_ALIASES:
        return _STATE_ALIASES[call_state]
    try:
        return CallPhase(call_state)
    except ValueError:
        return CallPhase.IDLE


def phase_after(phase: CallPhase, control: Control) -> CallPhase:
    """The phase a control leads to once the PBX confirms it (what the call bar expects next)."""
    table: Mapping[tuple[CallPhase, Control], CallPhase] = {
        (CallPhase.RINGING, Control.ANSWER): CallPhase.TALKING,
        (CallPhase.TALKING, Control.HOLD): CallPhase.HELD,
        (CallPhase.HELD, Control.UNHOLD): CallPhase.TALKING,
        (CallPhase.TALKING, Control.CONSULT): CallPhase.CONSULTING,
        (CallPhase.HELD, Control.CONSULT): CallPhase.CONSULTING,
        (CallPhase.CONSULTING, Control.CONSULT_CANCEL): CallPhase.TALKING,
        (CallPhase.CONSULTING, Control.CONFERENCE): CallPhase.CONFERENCE,
        (CallPhase.CONSULTING, Control.CONSULT_SWAP): CallPhase.CONSULTING,
        (CallPhase.IDLE, Control.DIAL): CallPhase.OUTBOUND_RINGING,
    }
    if control in (Control.HANGUP, Control.TRANSFER, Control.CONSULT_COMPLETE):
        return CallPhase.IDLE
    return table.get((phase, control), phase)


_NUMBER_NOISE = re.compile(r"[\s().-]")
_DIALLABLE = re.compile(r"\+?[0-9*#]{2,32}")
_TARGET = re.compile(r"[A-Za-z0-9+*#][A-Za-z0-9+*#._@-]{0,63}")
DTMF_KEYS = "123456789*0#"


def dial_digits(raw: str) -> str | None:
    """What an agent typed ('138 0013-8000', 'tel:+86...') as digits to dial, or None."""
    text = _NUMBER_NOISE.sub("", raw.strip().removeprefix("tel:"))
    return text if _DIALLABLE.fullmatch(text) else None


def transfer_target(raw: str) -> str | None:
    """An extension, queue, agent id or number typed as a transfer target, or None."""
    text = _NUMBER_NOISE.sub("", raw.strip())
    return text if _TARGET.fullmatch(text) else None


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """What the agent asked of the PBX; `to_wire()` is the CTI command (docs/cti-protocol.md)."""

    control: Control
    call_id: str | None = None
    target: str | None = None  # transfer/consult target, or the number to dial
    digits: str | None = None  # DTMF

    def to_wire(self) -> dict[str, str]:
        wire = {"action": self.control.value}
        if self.call_id is not None and self.control is not Control.DIAL:
            wire["call_id"] = self.call_id
        if self.target is not None:
            wire["target"] = self.target
        if self.digits is not None:
            wire["digits"] = self.digits
        return wire
