"""The call-control commands a desktop sends to its PBX, as typed values, and their outcomes.

A command arrives as a wire dict (docs/cti-protocol.md, `{"type":"command","action":...}`), from
the bridge's desktop links or the local CTI socket. `parse_command` turns it into one of the
frozen dataclasses below or raises `CommandError` saying what is wrong; nothing half-valid reaches
a PBX. Each PBX connector (`ami_commands`, `esl_commands`) runs a parsed command and answers a
`CommandOutcome`: accepted, refused (with the PBX's own reason), unsupported (with why and what
to do instead), timeout, or link down.

    command = parse_command({"action": "pause", "reason": "lunch"}, reasons=("lunch", "break"))
    outcome = await executor.run(command, identity="1001")
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Action(enum.StrEnum):
    ANSWER = "answer"
    HANGUP = "hangup"
    HOLD = "hold"
    UNHOLD = "unhold"
    TRANSFER = "transfer"  # blind
    CONSULT = "consult"  # attended transfer, first step: the agent talks to the target
    CONSULT_COMPLETE = "consult.complete"  # the caller is joined to the target, the agent leaves
    CONSULT_SWAP = "consult.swap"  # the agent toggles between the caller and the target
    CONSULT_CANCEL = "consult.cancel"  # the target is dropped, the agent is back with the caller
    CONFERENCE = "conference"  # during a consult: caller, agent and target all together
    DIAL = "dial"
    DTMF = "dtmf"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"
    FORCE_PAUSE = "force.pause"  # a supervisor sets another agent not ready
    FORCE_READY = "force.ready"  # ... or ready


CALL_ACTIONS = frozenset(
    {
        Action.ANSWER,
        Action.HANGUP,
        Action.HOLD,
        Action.UNHOLD,
        Action.CONSULT_COMPLETE,
        Action.CONSULT_SWAP,
        Action.CONSULT_CANCEL,
        Action.CONFERENCE,
    }
)
TRANSFER_ACTIONS = frozenset({Action.TRANSFER, Action.CONSULT})
SPY_ACTIONS = frozenset({Action.LISTEN, Action.WHISPER, Action.BARGE})
SUPERVISOR_ACTIONS = SPY_ACTIONS | {Action.FORCE_PAUSE, Action.FORCE_READY}
ACTIONS = frozenset(Action)

DEFAULT_REASONS = ("break", "lunch", "meeting", "training", "acw")
MAX_FIELD = 64
_CALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")
_TARGET = re.compile(r"[A-Za-z0-9+*#][A-Za-z0-9+*#._@-]{0,63}")  # extension, queue, number, agent
_AGENT = re.compile(r"[\w/@.:;+-][\w /@.:;+-]{0,63}")  # "1001", "Li Lei", "王芳", "PJSIP/1001"
_DIGITS = re.compile(r"[0-9*#A-Da-d]{1,32}")
_REASON = re.compile(r"[\w][\w .-]{0,63}")
_DIALLABLE = re.compile(r"\+?[0-9*#]{2,32}")
_NUMBER_NOISE = re.compile(r"[\s().-]")


class CommandError(ValueError):
    """A command that cannot be run as sent; the message says which field is wrong and why."""


@dataclass(frozen=True, slots=True)
class CallCommand:
    """A command on one of the agent's own calls (answer, hangup, hold, consult steps ...)."""

    action: Action
    call_id: str


@dataclass(frozen=True, slots=True)
class TransferCommand:
    """Blind transfer or attended-transfer consult of `call_id` to `target`."""

    action: Action
    call_id: str
    target: str
    context: str | None = None  # the dialplan context; None: the connector's configured one


@dataclass(frozen=True, slots=True)
class DialCommand:
    """Click-to-dial from the agent's own phone: ring it, then call `number`."""

    number: str
    action: Action = Action.DIAL


@dataclass(frozen=True, slots=True)
class DtmfCommand:
    call_id: str
    digits: str
    action: Action = Action.DTMF


@dataclass(frozen=True, slots=True)
class PauseCommand:
    """pause/unpause the agent itself, or force.pause/force.ready of `agent` by a supervisor."""

    action: Action
    reason: str = ""
    queue: str | None = None  # None: every queue the agent is in
    agent: str | None = None  # None: the agent that sent the command

    @property
    def paused(self) -> bool:
        return self.action in (Action.PAUSE, Action.FORCE_PAUSE)


@dataclass(frozen=True, slots=True)
class SpyCommand:
    """A supervisor listens to, whispers to or barges into `agent`'s call (`call_id` if known)."""

    action: Action
    agent: str
    call_id: str | None = None


PbxCommand = CallCommand | TransferCommand | DialCommand | DtmfCommand | PauseCommand | SpyCommand


class OutcomeStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"  # the PBX said no; `message` carries its reason
    UNSUPPORTED = "unsupported"  # this PBX cannot do it; `message` says why and what to do instead
    TIMEOUT = "timeout"
    DISCONNECTED = "disconnected"
    INVALID = "invalid"  # the command itself was malformed


CONTENT_FREE_REPLIES = frozenset({"+OK", "OK", "Success"})  # ESL's bare "+OK" says nothing more


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    status: OutcomeStatus
    message: str
    pbx_reply: str = ""  # the PBX's own words (AMI Message, ESL reply text), for the log and the UI
    call_id: str | None = None  # the new call's id, where the command placed one (dial)

    @property
    def ok(self) -> bool:
        return self.status is OutcomeStatus.ACCEPTED

    def as_result(self) -> tuple[bool, str]:
        """The (ok, message) pair of the bridge's `execute` seam and of `command.result`. An
        accepted command also carries the PBX's own words (`calldesk agent pause` prints "paused
        (lunch) (PBX: Interface paused successfully)"); a refusal has them in `message` already."""
        text, words = self.message, self.pbx_reply.strip()
        if self.ok and words and words not in CONTENT_FREE_REPLIES and words not in text:
            text = f"{text} (PBX: {words})"
        return self.ok, text[:256]

    @classmethod
    def accepted(cls, message: str, pbx_reply: str = "", call_id: str | None = None) -> CommandOutcome:
        return cls(OutcomeStatus.ACCEPTED, message, pbx_reply, call_id)

    @classmethod
    def refused(cls, what: str, pbx_reply: str) -> CommandOutcome:
        reason = pbx_reply.strip() or "no reason given"
        return cls(OutcomeStatus.REFUSED, f"the PBX refused {what}: {reason}", pbx_reply)

    @classmethod
    def unsupported(cls, message: str) -> CommandOutcome:
        return cls(OutcomeStatus.UNSUPPORTED, message)


# ---- parsing ------------------------------------------------------------------------------------
def _text(wire: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = wire.get(key)
    if value is None or value == "":
        if required:
            raise CommandError(f"{wire.get('action')} needs {key!r}")
        return None
    if not isinstance(value, str):
        raise CommandError(f"{key!r} must be a string, not {type(value).__name__}")
    if len(value) > 256:
        raise CommandError(f"{key!r} is longer than 256 characters")
    return value.strip()


def _matching(
    wire: Mapping[str, Any], key: str, pattern: re.Pattern[str], what: str, *, required: bool
) -> str | None:
    value = _text(wire, key, required=required)
    if value is None:
        return None
    if not pattern.fullmatch(value):
        raise CommandError(f"{key!r} is not {what}: {value[:40]!r}")
    return value


def _call_id(wire: Mapping[str, Any]) -> str:
    value = _matching(wire, "call_id", _CALL_ID, "a call id", required=True)
    assert value is not None
    return value


def _agent(wire: Mapping[str, Any]) -> str:
    value = _matching(wire, "target", _AGENT, "an agent (name, id or interface)", required=True)
    assert value is not None
    return value


def _target(wire: Mapping[str, Any], key: str = "target") -> str:
    value = _matching(wire, key, _TARGET, "an extension, queue, agent or number", required=True)
    assert value is not None
    return value


def dialable_number(raw: str) -> str:
    """The digits to dial for what an agent typed or a tel: URI ('tel:+86 138-0013-8000')."""
    text = _NUMBER_NOISE.sub("", raw.strip().removeprefix("tel:").removeprefix("callto:"))
    if not _DIALLABLE.fullmatch(text):
        raise CommandError(f"{raw[:40]!r} is not a number that can be dialled")
    return text


def check_reason(reason: str | None, reasons: Collection[str] | None) -> str:
    """A pause reason: non-empty, a plain word or phrase, and one of `reasons` when given."""
    if reason is None or not reason.strip():
        raise CommandError("a pause needs a reason")
    reason = reason.strip()
    if not _REASON.fullmatch(reason):
        raise CommandError(f"{reason[:40]!r} is not a reason code (letters, digits, space, . - _)")
    if reasons is not None and reason not in reasons:
        raise CommandError(f"unknown reason {reason!r}; use one of: {', '.join(sorted(reasons))}")
    return reason


def parse_command(wire: Any, reasons: Collection[str] | None = None) -> PbxCommand:
    """A wire dict -> a typed command; CommandError (with a clear message) on anything wrong.

    `reasons`: the configured pause reason codes; None accepts any well-formed reason."""
    if not isinstance(wire, Mapping):
        raise CommandError("a command must be a JSON object")
    raw_action = wire.get("action")
    if not isinstance(raw_action, str) or raw_action not in ACTIONS:
        raise CommandError(f"unknown action {raw_action!r}; expected one of {', '.join(sorted(ACTIONS))}")
    action = Action(raw_action)
    if action in CALL_ACTIONS:
        return CallCommand(action, _call_id(wire))
    if action in TRANSFER_ACTIONS:
        context = _matching(wire, "context", _TARGET, "a dialplan context", required=False)
        return TransferCommand(action, _call_id(wire), _target(wire), context)
    if action is Action.DIAL:
        number = _text(wire, "target", required=False) or _text(wire, "number", required=False)
        if number is None:
            raise CommandError("dial needs 'target' (the number)")
        return DialCommand(dialable_number(number))
    if action is Action.DTMF:
        digits = _matching(wire, "digits", _DIGITS, "DTMF digits (0-9 * # A-D, up to 32)", required=True)
        assert digits is not None
        return DtmfCommand(_call_id(wire), digits)
    if action in SPY_ACTIONS:
        call_id = _matching(wire, "call_id", _CALL_ID, "a call id", required=False)
        return SpyCommand(action, _agent(wire), call_id)
    queue = _matching(wire, "queue", _TARGET, "a queue name", required=False)
    agent = _agent(wire) if action in (Action.FORCE_PAUSE, Action.FORCE_READY) else None
    if action in (Action.PAUSE, Action.FORCE_PAUSE):
        return PauseCommand(
            action, check_reason(_text(wire, "reason", required=False), reasons), queue, agent
        )
    return PauseCommand(action, "", queue, agent)


def needs_supervisor(command: PbxCommand) -> bool:
    """Spying and forcing another agent's state are for supervisors: the bridge checks the role."""
    return command.action in SUPERVISOR_ACTIONS


class CommandRunner(Protocol):
    """A PBX connector's command side (ami_commands.AmiCommands, esl_commands.EslCommands)."""

    async def run(self, command: PbxCommand, identity: str) -> CommandOutcome: ...

    def unsupported(self) -> dict[Action, str]: ...


async def execute_wire(
    runner: CommandRunner,
    action: str,
    identity: str,
    wire: Mapping[str, Any],
    reasons: Collection[str] | None = None,
) -> tuple[bool, str]:
    """The bridge's adapter seam `execute(action, identity, command) -> (ok, message)`: parse the
    wire command (a malformed one is refused with the parser's message) and run it."""
    try:
        command = parse_command({**wire, "action": action}, reasons)
    except CommandError as exc:
        return False, str(exc)
    outcome = await runner.run(command, identity)
    return outcome.as_result()
