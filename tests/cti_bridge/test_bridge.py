"""The bridge end to end on loopback: a real event-socket server (the fake FreeSWITCH) on one side,
real CtiListener desktops on the other."""

from __future__ import annotations

import argparse
import asyncio
import random
from pathlib import Path

import pytest
from cti_esl import esl_wire as w
from cti_esl.fake_esl import FakeEsl

from desktop.cti.bridge import (
    BridgeConfigError,
    CtiBridge,
    DesktopTarget,
    EslAdapter,
    agent_matches,
    build_bridge,
    parse_desktop_specs,
)
from desktop.cti.esl_client import EslClient, EslConfig
from desktop.cti.events import CallEvent, CallEventKind, CtiEvent, QueueEvent, QueueEventKind
from desktop.cti.listener import CommandResult, CtiListener

SESSION = "ab000000-0000-4000-8000-0000000000ab"
T0 = 1795400000.0


class Desktop:
    """A real CTI listener plus what it received."""

    def __init__(self, token: str) -> None:
        self.events: list[tuple[CtiEvent, str]] = []
        self.results: list[CommandResult] = []
        self.changed = asyncio.Event()
        self.listener = CtiListener(
            "127.0.0.1", 0, token=token, on_event=self._event, on_command_result=self._result
        )

    def _event(self, event: CtiEvent, agent: str) -> None:
        self.events.append((event, agent))
        self.changed.set()

    def _result(self, result: CommandResult) -> None:
        self.results.append(result)
        self.changed.set()

    async def wait_until(self, predicate, timeout: float = 5.0) -> None:
        async def _wait() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(_wait(), timeout)

    def types(self) -> list[str]:
        return [e.wire_type for e, _ in self.events]


@pytest.fixture
async def world():
    fake = FakeEsl(password="pbx-secret")
    fake.api["callcenter_config"] = lambda cmd: "+OK\n"
    fake.api["uuid_kill"] = lambda cmd: "+OK\n"
    fake.api["uuid_transfer"] = lambda cmd: "-ERR No such channel!\n"
    await fake.start()
    desks = {name: Desktop(f"token-{name}") for name in ("1001", "1002", "sup")}
    for desk in desks.values():
        await desk.listener.start()
    targets = [
        DesktopTarget("127.0.0.1", desks["1001"].listener.port, "1001@default", "token-1001"),
        DesktopTarget("127.0.0.1", desks["1002"].listener.port, "1002", "token-1002"),
        DesktopTarget("127.0.0.1", desks["sup"].listener.port, "lead1", "token-sup", supervisor=True),
    ]
    client = EslClient(
        EslConfig("127.0.0.1", fake.port, "pbx-secret", backoff_initial=0.05), rng=random.Random(2)
    )
    bridge = CtiBridge(EslAdapter(client), targets, backoff_initial=0.05)
    task = asyncio.create_task(bridge.run())
    for link in bridge.links:
        await asyncio.wait_for(link.connected.wait(), 5)
    await fake.wait_for_command("api callcenter_config agent list")
    yield fake, desks, bridge
    await bridge.close()  # ends run() on its own: no reliance on cancellation
    await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 5)
    for desk in desks.values():
        await desk.listener.stop()
    await fake.stop()


def offer_call(fake: FakeEsl, agent: str) -> None:
    chan = w.channel("CHANNEL_CREATE", T0, 1, SESSION, cid="13800138000")
    fake.send_event(chan)
    cc = {
        "CC-Queue": "support@default",
        "CC-Member-Session-UUID": SESSION,
        "CC-Member-CID-Number": "13800138000",
    }
    fake.send_event(w.callcenter("member-queue-start", T0 + 0.1, 2, cc, chan))
    fake.send_event(w.callcenter("agent-offering", T0 + 0.2, 3, {**cc, "CC-Agent": agent}))
    fake.send_event(
        w.callcenter("agent-status-change", T0 + 0.3, 4, {"CC-Agent": agent, "CC-Agent-Status": "On Break"})
    )


async def test_events_reach_the_right_desktop_only(world) -> None:
    fake, desks, _ = world
    offer_call(fake, "1001@default")
    await desks["1001"].wait_until(lambda: "agent.pause" in desks["1001"].types())
    await desks["sup"].wait_until(lambda: "agent.pause" in desks["sup"].types())
    ringing = [e for e, _ in desks["1001"].events if isinstance(e, CallEvent)]
    assert [e.kind for e in ringing] == [CallEventKind.RINGING]
    assert (ringing[0].call_id, ringing[0].caller, ringing[0].dnis) == (
        SESSION,
        "+8613800138000",
        "4008123456",
    )
    assert all(agent == "1001@default" for _, agent in desks["1001"].events)
    assert not any(isinstance(e, QueueEvent) for e, _ in desks["1001"].events)
    joins = [e for e, _ in desks["sup"].events if isinstance(e, QueueEvent) and e.kind is QueueEventKind.JOIN]
    assert [j.call_id for j in joins] == [SESSION]
    assert not any(isinstance(e, CallEvent) for e, _ in desks["sup"].events)
    # 1002 hears nothing of a call offered to 1001 (only the PBX link state every desktop gets)
    await asyncio.sleep(0.1)
    assert desks["1002"].types() == ["pbx.connected"]


async def test_short_agent_id_matches_and_commands_use_the_pbx_name(world) -> None:
    fake, desks, _ = world
    offer_call(fake, "1002@default")
    await desks["1002"].wait_until(lambda: "call.ringing" in desks["1002"].types())
    assert (
        await desks["1002"].listener.send_command({"action": "pause", "reason": "break"}, agent="1002") == 1
    )
    line = await fake.wait_for_command("api callcenter_config agent set status")
    assert line == "api callcenter_config agent set status 1002@default 'On Break'"
    await desks["1002"].wait_until(lambda: len(desks["1002"].results) == 1)
    assert desks["1002"].results[0].ok


async def test_command_reaches_the_pbx_and_the_result_comes_back(world) -> None:
    fake, desks, _ = world
    offer_call(fake, "1001@default")
    await desks["1001"].wait_until(lambda: "call.ringing" in desks["1001"].types())
    listener = desks["1001"].listener
    await listener.send_command({"action": "hangup", "call_id": SESSION, "id": "cmd-1"}, agent="1001@default")
    await listener.send_command(
        {"action": "transfer", "call_id": SESSION, "target": "2001", "id": "cmd-2"}, agent="1001@default"
    )
    await listener.send_command({"action": "answer", "call_id": SESSION, "id": "cmd-3"}, agent="1001@default")
    await desks["1001"].wait_until(lambda: len(desks["1001"].results) == 3)
    assert f"api uuid_kill {SESSION}" in fake.commands
    assert f"api uuid_transfer {SESSION} 2001 XML default" in fake.commands
    results = {r.id: r for r in desks["1001"].results}
    assert results["cmd-1"].ok and results["cmd-1"].message == "+OK"
    assert not results["cmd-2"].ok and "No such channel" in results["cmd-2"].message
    assert not results["cmd-3"].ok and "phone" in results["cmd-3"].message


async def test_pbx_drop_reconnects_and_events_flow_again(world) -> None:
    fake, desks, _ = world
    fake.drop_all()
    await fake.wait_for_command("auth pbx-secret")
    await asyncio.wait_for(
        _until(lambda: fake.connections >= 2 and fake.commands.count("auth pbx-secret") >= 2), 5
    )
    await asyncio.sleep(0.2)
    offer_call(fake, "1001@default")
    await desks["1001"].wait_until(lambda: "call.ringing" in desks["1001"].types())


async def test_every_desktop_hears_when_the_pbx_link_drops_and_returns(world) -> None:
    fake, desks, _ = world
    for desk in desks.values():  # the link came up when the bridge started
        await desk.wait_until(lambda d=desk: "pbx.connected" in d.types())
    fake.drop_all()
    for desk in desks.values():
        await desk.wait_until(lambda d=desk: "pbx.disconnected" in d.types())
        await desk.wait_until(lambda d=desk: d.types().count("pbx.connected") >= 2)
    lost = next(e for e, _ in desks["1001"].events if e.wire_type == "pbx.disconnected")
    assert lost.detail  # the banner says why


async def test_a_desktop_that_connects_late_is_told_the_pbx_state(world) -> None:
    _fake, desks, bridge = world
    desk = desks["1002"]
    port = desk.listener.port
    await desk.listener.stop()
    link = next(link for link in bridge.links if link.target.agent == "1002")
    await asyncio.wait_for(_until(lambda: not link.connected.is_set()), 5)
    fresh = Desktop("token-1002")
    fresh.listener = CtiListener("127.0.0.1", port, token="token-1002", on_event=fresh._event)
    await fresh.listener.start()
    try:
        await fresh.wait_until(lambda: "pbx.connected" in fresh.types())
    finally:
        await fresh.listener.stop()


async def test_desktop_restart_is_reconnected(world) -> None:
    fake, desks, bridge = world
    desk = desks["1002"]
    port = desk.listener.port
    await desk.listener.stop()
    link = next(link for link in bridge.links if link.target.agent == "1002")
    await asyncio.wait_for(_until(lambda: not link.connected.is_set()), 5)
    fresh = Desktop("token-1002")
    fresh.listener = CtiListener(
        "127.0.0.1", port, token="token-1002", on_event=fresh._event, on_command_result=fresh._result
    )
    await fresh.listener.start()
    try:
        await asyncio.wait_for(link.connected.wait(), 5)
        offer_call(fake, "1002@default")
        await fresh.wait_until(lambda: "call.ringing" in fresh.types())
    finally:
        await fresh.listener.stop()


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.02)


def test_agent_matching_and_specs() -> None:
    assert agent_matches("1001", "1001@default") and agent_matches("1001@default", "1001@default")
    assert not agent_matches("100", "1001@default") and not agent_matches("1001", None)
    targets = parse_desktop_specs("127.0.0.1:7390=1001, [::1]:7391=1002", "tok", False)
    assert [(t.host, t.port, t.agent) for t in targets] == [
        ("127.0.0.1", 7390, "1001"),
        ("::1", 7391, "1002"),
    ]
    assert "tok" not in repr(targets[0])
    with pytest.raises(BridgeConfigError, match="HOST:PORT=AGENT"):
        parse_desktop_specs("127.0.0.1:7390", "tok", False)


def _args(**kw) -> argparse.Namespace:
    base = dict(
        esl=None,
        esl_password_env=None,
        esl_password_file=None,
        ami=None,
        ami_user=None,
        ami_secret_env=None,
        ami_secret_file=None,
        desktop=[],
        supervisor=[],
        token_env=None,
        token_file=None,
        config=None,
    )
    base.update(kw)
    return argparse.Namespace(**base)


def test_config_errors_are_clear(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(BridgeConfigError, match="variable T is not set"):
        build_bridge(_args(esl="pbx:8021", token_env="T", desktop=["127.0.0.1:1=1"]))
    monkeypatch.setenv("T", "tok")
    with pytest.raises(BridgeConfigError, match="exactly one PBX"):
        build_bridge(_args(token_env="T", desktop=["127.0.0.1:1=1"]))
    with pytest.raises(BridgeConfigError, match="ESL_PW is not set"):
        build_bridge(
            _args(esl="pbx:8021", esl_password_env="ESL_PW", token_env="T", desktop=["127.0.0.1:1=1"])
        )
    with pytest.raises(BridgeConfigError, match="need --token-env or --token-file"):
        build_bridge(_args(esl="pbx:8021", desktop=["127.0.0.1:1=1"]))
    bad = tmp_path / "bad.toml"
    bad.write_text("[pbx\n")
    with pytest.raises(BridgeConfigError, match="not valid TOML"):
        build_bridge(_args(config=bad))


def test_config_file_with_per_desktop_token_files(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "t1001").write_text("tok-1001\n")
    monkeypatch.setenv("ESL_PW", "pw")
    monkeypatch.setenv("SUP_TOKEN", "tok-sup")
    conf = tmp_path / "bridge.toml"
    conf.write_text(
        f"""
[pbx]
kind = "esl"
esl = "10.0.0.2:8021"
password_env = "ESL_PW"

[[desktop]]
address = "127.0.0.1:7390"
agent = "1001@default"
token_file = "{tmp_path / "t1001"}"

[[supervisor]]
address = "127.0.0.1:7391"
agent = "lead1"
token_env = "SUP_TOKEN"
"""
    )
    bridge = build_bridge(_args(config=conf))
    assert [(link.target.agent, link.target.token, link.target.supervisor) for link in bridge.links] == [
        ("1001@default", "tok-1001", False),
        ("lead1", "tok-sup", True),
    ]
    assert bridge.pbx.client.config.host == "10.0.0.2" and bridge.pbx.client.config.password == "pw"


async def test_garbage_from_a_desktop_is_ignored_and_the_link_survives() -> None:
    """A raw JSON-lines 'desktop' that answers hello, then sends junk, then a real command."""
    fake = FakeEsl(password="pw")
    fake.api["callcenter_config"] = lambda cmd: "+OK\n"
    fake.api["uuid_kill"] = lambda cmd: "+OK\n"
    await fake.start()
    lines: list[bytes] = []
    got_result = asyncio.Event()

    async def desktop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()  # hello
        # hello.ok, a first command and junk in one packet: nothing after hello.ok may be lost
        first = b'{"type":"command","action":"hangup","call_id":"u-8","id":"c-8"}\n'
        writer.write(b'{"type":"hello.ok","server":"calldesk","protocol":1}\n' + first)
        writer.write(b'\xff\xfe not json\n[1,2]\n{"type":"command"}\n' + b"x" * 70000 + b"\n")
        writer.write(b'{"type":"command","action":"hangup","call_id":"u-9","id":"c-9"}\n')
        await writer.drain()
        while line := await reader.readline():
            lines.append(line)
            if b'"command.result"' in line and b"c-9" in line:
                got_result.set()

    server = await asyncio.start_server(desktop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = EslClient(EslConfig("127.0.0.1", fake.port, "pw"))
    bridge = CtiBridge(EslAdapter(client), [DesktopTarget("127.0.0.1", port, "1001", "tok")])
    task = asyncio.create_task(bridge.run())
    try:
        await asyncio.wait_for(got_result.wait(), 5)
        assert "api uuid_kill u-8" in fake.commands and "api uuid_kill u-9" in fake.commands
        assert b'"ok":true' in next(line for line in lines if b"c-9" in line)
    finally:
        await bridge.close()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 5)
        server.close()
        await fake.stop()
