"""Who may do what through the bridge. The bridge, not the desktop, decides: an agent acts only on
its own interface and on calls that rang its own phone; a supervisor may also pause and unpause
other agents, force them ready or not ready, and listen to, whisper to or barge into their calls
(pbx_commands.needs_supervisor). Returns the PBX command with everything the adapter needs
already resolved: the acting `interface`, and for a supervisor's action the other agent's
interface as `target`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from desktop.cti.bridge.identity import Identity
from desktop.cti.bridge.router import Router, interface_key
from desktop.cti.pbx_commands import (
    CALL_ACTIONS as PBX_CALL_ACTIONS,
)
from desktop.cti.pbx_commands import (
    SPY_ACTIONS,
    SUPERVISOR_ACTIONS,
    TRANSFER_ACTIONS,
    Action,
    CommandError,
    parse_command,
)

TARGETED_ACTIONS = frozenset(a.value for a in TRANSFER_ACTIONS)  # transfer, consult: need a number
CALL_ACTIONS = frozenset(a.value for a in PBX_CALL_ACTIONS) | TARGETED_ACTIONS | {Action.DTMF.value}
AGENT_ACTIONS = frozenset({"pause", "unpause"})
OTHER_AGENT_ACTIONS = frozenset(a.value for a in SUPERVISOR_ACTIONS)
COMMAND_ACTIONS = CALL_ACTIONS | AGENT_ACTIONS | OTHER_AGENT_ACTIONS | {"dial"}
_NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")
_DIGITS = re.compile(r"^[0-9*#A-Da-d]{1,32}$")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    message: str
    command: dict[str, Any]


def _refuse(message: str) -> Decision:
    return Decision(False, message, {})


def _number(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = "".join(c for c in value if c not in " -().")
    return text if _NUMBER.match(text) else None


def authorise(identity: Identity, message: dict[str, Any], router: Router) -> Decision:
    action = message.get("action")
    if not isinstance(action, str) or action not in COMMAND_ACTIONS:
        return _refuse(f"unknown action {action!r}")
    own = interface_key(identity.pbx_interface) if identity.pbx_interface else ""
    command: dict[str, Any] = {"action": action, "agent": identity.agent_id, "interface": own}
    if action in CALL_ACTIONS:
        call_id = message.get("call_id")
        if not isinstance(call_id, str) or not call_id or len(call_id) > 256:
            return _refuse(f"{action} needs a call_id")
        if not own or not router.legs.has_leg(call_id, own):
            return _refuse(
                f"call {call_id} is not ringing or connected at your phone ({own or 'no interface'})"
            )
        command["call_id"] = call_id
        if action in TARGETED_ACTIONS:
            target = _number(message.get("target"))
            if target is None:
                return _refuse(f"{action} needs a target: an extension, queue number or phone number")
            command["target"] = target
        if action == Action.DTMF.value:
            digits = message.get("digits")
            if not isinstance(digits, str) or not _DIGITS.match(digits):
                return _refuse("dtmf needs digits (0-9 * # A-D, at most 32)")
            command["digits"] = digits
        return Decision(True, "", command)
    if action in OTHER_AGENT_ACTIONS:
        return _for_other_agent(identity, action, message, router, command)
    if action == "dial":
        target = _number(message.get("target"))
        if target is None:
            return _refuse("dial needs a number (digits, optional leading +, at most 32)")
        if not own:
            return _refuse("your user record has no PBX interface: ask an admin to set pbx_interface")
        command["target"] = target
        return Decision(True, "", command)
    # pause / unpause, for oneself or (supervisors) for another agent
    subject = message.get("agent") or identity.agent_id
    if not isinstance(subject, str) or len(subject) > 64:
        return _refuse("agent must be an agent id")
    if subject != identity.agent_id:
        if not identity.supervisor:
            return _refuse("only a supervisor may pause or unpause another agent")
        other = router.agent_interface(subject)
        if other is None:
            return _refuse(f"agent {subject} is not connected to this bridge (interface unknown)")
        command.update(agent=subject, interface=other)
    elif not own:
        return _refuse("your user record has no PBX interface: ask an admin to set pbx_interface")
    reason = message.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 64:
        return _refuse("reason must be a short text")
    queue = message.get("queue")
    if queue is not None and (not isinstance(queue, str) or len(queue) > 128):
        return _refuse("queue must be a queue name")
    command["reason"] = reason if action == "pause" else ""
    if queue:
        command["queue"] = queue
    return Decision(True, "", command)


def _for_other_agent(
    identity: Identity, action: str, message: dict[str, Any], router: Router, command: dict[str, Any]
) -> Decision:
    """listen / whisper / barge / force.pause / force.ready: `target` is a CallDesk agent id."""
    try:
        parsed = parse_command(message)
    except CommandError as exc:
        return _refuse(str(exc))
    if parsed.action in SUPERVISOR_ACTIONS and not identity.supervisor:
        return _refuse(f"only a supervisor may {action} another agent")
    subject = message.get("target")
    assert isinstance(subject, str)  # parse_command checked it
    other = router.agent_interface(subject.strip())
    if other is None:
        return _refuse(f"agent {subject[:64]} is not connected to this bridge (interface unknown)")
    command["target"] = other
    if parsed.action in SPY_ACTIONS:
        call_id = message.get("call_id")
        if call_id:
            if not isinstance(call_id, str) or not router.legs.has_leg(call_id, other):
                return _refuse(f"call {str(call_id)[:64]} is not a call of agent {subject[:64]}")
            command["call_id"] = call_id
        if not command["interface"]:  # the supervisor's own phone is the one that listens
            return _refuse("your user record has no PBX interface: ask an admin to set pbx_interface")
        return Decision(True, "", command)
    reason = message.get("reason", "")
    command["reason"] = reason if action == Action.FORCE_PAUSE.value else ""
    queue = message.get("queue")
    if queue:
        command["queue"] = queue
    return Decision(True, "", command)
