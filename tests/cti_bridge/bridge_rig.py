"""A real bridge between a fake AMI server (loopback, replaying frames) and real desktop-side
BridgeClients, identified by the REAL central API (tests/fixtures_central.py)."""

from __future__ import annotations

import asyncio
import importlib.util
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.cti.ami import AmiClient, AmiConfig
from desktop.cti.bridge import AmiAdapter, BridgeLimits, BridgeServer, CentralIdentities
from desktop.cti.bridge_client import BridgeClient, BridgeClientConfig
from desktop.cti.events import CtiEvent, to_wire
from desktop.cti.listener import CommandResult

from .ami_script import queue_status

_spec = importlib.util.spec_from_file_location(
    "bridge_rig_fake_ami", Path(__file__).resolve().parents[1] / "cti_ami" / "fake_ami_server.py"
)
assert _spec is not None and _spec.loader is not None
fake_ami = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_ami)


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async def _wait() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(_wait(), timeout)


@dataclass
class Desk:
    """One desktop-side client and everything it was told."""

    client: BridgeClient
    events: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    results: list[CommandResult] = field(default_factory=list)

    def on_event(self, event: CtiEvent, agent: str) -> None:
        self.events.append(to_wire(event))

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] in types]

    def calls(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"].startswith("call.")]

    def call_types(self, call_id: str) -> list[str]:
        return [e["type"] for e in self.calls() if e["call_id"] == call_id]


@dataclass
class Rig:
    ami: Any
    bridge: BridgeServer
    ami_client: AmiClient
    central_url: str
    desks: dict[str, Desk] = field(default_factory=dict)

    async def push(self, data: bytes) -> None:
        await self.ami.push(data)

    async def desk(
        self,
        name: str,
        token: str,
        *,
        tls: bool = False,
        ca_file: str | None = None,
        wait: bool = True,
        **config: Any,
    ) -> Desk:
        cfg = BridgeClientConfig(
            "127.0.0.1" if not tls else "localhost",
            self.bridge.port,
            tls=tls,
            ca_file=ca_file,
            backoff_initial=0.05,
            backoff_max=0.5,
            **config,
        )
        desk = Desk(client=None)  # type: ignore[arg-type]
        desk.client = BridgeClient(
            cfg,
            token,
            desk.on_event,
            on_status=lambda s, d: desk.statuses.append((s, d)),
            on_command_result=desk.results.append,
        )
        desk.client.start()
        self.desks[name] = desk
        if wait:
            await until(lambda: desk.client.connected and desk.client.stats.snapshots > 0)
        return desk

    async def close(self) -> None:
        for desk in self.desks.values():
            await desk.client.stop()
        await self.bridge.close()
        await self.ami.stop()


@dataclass
class FreeSwitchRig:
    """What conftest's `freeswitch_rig` yields: the rig in front of the ESL tests' loopback switch."""

    rig: Rig
    fake: Any  # cti_esl.fake_esl.FakeEsl: send_event(), commands, drop_all()
    one: Desk  # agent 1001's desktop link
    two: Desk  # agent 1002's


async def start_rig(
    central_url: str, *, limits: BridgeLimits | None = None, ssl_context: ssl.SSLContext | None = None
) -> Rig:
    ami = fake_ami.FakeAmiServer()
    ami.queue_status = queue_status()
    await ami.start()
    client = AmiClient(
        AmiConfig("127.0.0.1", ami.port, "calldesk", "s3cret", backoff_initial=0.05, action_timeout=3)
    )
    bridge = BridgeServer(
        AmiAdapter(client),
        CentralIdentities(central_url),
        limits=limits or BridgeLimits(),
        ssl_context=ssl_context,
    )
    await bridge.start("127.0.0.1" if ssl_context is None else "localhost", 0)
    rig = Rig(ami, bridge, client, central_url)
    task = asyncio.get_running_loop().create_task(client.run())
    bridge._tasks.add(task)
    await until(lambda: client.connected and bool(ami.actions_named("QueueStatus")))
    await until(lambda: bridge.router.is_agent_interface("PJSIP/1002"))  # members known
    return rig
