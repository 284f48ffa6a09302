"""`calldesk agent ready|pause --reason` and `calldesk dial`, end to end on real parts: the CLI in
its own process -> the hand-off socket -> the CTI listener -> the demo's simulated PBX over a real
loopback socket, and the PBX's answer (or refusal) back to the CLI's output and exit code."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid

import pytest

from desktop.cti.events import AgentEvent
from desktop.cti.listener import CtiListener
from desktop.cti.simulator import CtiSimulator
from desktop.services.handoff import HandoffServer
from desktop.services.pbx_requests import CommandResults, command_handler, listener_sender

TOKEN = "handoff-token-7"
REASONS = ("lunch", "break")


class Desk:
    """The running desktop's side: hand-off server + CTI listener + a simulated PBX source."""

    def __init__(self, timeout_s: float = 10.0) -> None:
        self.user = f"cdtest{uuid.uuid4().hex[:8]}"
        self.results = CommandResults()
        self.events: list[object] = []
        self.listener = CtiListener(
            port=0,
            token=TOKEN,
            on_event=lambda event, agent: self.events.append(event),
            on_command_result=self.results.resolve,
        )
        self.server = HandoffServer(name=f"calldesk-{self.user}")
        self.timeout_s = timeout_s
        self.pbx: CtiSimulator | None = None

    async def start(self, with_pbx: bool = True) -> None:
        await self.listener.start()
        assert self.server.listen()
        send = listener_sender(self.listener, "1001", self.results)
        self.server.set_command_handler(command_handler(send, REASONS, timeout_s=self.timeout_s))
        if with_pbx:
            self.pbx = CtiSimulator(port=self.listener.port, token=TOKEN, agent="1001")
            await self.pbx.connect()
            await self.pbx.ping()

    async def stop(self) -> None:
        if self.pbx is not None:
            await self.pbx.close()
        self.server.close()
        await self.listener.stop()

    async def cli(self, *args: str) -> tuple[int, str, str]:
        env = dict(os.environ, USER=self.user, LOGNAME=self.user, QT_QPA_PLATFORM="offscreen")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "desktop.cli",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 90)
        assert proc.returncode is not None
        return proc.returncode, out.decode().strip(), err.decode().strip()


@pytest.fixture
async def desk(qapp):
    desk = Desk()
    await desk.start()
    yield desk
    await desk.stop()


async def test_pause_and_ready_reach_the_pbx_and_print_its_answer(desk: Desk) -> None:
    assert await desk.cli("agent", "pause", "--reason", "lunch") == (0, "paused (lunch)", "")
    assert await desk.cli("agent", "ready") == (0, "ready", "")
    assert desk.pbx is not None
    assert [(c["action"], c.get("reason")) for c in desk.pbx.commands_received] == [
        ("pause", "lunch"),
        ("unpause", None),
    ]
    pauses = [e for e in desk.events if isinstance(e, AgentEvent)]
    assert [(e.paused, e.reason) for e in pauses] == [(True, "lunch"), (False, "")]  # as the PBX reports


async def test_an_unknown_or_empty_reason_is_refused_with_a_non_zero_exit(desk: Desk) -> None:
    code, out, err = await desk.cli("agent", "pause", "--reason", "nap")
    assert (code, out) == (1, "")
    assert err == "calldesk agent: refused: unknown reason 'nap'; use one of: break, lunch"
    code, _, err = await desk.cli("agent", "pause", "--reason", "  ")
    assert code == 2 and "a pause needs a reason" in err
    assert desk.pbx is not None and desk.pbx.commands_received == []  # nothing reached the PBX


async def test_no_call_rings_while_paused_from_the_command_line_and_the_waiting_one_rings_on_ready(
    desk: Desk,
) -> None:
    def kinds() -> list[str]:
        return [e.wire_type for e in desk.events if getattr(e, "call_id", None) == "cli-q"]

    assert desk.pbx is not None
    assert await desk.cli("agent", "pause", "--reason", "lunch") == (0, "paused (lunch)", "")
    call = asyncio.ensure_future(
        desk.pbx.play_call(
            "13800138000", call_id="cli-q", abandon=False, wait_s=0.01, ring_s=0.01, talk_s=0.01
        )
    )
    await asyncio.sleep(1.0)  # due after 0.01 s
    await desk.pbx.ping()
    assert kinds() == ["queue.join"] and not call.done()
    assert await desk.cli("agent", "ready") == (0, "ready", "")
    await asyncio.wait_for(call, 10)
    await desk.pbx.ping()
    assert kinds() == ["queue.join", "queue.leave", "call.ringing", "call.answered", "call.ended"]


async def test_dial_originates_and_prints_the_pbx_answer(desk: Desk) -> None:
    code, out, err = await desk.cli("dial", "tel:+86 138 0013 8000")
    assert (code, out, err) == (0, "dialling +8613800138000", "")
    assert desk.pbx is not None
    [command] = desk.pbx.commands_received
    assert (command["action"], command["target"]) == ("dial", "+8613800138000")


async def test_a_pbx_link_that_is_down_is_a_refusal(qapp) -> None:
    desk = Desk()
    await desk.start(with_pbx=False)
    try:
        code, _, err = await desk.cli("agent", "ready")
        assert code == 1 and "no CTI source is connected for agent 1001" in err
    finally:
        await desk.stop()


async def test_a_pbx_that_never_answers_times_out_with_a_clear_message(qapp) -> None:
    desk = Desk(timeout_s=1.0)
    await desk.start(with_pbx=False)
    reader, writer = await asyncio.open_connection("127.0.0.1", desk.listener.port)
    writer.write((json.dumps({"type": "hello", "token": TOKEN, "agent": "1001"}) + "\n").encode())
    await writer.drain()
    assert json.loads(await reader.readline())["type"] == "hello.ok"  # a source that reads, never answers
    try:
        code, _, err = await desk.cli("agent", "pause", "--reason", "break")
        assert code == 1 and err.endswith("the PBX did not answer pause within 1 s")
    finally:
        writer.close()
        await desk.stop()
