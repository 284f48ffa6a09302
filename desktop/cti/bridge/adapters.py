"""The bridge's PBX seam: one login (AMI or ESL) that produces events and executes commands the
bridge has already authorised.

`execute(action, identity, command) -> (ok, message)`: `identity` is who asked (central API user),
`command` holds the resolved target: `interface` (the PBX interface to act on), `call_id`,
`target`, `reason`, `queue`. The implementations here use the connectors' own calls;
desktop/cti/pbx_commands.py (fuller AMI/ESL command sets) plugs in through the same method.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from desktop.cti.bridge.identity import Identity
from desktop.cti.events import CtiEvent, PbxEvent, PbxEventKind


class PbxAdapter(Protocol):
    on_event: Callable[[CtiEvent], None] | None

    def set_agent_interfaces(self, predicate: Callable[[str], bool]) -> None: ...

    async def run(self) -> None: ...

    async def close(self) -> None: ...

    async def execute(self, action: str, identity: Identity, command: dict[str, Any]) -> tuple[bool, str]: ...


def pbx_link_event(state: str, detail: str, pbx: str = "") -> PbxEvent:
    """A connector's on_state("connected"|"disconnected", detail) as the event desktops receive."""
    kind = PbxEventKind.CONNECTED if state == "connected" else PbxEventKind.DISCONNECTED
    return PbxEvent(kind, ts=time.time(), pbx=pbx, detail=detail[:256])


class _ClientAdapter:
    label = ""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.on_event: Callable[[CtiEvent], None] | None = None
        client.on_event = self._forward
        client.on_state = self._link_state

    def _forward(self, event: CtiEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _link_state(self, state: str, detail: str) -> None:
        self._forward(pbx_link_event(state, detail, self.label))

    def set_agent_interfaces(self, predicate: Callable[[str], bool]) -> None:
        normalizer = getattr(self.client, "normalizer", None)
        if normalizer is not None and hasattr(normalizer, "agent_interface"):
            normalizer.agent_interface = predicate

    async def run(self) -> None:
        await self.client.run()

    async def close(self) -> None:
        await self.client.close()


class AmiAdapter(_ClientAdapter):
    """Asterisk through desktop.cti.ami.AmiClient."""

    def __init__(self, client: Any, dial_context: str = "default") -> None:
        super().__init__(client)
        self.dial_context = dial_context
        self.label = f"asterisk {client.config.host}:{client.config.port}"

    async def execute(self, action: str, identity: Identity, command: dict[str, Any]) -> tuple[bool, str]:
        call_id = str(command.get("call_id") or "")
        target = str(command.get("target") or "")
        interface = str(command.get("interface") or "")
        if action == "hangup":
            response = await self.client.hangup(call_id)
        elif action == "transfer":
            response = await self.client.transfer(call_id, target)
        elif action in ("pause", "unpause"):
            response = await self.client.pause(
                interface, action == "pause", str(command.get("reason") or ""), command.get("queue")
            )
        elif action == "dial":
            response = await self.client.dial(interface, target, self.dial_context)
        elif action in ("answer", "hold", "unhold"):
            return False, f"{action} is done on the phone: AMI cannot {action} a SIP phone's call"
        else:
            return False, f"unsupported action {action!r}"
        message = response.get("Message", "") if hasattr(response, "get") else str(response)
        return True, message or "accepted"


class EslAdapter(_ClientAdapter):
    """FreeSWITCH through desktop.cti.esl_client.EslClient (uuid_kill, uuid_transfer, originate ...)."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        config = getattr(client, "config", None)
        self.label = f"freeswitch {getattr(config, 'host', '?')}:{getattr(config, 'port', '?')}"

    async def execute(self, action: str, identity: Identity, command: dict[str, Any]) -> tuple[bool, str]:
        call_id = str(command.get("call_id") or "")
        target = str(command.get("target") or "")
        agent = str(command.get("interface") or identity.agent_id)
        if action == "hangup":
            reply = await self.client.hangup(call_id)
        elif action in ("hold", "unhold"):
            reply = await self.client.hold(call_id, on=action == "hold")
        elif action == "transfer":
            reply = await self.client.transfer(call_id, target)
        elif action == "dial":
            reply = await self.client.dial(agent, target)
        elif action in ("pause", "unpause"):
            reply = await self.client.pause(agent, action == "pause")
        elif action == "answer":
            return False, "answer on the phone: FreeSWITCH cannot take a SIP phone off-hook"
        else:
            return False, f"unsupported action {action!r}"
        return reply.ok, reply.text.strip()[:200]
