"""Call-control commands over Asterisk AMI (checked against the Asterisk 22 sources).

- hangup: `Hangup` (Channel = the caller's channel, Cause 16)
- transfer: `BlindTransfer` (Channel = the agent's channel, Exten, Context)
- consult: `Atxfer` (agent's channel, Exten, Context); needs features.conf's `atxfer` code
- consult.complete / consult.swap / conference: `PlayDTMF` with `Receive: true`, one action per
  digit of features.conf's `atxfercomplete` (*2) / `atxferswap` (*4) / `atxferthreeway` (*3) on
  the agent's channel: Asterisk acts as if the phone had dialled the code
- consult.cancel: `CancelAtxfer` (agent's channel; Asterisk uses `atxferabort`)
- dial: `Originate` (Channel = the agent's interface, Context, Exten, Priority 1, Timeout,
  CallerID, Async, ChannelId = the new call's id)
- dtmf: `PlayDTMF` on the far party's channel, one action per digit
- pause / unpause / force.pause / force.ready: `QueuePause` (Interface, Paused, Reason, Queue)
- listen / whisper / barge: `Originate` of the supervisor's phone into
  `ChanSpy(<agent interface>-,qE)` / `qwE` / `qBE`
- answer: refused, AMI cannot take a SIP phone off-hook
- hold / unhold: refused, AMI has no hold action for a SIP channel; the phone's hold key puts the
  caller on music on hold (and the Hold/Unhold events come back)
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from desktop.cti.ami import (
    AmiActionError,
    AmiClient,
    AmiConnectionError,
    AmiError,
    AmiTimeout,
)
from desktop.cti.ami_parser import AmiMessage
from desktop.cti.command_set import PbxCommandSet
from desktop.cti.pbx_commands import (
    Action,
    CallCommand,
    CommandOutcome,
    DialCommand,
    DtmfCommand,
    OutcomeStatus,
    PauseCommand,
    PbxCommand,
    SpyCommand,
    TransferCommand,
)

log = logging.getLogger(__name__)

ANSWER_REFUSAL = (
    "Asterisk cannot answer a SIP phone's ringing line over AMI: answer on the phone "
    "(or turn on auto-answer in the phone or softphone for queue calls)"
)
HOLD_REFUSAL = (
    "Asterisk has no AMI action to hold a SIP phone's call: use the phone's hold key "
    "(the caller hears music on hold and the call bar shows it as held)"
)
# OriginateResponse Reason: the AST_CONTROL_* frame the call ended on (include/asterisk/frame.h)
ORIGINATE_REASONS = {
    "0": "the phone could not be reached (no such device, or it is not registered)",
    "1": "the phone hung up",
    "3": "nobody answered the phone",
    "5": "the phone is busy",
    "8": "the line is congested or the phone is unavailable",
}
# What the desktop must show as "not possible here, because ..." instead of a button that fails.
UNSUPPORTED: dict[Action, str] = {
    Action.ANSWER: ANSWER_REFUSAL,
    Action.HOLD: HOLD_REFUSAL,
    Action.UNHOLD: HOLD_REFUSAL,
}
# consult steps Asterisk takes as the features.conf code dialled on the agent's channel
FEATURE_CODE_STEPS = (Action.CONSULT_COMPLETE, Action.CONSULT_SWAP, Action.CONFERENCE)
SPY_OPTIONS = {Action.LISTEN: "qE", Action.WHISPER: "qwE", Action.BARGE: "qBE"}


@dataclass
class AmiCommandConfig:
    context: str = "default"  # where transfer targets and dialled numbers are looked up
    interface_template: str = "PJSIP/{agent}"  # an agent's phone when the queues do not name it
    caller_id: str = ""  # click-to-dial CallerID shown on the agent's phone ("" = Asterisk's default)
    dial_timeout_ms: int = 30000  # how long the agent's phone rings for a click-to-dial
    confirm_originate: bool = True  # wait for OriginateResponse: "queued" is not "the phone rang"
    originate_grace_s: float = 10.0  # how long past the ring time OriginateResponse may take
    atxfer_complete: str = "*2"  # features.conf [general] atxfercomplete (Asterisk's default)
    atxfer_swap: str = "*4"  # atxferswap
    atxfer_threeway: str = "*3"  # atxferthreeway


class _Refusal(AmiError):
    """Refused before anything reached the PBX (no such call, no channel yet)."""


class AmiCommands(PbxCommandSet):
    """Runs typed commands through an AmiClient; every answer is a CommandOutcome."""

    timeout_error = AmiTimeout
    connection_error = AmiConnectionError
    link_error = AmiError  # a refused action (AmiActionError) or one refused before it was sent
    unsupported_actions = UNSUPPORTED

    def __init__(self, client: AmiClient, config: AmiCommandConfig | None = None) -> None:
        self.client = client
        self.config = config or AmiCommandConfig()
        self._handlers = self._handler_table(
            {Action.ANSWER: self._answer, Action.CONSULT_CANCEL: self._consult_cancel}
            | dict.fromkeys((Action.HOLD, Action.UNHOLD), self._hold)
            | dict.fromkeys(FEATURE_CODE_STEPS, self._consult_step)
        )

    def refusal(self, command: PbxCommand, exc: Exception) -> CommandOutcome:
        if isinstance(exc, AmiActionError):  # Asterisk's own words
            return CommandOutcome.refused(command.action.value, exc.response.get("Message"))
        return super().refusal(command, exc)

    # ---- who and where ------------------------------------------------------------------------
    def interface_of(self, agent: str) -> str:
        """The agent's phone: the queue member's interface if the PBX told us, else the template."""
        if "/" in agent:
            return agent
        known = self.client.normalizer.interface_of(agent)
        return known or self.config.interface_template.format(agent=agent)

    async def channels(self, call_id: str, identity: str) -> tuple[str, str]:
        """(far party's channel, agent's channel) of a call. Queue calls are known from events;
        others (click-to-dial, direct calls) are looked up with CoreShowChannels. So is the
        agent's own channel once the call's newest agent leg is another phone: on the real
        Asterisk, after an Atxfer to 2001 the call's agent channel became the consult target's
        (PJSIP/1002-...), and CancelAtxfer / the complete DTMF went to 1002's phone."""
        known_caller, known_agent = self.client.normalizer.call_channels(call_id)
        prefix = self.interface_of(identity) + "-"
        if known_caller and known_agent.startswith(prefix):
            return known_caller, known_agent
        listing = await self.client.send_list_action("CoreShowChannels")
        members = [
            m
            for m in listing.events
            if call_id in (m.get("Uniqueid"), m.get("Linkedid")) and m.get("Channel")
        ]
        caller = agent = ""
        for message in members:
            if message.get("Channel").startswith(prefix):
                agent = agent or message.get("Channel")
            else:
                caller = caller or message.get("Channel")
        caller, agent = known_caller or caller, agent or known_agent
        if not (caller or agent):
            raise _Refusal(f"no such call {call_id!r} at the PBX (it may have ended)")
        return caller, agent

    async def _agent_channel(self, call_id: str, identity: str) -> str:
        _, agent = await self.channels(call_id, identity)
        if not agent:
            raise _Refusal(f"call {call_id!r} has no channel of agent {identity!r}")
        return agent

    # ---- the commands -------------------------------------------------------------------------
    async def _answer(self, command: CallCommand, identity: str) -> CommandOutcome:
        return CommandOutcome.unsupported(UNSUPPORTED[Action.ANSWER])

    async def _hold(self, command: CallCommand, identity: str) -> CommandOutcome:
        return CommandOutcome.unsupported(UNSUPPORTED[command.action])

    async def _hangup(self, command: CallCommand, identity: str) -> CommandOutcome:
        caller, agent = await self.channels(command.call_id, identity)
        reply = await self.client.send_action("Hangup", Channel=caller or agent, Cause="16")
        return _accepted("hung up", reply)

    async def _transfer(self, command: TransferCommand, identity: str) -> CommandOutcome:
        agent = await self._agent_channel(command.call_id, identity)
        context = command.context or self.config.context
        name = "BlindTransfer" if command.action is Action.TRANSFER else "Atxfer"
        reply = await self.client.send_action(name, Channel=agent, Exten=command.target, Context=context)
        what = "transferred" if command.action is Action.TRANSFER else "consulting"
        return _accepted(f"{what} to {command.target}", reply)

    _consult = _transfer

    async def _consult_step(self, command: CallCommand, identity: str) -> CommandOutcome:
        code = {
            Action.CONSULT_COMPLETE: self.config.atxfer_complete,
            Action.CONSULT_SWAP: self.config.atxfer_swap,
            Action.CONFERENCE: self.config.atxfer_threeway,
        }[command.action]
        agent = await self._agent_channel(command.call_id, identity)
        reply: AmiMessage | None = None
        for digit in code:
            reply = await self.client.send_action("PlayDTMF", Channel=agent, Digit=digit, Receive="true")
        done = {
            Action.CONSULT_COMPLETE: "transfer completed",
            Action.CONSULT_SWAP: "swapped",
            Action.CONFERENCE: "conference started",
        }[command.action]
        return _accepted(done, reply)

    async def _consult_cancel(self, command: CallCommand, identity: str) -> CommandOutcome:
        agent = await self._agent_channel(command.call_id, identity)
        reply = await self.client.send_action("CancelAtxfer", Channel=agent)
        return _accepted("consultation cancelled", reply)

    async def _dial(self, command: DialCommand, identity: str) -> CommandOutcome:
        call_id = f"cd-{uuid.uuid4().hex}"
        headers = {
            "Channel": self.interface_of(identity),
            "Context": self.config.context,
            "Exten": command.number,
            "Priority": "1",
            "Timeout": str(self.config.dial_timeout_ms),
            "Async": "true",
            "ChannelId": call_id,
        }
        if self.config.caller_id:
            headers["CallerID"] = self.config.caller_id
        return await self._originate(headers, f"dialling {command.number}", call_id)

    async def _originate(
        self, headers: dict[str, str], done: str, call_id: str | None = None
    ) -> CommandOutcome:
        """Originate with Async: the response only says "queued"; OriginateResponse says whether
        the agent's phone was reached and answered (Reason: the AST_CONTROL_* it ended on)."""
        if not self.config.confirm_originate:
            reply = await self.client.send_action("Originate", **headers)
            return CommandOutcome.accepted(done, _message(reply), call_id)
        wait = self.config.dial_timeout_ms / 1000 + self.config.originate_grace_s
        _, result = await self.client.send_action_then_event(
            "Originate", "OriginateResponse", wait, **headers
        )
        reason = result.get("Reason")
        if result.get("Response") == "Success":
            return CommandOutcome.accepted(done, f"OriginateResponse: Success (Reason {reason})", call_id)
        why = ORIGINATE_REASONS.get(reason, f"reason {reason or '?'}")
        return CommandOutcome(
            OutcomeStatus.REFUSED,
            f"the PBX could not place the call from {headers['Channel']}: {why}",
            f"OriginateResponse: {result.get('Response') or '?'} (Reason {reason})",
        )

    async def _dtmf(self, command: DtmfCommand, identity: str) -> CommandOutcome:
        caller, agent = await self.channels(command.call_id, identity)
        far = caller or agent
        reply: AmiMessage | None = None
        for digit in command.digits:
            reply = await self.client.send_action("PlayDTMF", Channel=far, Digit=digit)
        return _accepted(f"sent {command.digits}", reply)

    async def _pause(self, command: PauseCommand, identity: str) -> CommandOutcome:
        headers = {
            "Interface": self.interface_of(command.agent or identity),
            "Paused": "true" if command.paused else "false",
        }
        if command.queue:
            headers["Queue"] = command.queue
        if command.paused:
            headers["Reason"] = command.reason
        reply = await self.client.send_action("QueuePause", **headers)
        return _accepted(f"paused ({command.reason})" if command.paused else "ready", reply)

    async def _spy(self, command: SpyCommand, identity: str) -> CommandOutcome:
        data = f"{self.interface_of(command.agent)}-,{SPY_OPTIONS[command.action]}"
        headers = {
            "Channel": self.interface_of(identity),
            "Application": "ChanSpy",
            "Data": data,
            "CallerID": f"{command.action.value} {command.agent}",
            "Timeout": str(self.config.dial_timeout_ms),
            "Async": "true",
        }
        return await self._originate(headers, f"{command.action.value}: joined {command.agent}'s call")


def _message(reply: AmiMessage | None) -> str:
    return reply.get("Message") if reply is not None else ""


def _accepted(message: str, reply: AmiMessage | None) -> CommandOutcome:
    return CommandOutcome.accepted(message, _message(reply))
