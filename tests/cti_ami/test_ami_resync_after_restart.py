"""After `core restart now` the real Asterisk 22 lab accepted the AMI login before app_queue was
loaded: the re-sync's QueueStatus got `Response: Error`, `Message: Invalid/unknown command:
QueueStatus. Use Action: ListCommands to show available commands.`, the client gave up, and the
desktop kept showing 1001 "lunch", a pause the restarted PBX no longer had. The client now asks
again until the queue module answers."""

from __future__ import annotations

import asyncio

from fake_ami_server import FakeAmiServer

from desktop.cti.ami import AmiActionError, AmiClient, AmiConfig
from desktop.cti.events import AgentEvent

UNKNOWN = "Invalid/unknown command: QueueStatus. Use Action: ListCommands to show available commands."
MEMBER = [
    ("Event", "QueueMember"),
    ("Queue", "sales"),
    ("Name", "Li Lei"),
    ("Location", "PJSIP/1001"),
    ("StateInterface", "PJSIP/1001"),
    ("Status", 1),
    ("Paused", 0),
    ("PausedReason", ""),
]


async def test_queue_status_is_asked_again_until_app_queue_is_loaded() -> None:
    server = FakeAmiServer()
    await server.start()
    server.refuse["QueueStatus"] = UNKNOWN
    server.queue_status = [MEMBER]
    events: list[object] = []
    client = AmiClient(AmiConfig("127.0.0.1", server.port, "calldesk", "s3cret"), on_event=events.append)
    try:
        connecting = asyncio.ensure_future(client.connect())
        deadline = asyncio.get_running_loop().time() + 5
        while len(server.actions_named("QueueStatus")) < 2:
            assert asyncio.get_running_loop().time() < deadline, "QueueStatus was not asked again"
            await asyncio.sleep(0.05)
        assert not connecting.done()
        del server.refuse["QueueStatus"]  # app_queue is loaded now
        await asyncio.wait_for(connecting, 5)
        pauses = [e for e in events if isinstance(e, AgentEvent) and e.paused is not None]
        assert pauses and pauses[-1].paused is False  # the PBX's truth reaches the desktops
    finally:
        await client.close()
        await server.stop()


async def test_another_refusal_is_not_retried() -> None:
    server = FakeAmiServer()
    await server.start()
    server.refuse["QueueStatus"] = "Permission denied"
    client = AmiClient(AmiConfig("127.0.0.1", server.port, "calldesk", "s3cret"))
    try:
        try:
            await asyncio.wait_for(client.connect(), 5)
        except AmiActionError as exc:
            assert "Permission denied" in str(exc)
        assert len(server.actions_named("QueueStatus")) == 1
    finally:
        await client.close()
        await server.stop()
