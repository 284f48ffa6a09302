"""The bridge with the Asterisk side: AmiClient against the AMI tests' loopback server, one real
CtiListener desktop. Events reach the agent's desktop; a pause command becomes QueuePause."""

from __future__ import annotations

import asyncio
import importlib.util
import random
from pathlib import Path

from desktop.cti.ami import AmiClient, AmiConfig
from desktop.cti.bridge import AmiAdapter, CtiBridge, DesktopTarget
from desktop.cti.events import AgentEvent, CtiEvent
from desktop.cti.listener import CommandResult, CtiListener

_spec = importlib.util.spec_from_file_location(
    "bridge_fake_ami", Path(__file__).resolve().parents[1] / "cti_ami" / "fake_ami_server.py"
)
fake_ami = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_ami)


async def _until(predicate, timeout: float = 5.0) -> None:
    async def _wait() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(_wait(), timeout)


async def test_ami_bridge_events_and_pause_command() -> None:
    server = fake_ami.FakeAmiServer()
    await server.start()
    got: list[CtiEvent] = []
    results: list[CommandResult] = []
    listener = CtiListener(
        "127.0.0.1", 0, token="tok", on_event=lambda e, a: got.append(e), on_command_result=results.append
    )
    await listener.start()
    config = AmiConfig("127.0.0.1", server.port, "calldesk", "s3cret", backoff_initial=0.05, action_timeout=3)
    bridge = CtiBridge(
        AmiAdapter(AmiClient(config, rng=random.Random(3))),
        [DesktopTarget("127.0.0.1", listener.port, "Agent One", "tok")],
        backoff_initial=0.05,
    )
    task = asyncio.create_task(bridge.run())
    try:
        await asyncio.wait_for(bridge.links[0].connected.wait(), 5)
        await _until(lambda: server.logins == 1)
        await asyncio.sleep(0.2)
        await server.push(
            fake_ami.frame(
                ("Event", "QueueMemberPause"),
                ("Queue", "support"),
                ("MemberName", "Agent One"),
                ("Interface", "Local/agent1@agents/n"),
                ("Paused", "1"),
                ("PausedReason", "toilet"),
            )
        )
        await _until(lambda: any(isinstance(e, AgentEvent) and e.paused for e in got))
        await listener.send_command({"action": "pause", "reason": "lunch", "id": "p-1"}, agent="Agent One")
        await _until(lambda: len(results) == 1)
        assert results[0].ok
        pause = server.actions_named("QueuePause")[-1]
        assert (pause["Interface"], pause["Paused"], pause["Reason"]) == (
            "Local/agent1@agents/n",
            "true",
            "lunch",
        )
    finally:
        await bridge.close()
        task.cancel()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 5)
        await listener.stop()
        await server.stop()
