"""The bridge's PBX seam: one login (AMI or ESL) that produces events and executes commands the
bridge has already authorised.

`execute(action, identity, command) -> (ok, message)`: `identity` is who asked (central API user),
`command` holds the resolved target: `interface` (the PBX interface to act on), `call_id`,
`target`, `reason`, `queue`, `digits`. Both adapters parse it with pbx_commands.parse_command
(nothing half-valid reaches a PBX) and run it with the connector's command set (ami_commands,
esl_commands), answering the PBX's own reason when it refuses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any, Protocol

from desktop.cti.ami_commands import AmiCommandConfig, AmiCommands
from desktop.cti.bridge.identity import Identity
from desktop.cti.esl_commands import EslCommands
from desktop.cti.events import CtiEvent, PbxEvent, PbxEventKind
from desktop.cti.pbx_commands import execute_wire


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
    """Asterisk through desktop.cti.ami.AmiClient; commands run by ami_commands.AmiCommands."""

    def __init__(
        self, client: Any, dial_context: str = "default", reasons: Collection[str] | None = None
    ) -> None:
        super().__init__(client)
        self.dial_context = dial_context
        self.reasons = reasons
        self.commands = AmiCommands(client, AmiCommandConfig(context=dial_context))
        self.label = f"asterisk {client.config.host}:{client.config.port}"

    async def execute(self, action: str, identity: Identity, command: dict[str, Any]) -> tuple[bool, str]:
        return await execute_wire(self.commands, action, acting_as(identity, command), command, self.reasons)


class EslAdapter(_ClientAdapter):
    """FreeSWITCH through desktop.cti.esl_client.EslClient; commands run by esl_commands.EslCommands."""

    def __init__(self, client: Any, reasons: Collection[str] | None = None) -> None:
        super().__init__(client)
        config = getattr(client, "config", None)
        self.reasons = reasons
        self.commands = EslCommands(client)
        self.label = f"freeswitch {getattr(config, 'host', '?')}:{getattr(config, 'port', '?')}"

    async def execute(self, action: str, identity: Identity, command: dict[str, Any]) -> tuple[bool, str]:
        return await execute_wire(self.commands, action, acting_as(identity, command), command, self.reasons)


def acting_as(identity: Identity, command: dict[str, Any]) -> str:
    """Whose phone a command acts from: the interface the bridge resolved (authorize.py), which
    for a supervisor's pause of another agent is that agent's, else the user's agent id."""
    return str(command.get("interface") or identity.agent_id)
