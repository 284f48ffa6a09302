"""The pieces of AMI normalisation that hold no state of their own: Asterisk's codes, what the
normaliser remembers per channel and per call, and the small parsers for numbers, dialled numbers,
presentation and channel interfaces (desktop/cti/ami_normalize.py uses them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.cti.ami_parser import AmiMessage
from desktop.cti.events import CtiEvent, QueueEvent, QueueEventKind

# QueueMemberStatus / device state codes (include/asterisk/devicestate.h AST_DEVICE_*).
MEMBER_STATES = {
    "0": "unknown",
    "1": "ready",
    "2": "busy",
    "3": "busy",
    "4": "unavailable",
    "5": "unavailable",
    "6": "ringing",
    "7": "busy",
    "8": "busy",
}
# QUEUESTATUS values (app_queue.c queue_results) that mean the queue let the caller go.
QUEUE_GAVE_UP = {
    "TIMEOUT": "timeout",
    "LEAVEEMPTY": "empty",
    "JOINEMPTY": "empty",
    "LEAVEUNAVAIL": "unavailable",
    "JOINUNAVAIL": "unavailable",
    "FULL": "full",
    "WITHDRAW": "withdraw",
}
DNIS_VARIABLES = frozenset({"DNIS", "FROM_DID", "DID", "CALLERID(DNID)"})
VARSET_WORDS = ("QUEUESTATUS", "DID", "DNIS", "DNID", "CALLERPRES")
NOT_A_NUMBER = frozenset({"", "<unknown>", "unknown", "s", "h", "i", "t"})


@dataclass(slots=True)
class ChannelInfo:
    linkedid: str
    name: str = ""
    caller_raw: str = ""
    caller_name: str = ""
    withheld: bool = False
    dnis: str | None = None
    dnis_from_variable: bool = False
    extens: list[str] = field(default_factory=list)  # all-digit extensions seen, in order
    hangup_requested: bool = False


@dataclass(slots=True)
class TrackedAmiCall:
    call_id: str
    caller_uid: str
    queue: str | None = None
    agent: str | None = None
    caller: str | None = None
    caller_name: str = ""
    dnis: str | None = None
    ended: bool = False
    caller_channel: str = ""
    agent_channel: str = ""
    withheld: bool = False


@dataclass(slots=True)
class PendingAbandon:
    queue: str
    call_id: str
    ts: float
    position: int | None
    wait_s: float | None
    extra: dict[str, Any]
    caller: str | None = None  # for the missed-call list's call back (None: withheld or unknown)


def to_int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def to_float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def note_presentation(ch: ChannelInfo, application: str, app_data: str) -> None:
    """Set(CALLERID(num-pres)=prohib) changes no number, so Asterisk sends no NewCallerid for it
    (manager_channels.c compares only number and name): read it from the dialplan step."""
    if application == "SetCallerPres":
        value = app_data
    elif application == "Set" and app_data.upper().startswith(("CALLERID(NUM-PRES)=", "CALLERID(PRES)=")):
        value = app_data.partition("=")[2]
    else:
        return
    ch.withheld = presentation_withheld(value)


def presentation_withheld(value: str) -> bool:
    """An Asterisk presentation (`prohib_not_screened`, `allowed`, 32, ...) that hides the number."""
    value = value.strip().lower()
    if value.isdigit():
        return int(value) & 0x60 != 0  # AST_PRES_RESTRICTED 0x20, AST_PRES_UNAVAILABLE 0x40
    return value.startswith(("prohib", "unavailable"))


def dnis_of(ch: ChannelInfo, caller_raw: str) -> str | None:
    """The dialled number: a DNIS/FROM_DID variable, else the first all-digit extension the
    caller's channel was at -- skipping the caller's own number (Local/<caller>@... channels)."""
    if ch.dnis_from_variable:
        return ch.dnis
    own = "".join(c for c in caller_raw if c.isdigit())
    for exten in ch.extens:
        if not own or "".join(c for c in exten if c.isdigit()) != own:
            return exten
    return None


def numeric_exten(exten: str) -> str | None:
    text = exten.strip()
    if text.lower() in NOT_A_NUMBER:
        return None
    digits = text[1:] if text.startswith("+") else text
    if len(digits) >= 3 and digits.isdigit() and digits.isascii():
        return text
    return None


def channel_interface(channel: str) -> str:
    """`PJSIP/1001-0000002a` -> `PJSIP/1001` (the interface a queue member or Dial() names);
    Local channels keep their `@context` part: `Local/2001@default-00000001;2` -> `Local/2001@default`."""
    name = channel.strip()
    if ";" in name:
        name = name.rsplit(";", 1)[0]
    base, dash, suffix = name.rpartition("-")
    if dash and base and suffix and all(c in "0123456789abcdefABCDEF" for c in suffix):
        return base
    return name


def queue_params_events(m: AmiMessage, ts: float) -> list[CtiEvent]:
    """QueueParams (a QueueStatus answer) -> queue.stats."""
    h = m.headers
    queue = h.get("Queue", "")
    if not queue:
        return []
    stats: dict[str, Any] = {"strategy": h.get("Strategy", "")}
    for key, name in (
        ("Calls", "waiting"),
        ("Holdtime", "avg_wait_s"),
        ("TalkTime", "avg_talk_s"),
        ("Completed", "answered"),
        ("Abandoned", "abandoned"),
        ("ServiceLevel", "service_level_threshold_s"),
        ("ServicelevelPerf", "service_level_pct"),
        ("ServicelevelPerf2", "service_level2_pct"),
        ("Max", "max"),
        ("Weight", "weight"),
    ):
        value = to_float(h.get(key, ""))
        if value is not None:
            stats[name] = int(value) if value.is_integer() and "pct" not in name else value
    return [QueueEvent(QueueEventKind.STATS, queue=queue, ts=ts, stats=stats, extra={"snapshot": True})]
