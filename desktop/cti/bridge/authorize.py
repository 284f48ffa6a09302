"""Who may do what through the bridge. The bridge, not the desktop, decides: an agent acts only on
its own interface and on calls that rang its own phone; a supervisor may also pause and unpause
other agents. Returns the PBX command with everything the adapter needs already resolved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from desktop.cti.bridge.identity import Identity
from desktop.cti.bridge.router import Router, interface_key

CALL_ACTIONS = frozenset({"answer", "hangup", "hold", "unhold", "transfer"})
AGENT_ACTIONS = frozenset({"pause", "unpause"})
COMMAND_ACTIONS = CALL_ACTIONS | AGENT_ACTIONS | {"dial"}
_NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")


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
        if action == "transfer":
            target = _number(message.get("target"))
            if target is None:
                return _refuse("transfer needs a target: an extension, queue number or phone number")
            command["target"] = target
        return Decision(True, "", command)
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
