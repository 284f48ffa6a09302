"""The stateless parts of the FreeSWITCH normaliser (desktop/cti/esl.py): mod_callcenter's words,
what it remembers per channel and per call, and the small field readers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from typing import Any

from calldesk_domain.phone import is_withheld
from desktop.cti.esl_parser import EslEvent
from desktop.cti.events import AgentEvent, AgentEventKind, CallEvent, CtiEvent

log = logging.getLogger("desktop.cti.esl")

CALLCENTER_SUBCLASS = "callcenter::info"
SUBSCRIBED_EVENTS = (
    "CHANNEL_CREATE CHANNEL_OUTGOING CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE "
    "CHANNEL_HOLD CHANNEL_UNHOLD "
    "BACKGROUND_JOB CUSTOM callcenter::info"
)
# CC-Cancel-Reason (mod_callcenter.c MEMBER_CANCEL_REASON_CHART): who ended the wait.
ABANDON_REASONS = {"NONE": "hangup", "BREAK_OUT": "break_out", "EXIT_WITH_KEY": "exit_with_key"}
TIMEOUT_REASONS = {"TIMEOUT": "timeout", "NO_AGENT_TIMEOUT": "empty"}
AGENT_STATES = {
    "waiting": "ready",
    "receiving": "ringing",
    "in a queue call": "busy",
    "idle": "unavailable",
}
PAUSED_STATUS = "on break"
AVAILABLE_STATUSES = frozenset({"available", "available (on demand)"})
LOGGED_OUT_STATUS = "logged out"
# FreeSWITCH's own placeholder for a number it does not have, beside what every PBX sends
_FREESWITCH_NO_NUMBER = "0000000000"


def _withheld(raw: str | None) -> bool:
    return is_withheld(raw) or (raw or "").strip() == _FREESWITCH_NO_NUMBER


def _float(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _number_like(text: str | None) -> str | None:
    value = (text or "").strip()
    digits = value[1:] if value.startswith("+") else value
    if len(digits) >= 3 and digits.isdigit() and digits.isascii():
        return value
    return None


_TRANSFER_KINDS = (":bl_xfer:", ":att_xfer:", ":uuid_xfer:")


def _transfer_target(e: EslEvent) -> str | None:
    """Where the caller's channel was transferred to ("" if unknown), or None if it was not.
    A transfer stamps the caller profile: `Caller-Transfer-Source`
    "<epoch>:<uuid>:bl_xfer:<dest>/<context>/XML" (mod_callcenter's own bridge leaves "uuid_br"
    there, which is no transfer) or a transfer time."""
    source = e.get("Caller-Transfer-Source")
    for kind in _TRANSFER_KINDS:
        if kind in source:
            return source.split(kind, 1)[1].split("/", 1)[0]
    if (_float(e.get("Caller-Channel-Transfer-Time")) or 0) > 0:
        return e.get("Caller-Destination-Number")
    return None


def _caller_gone(e: EslEvent) -> bool:
    return e.get("Channel-Call-State") == "HANGUP" or e.get("Answer-State") == "hangup"


MAX_FIELD = 256  # the CTI protocol's string limit (docs/cti-protocol.md)


def _fit(events: list[CtiEvent]) -> list[CtiEvent]:
    """Clip over-long strings to the protocol's limit and drop events missing their key field, so
    every event is one the desktop accepts, whatever the PBX sent."""
    out: list[CtiEvent] = []
    for event in events:
        changes: dict[str, Any] = {
            f.name: value[:MAX_FIELD]
            for f in fields(event)
            if isinstance(value := getattr(event, f.name), str) and len(value) > MAX_FIELD
        }
        if changes:
            event = replace(event, **changes)
        key = event.call_id if isinstance(event, CallEvent) else getattr(event, event.family, "")
        if not key:
            log.debug("ESL: dropped a %s without its %s", event.wire_type, event.family)
            continue
        out.append(event)
    return out


def _agent(kind: AgentEventKind, agent: str, ts: float, **fields: Any) -> AgentEvent:
    return AgentEvent(kind, agent=agent, ts=ts, **fields)


@dataclass(slots=True)
class _Channel:
    first_destination: str | None = None


@dataclass(slots=True)
class _Call:
    call_id: str
    queue: str | None = None
    caller: str | None = None
    caller_raw: str = ""
    caller_name: str = ""
    dnis: str | None = None
    join_ts: float | None = None
    agent: str | None = None
    answered: bool = False
    in_queue: bool = False
    agent_left: bool = False  # the agent's bridge ended while the caller stayed up
    transferred: bool = False
    ended: bool = False
    hangup: tuple[float, dict[str, Any]] | None = None  # held back until the queue says why
    extra: dict[str, Any] = field(default_factory=dict)
