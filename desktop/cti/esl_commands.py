"""Call-control commands over the FreeSWITCH event socket (mod_commands, mod_dptools, mod_callcenter).

- answer: `api uuid_answer <agent leg>`; hangup: `api uuid_kill <call>`
- hold / unhold: `api uuid_hold [off] <agent leg>` (the caller hears hold music)
- transfer: `api uuid_transfer <call> <target> XML <context>`
- consult: `api uuid_broadcast <agent leg> att_xfer::loopback/<target>/<context> aleg`
- consult.complete / consult.cancel / conference: `api uuid_recv_dtmf <agent leg> *` / `#` / `0`,
  att_xfer's `attxfer_hangup_key`, `attxfer_cancel_key`, `attxfer_conf_key` (three-way)
- consult.swap: refused, att_xfer has no swap key
- dial: `bgapi originate {origination_uuid=...}user/<agent> <number> XML <context>`
- dtmf: `api uuid_send_dtmf <call> <digits>` (to the far party)
- pause / unpause / force.*: `api callcenter_config agent set status <agent> '<status>'`
  (reason -> status, default 'On Break'; ready = 'Available')
- listen / whisper / barge: `bgapi originate {...}user/<supervisor> &eavesdrop(<agent leg>)`
  (whisper adds `eavesdrop_whisper_aleg=true`) / `&three_way(<agent leg>)`

A call is known by its queue call id (the member session uuid); the agent's own leg comes from
mod_callcenter's agent-offering / bridge-agent-start events (EslClient.agent_legs), else the
call id itself is the agent's leg (a click-to-dial call's origination_uuid).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from desktop.cti.command_set import PbxCommandSet
from desktop.cti.esl_client import EslClient, EslConnectionError, EslError, EslReply, EslTimeout, quote_arg
from desktop.cti.pbx_commands import (
    Action,
    CallCommand,
    CommandOutcome,
    DialCommand,
    DtmfCommand,
    PauseCommand,
    SpyCommand,
    TransferCommand,
)

log = logging.getLogger(__name__)

SWAP_REFUSAL = (
    "FreeSWITCH's attended transfer (att_xfer) cannot swap between the caller and the target: "
    "complete, cancel, or make it a conference"
)
QUEUE_PAUSE_REFUSAL = (
    "FreeSWITCH's mod_callcenter sets an agent's status for every queue at once: pause without a queue"
)
UNSUPPORTED: dict[Action, str] = {Action.CONSULT_SWAP: SWAP_REFUSAL}
# uuid_answer, uuid_hold, uuid_recv_dtmf of att_xfer's keys: all act on the agent's own leg
AGENT_LEG_ACTIONS = (
    Action.ANSWER,
    Action.HOLD,
    Action.UNHOLD,
    Action.CONSULT_COMPLETE,
    Action.CONSULT_CANCEL,
    Action.CONFERENCE,
)
SPY_NEEDS_CALL = "FreeSWITCH listens to a call, not to an agent: choose the agent's call"


@dataclass
class EslCommandConfig:
    context: str = "default"
    endpoint: str = "user/{agent}"  # the agent's (or supervisor's) phone
    ready_status: str = "Available"
    pause_status: str = "On Break"
    status_for_reason: dict[str, str] = field(default_factory=dict)  # e.g. {"logout": "Logged Out"}
    complete_key: str = "*"  # att_xfer's attxfer_hangup_key (FreeSWITCH's default)
    cancel_key: str = "#"  # attxfer_cancel_key
    conference_key: str = "0"  # attxfer_conf_key


class EslCommands(PbxCommandSet):
    """Runs typed commands through an EslClient; every answer is a CommandOutcome."""

    timeout_error = EslTimeout
    connection_error = EslConnectionError
    link_error = EslError
    unsupported_actions = UNSUPPORTED

    def __init__(self, client: EslClient, config: EslCommandConfig | None = None) -> None:
        self.client = client
        self.config = config or EslCommandConfig()
        self._handlers = self._handler_table(
            dict.fromkeys(AGENT_LEG_ACTIONS, self._on_agent_leg) | {Action.CONSULT_SWAP: self._swap}
        )

    def agent_leg(self, call_id: str) -> str:
        return self.client.agent_legs.get(call_id, call_id)

    async def _api(self, what: str, line: str, done: str) -> CommandOutcome:
        reply = await self.client.api(line)
        return _outcome(what, reply, done)

    # ---- the commands -------------------------------------------------------------------------
    async def _on_agent_leg(self, command: CallCommand, identity: str) -> CommandOutcome:
        leg = quote_arg(self.agent_leg(command.call_id))
        line, done = {
            Action.ANSWER: (f"uuid_answer {leg}", "answered"),
            Action.HOLD: (f"uuid_hold {leg}", "on hold"),
            Action.UNHOLD: (f"uuid_hold off {leg}", "resumed"),
            Action.CONSULT_COMPLETE: (
                f"uuid_recv_dtmf {leg} {self.config.complete_key}",
                "transfer completed",
            ),
            Action.CONSULT_CANCEL: (
                f"uuid_recv_dtmf {leg} {self.config.cancel_key}",
                "consultation cancelled",
            ),
            Action.CONFERENCE: (f"uuid_recv_dtmf {leg} {self.config.conference_key}", "conference started"),
        }[command.action]
        return await self._api(command.action.value, line, done)

    async def _swap(self, command: CallCommand, identity: str) -> CommandOutcome:
        return CommandOutcome.unsupported(SWAP_REFUSAL)

    async def _hangup(self, command: CallCommand, identity: str) -> CommandOutcome:
        return await self._api("hangup", f"uuid_kill {quote_arg(command.call_id)}", "hung up")

    async def _transfer(self, command: TransferCommand, identity: str) -> CommandOutcome:
        context = quote_arg(command.context or self.config.context)
        line = f"uuid_transfer {quote_arg(command.call_id)} {quote_arg(command.target)} XML {context}"
        return await self._api("transfer", line, f"transferred to {command.target}")

    async def _consult(self, command: TransferCommand, identity: str) -> CommandOutcome:
        context = quote_arg(command.context or self.config.context)
        leg = quote_arg(self.agent_leg(command.call_id))
        line = f"uuid_broadcast {leg} att_xfer::loopback/{quote_arg(command.target)}/{context} aleg"
        return await self._api("consult", line, f"consulting {command.target}")

    async def _dial(self, command: DialCommand, identity: str) -> CommandOutcome:
        reply, call_id = await self.client.originate_for(identity, command.number)
        outcome = _outcome("dial", reply, f"dialling {command.number}")
        if outcome.ok:
            return CommandOutcome.accepted(outcome.message, outcome.pbx_reply, call_id)
        return outcome

    async def _dtmf(self, command: DtmfCommand, identity: str) -> CommandOutcome:
        line = f"uuid_send_dtmf {quote_arg(command.call_id)} {command.digits}"
        return await self._api("dtmf", line, f"sent {command.digits}")

    async def _pause(self, command: PauseCommand, identity: str) -> CommandOutcome:
        if command.queue:
            return CommandOutcome.unsupported(QUEUE_PAUSE_REFUSAL)
        if command.paused:
            status = self.config.status_for_reason.get(command.reason, self.config.pause_status)
        else:
            status = self.config.ready_status
        agent = quote_arg(command.agent or identity)
        line = f"callcenter_config agent set status {agent} '{quote_arg(status, spaces=True)}'"
        done = f"paused ({command.reason})" if command.paused else "ready"
        return await self._api(command.action.value, line, done)

    async def _spy(self, command: SpyCommand, identity: str) -> CommandOutcome:
        if not command.call_id:
            return CommandOutcome.unsupported(SPY_NEEDS_CALL)
        leg = quote_arg(self.agent_leg(command.call_id))
        variables = f"origination_caller_id_name={command.action.value}_{quote_arg(command.agent)}"
        if command.action is Action.WHISPER:
            variables += ",eavesdrop_whisper_aleg=true"
        app = f"three_way({leg})" if command.action is Action.BARGE else f"eavesdrop({leg})"
        endpoint = self.config.endpoint.format(agent=quote_arg(identity))
        reply = await self.client.bgapi(f"originate {{{variables}}}{endpoint} &{app}")
        return _outcome(command.action.value, reply, f"{command.action.value}: {command.agent}'s call")


def _outcome(what: str, reply: EslReply, done: str) -> CommandOutcome:
    text = reply.text.strip()
    if reply.ok:
        return CommandOutcome.accepted(done, text)
    return CommandOutcome.refused(what, text)
