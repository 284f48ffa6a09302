"""A supervisor's floor feed: at a floor rate well over a desktop's 500 events/s budget, a real
BridgeClient for a supervisor on the real BridgeServer gets every call and queue event and each
agent's latest state (states superseded within one tick coalesced), in batch lines, without a
drop; its own calls arrive once; a hostile `batch` line is counted, not obeyed.

The agents here are bare loopback connections (they only say hello and read) and identities come
from a table: the central API's part of the hello is tested in the other bridge tests."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from desktop.cti.bridge import BridgeLimits, BridgeServer, Identity
from desktop.cti.bridge.fanout import Outbox, SupervisorFeed
from desktop.cti.bridge_client import BridgeClient, BridgeClientConfig
from desktop.cti.events import (
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
    to_wire,
)

from .bridge_rig import until
from .test_bridge_client import HostileBridge, _client, line

pytestmark = pytest.mark.timeout(90)

AGENTS = 60
CALLS = 400  # 7 events each for the supervisor: 2,800 events in ~1 s


class TableIdentities:
    async def identify(self, token: str) -> Identity:
        if token.startswith("boss"):  # "boss" has a phone of its own, "boss-2" has none
            phone = "PJSIP/9000" if token == "boss" else ""
            return Identity(
                username=token,
                agent_id=token,
                role="supervisor",
                pbx_interface=phone,
                queues=("q0",),
                expires_at=time.time() + 600,
            )
        return Identity(
            username=token,
            agent_id=token,
            role="agent",
            pbx_interface=f"PJSIP/{token}",
            queues=(f"q{int(token) % 3}",),
            expires_at=time.time() + 600,
        )

    async def close(self) -> None:
        return None


class QuietPbx:
    on_event: Any = None

    def set_agent_interfaces(self, predicate: Any) -> None:
        return None

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        return None

    async def execute(self, action: str, identity: Identity, command: dict[str, Any]) -> tuple[bool, str]:
        return False, "not here"


def call_events(k: int, agent: str) -> list[CtiEvent]:
    iface, cid, ts = {"interface": f"PJSIP/{agent}"}, f"c{k}", float(k)
    queue = f"q{int(agent) % 3}" if agent != "9000" else "q0"
    return [
        QueueEvent(QueueEventKind.JOIN, queue, ts, call_id=cid, caller="+8613800138000"),
        CallEvent(
            CallEventKind.RINGING,
            cid,
            ts,
            caller="+8613800138000",
            queue=queue,
            agent=f"M {agent}",
            extra=dict(iface),
        ),
        AgentEvent(AgentEventKind.STATE, f"M {agent}", ts, state="ringing", extra=dict(iface)),
        CallEvent(CallEventKind.ANSWERED, cid, ts + 1, agent=f"M {agent}", extra=dict(iface)),
        AgentEvent(AgentEventKind.STATE, f"M {agent}", ts + 1, state="busy", extra=dict(iface)),
        CallEvent(CallEventKind.ENDED, cid, ts + 2, agent=f"M {agent}", extra=dict(iface)),
        AgentEvent(AgentEventKind.STATE, f"M {agent}", ts + 2, state="ready", extra=dict(iface)),
    ]


async def _agent(port: int, name: str, lines: list[dict[str, Any]] | None = None) -> asyncio.StreamWriter:
    """A bare desktop from before the batch feed: its hello names no feed; it keeps `lines`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write(json.dumps({"type": "hello", "protocol": 1, "token": name}).encode() + b"\n")

    async def drain() -> None:
        while raw := await reader.readline():
            if lines is not None:
                lines.append(json.loads(raw))

    asyncio.get_running_loop().create_task(drain())
    return writer


def _supervisor(port: int, token: str, events: list[dict[str, Any]]) -> BridgeClient:
    client = BridgeClient(
        BridgeClientConfig("127.0.0.1", port, tls=False, backoff_initial=0.05),
        token,
        lambda event, agent: events.append(to_wire(event)),
    )
    client.start()
    return client


async def test_a_supervisor_sees_the_whole_floor_over_its_budget_without_drops() -> None:
    bridge = BridgeServer(QuietPbx(), TableIdentities(), limits=BridgeLimits())  # type: ignore[arg-type]
    await bridge.start("127.0.0.1", 0)
    writers = [await _agent(bridge.port, str(1000 + i)) for i in range(AGENTS)]
    boss_events: list[dict[str, Any]] = []
    other_events: list[dict[str, Any]] = []
    boss = _supervisor(bridge.port, "boss", boss_events)
    other = _supervisor(bridge.port, "boss-2", other_events)
    legacy_lines: list[dict[str, Any]] = []
    writers.append(await _agent(bridge.port, "boss-3", legacy_lines))
    try:
        await until(lambda: bridge.stats.sessions == AGENTS + 3)
        started = time.monotonic()
        for k in range(CALLS):
            agent = "9000" if k == 7 else str(1000 + k % AGENTS)  # call 7 rings the supervisor's phone
            for event in call_events(k, agent):
                bridge.on_pbx_event(event)
            if k % 40 == 39:
                await asyncio.sleep(0.1)
        elapsed = time.monotonic() - started
        assert 7 * CALLS / elapsed > 700  # well over a desktop's 500 events/s

        def complete(events: list[dict[str, Any]]) -> bool:  # every call's end and every join arrived
            return sum(e["type"] in ("call.ended", "queue.join") for e in events) == 2 * CALLS

        await until(lambda: complete(other_events) and complete(boss_events), timeout=20)
        await asyncio.sleep(0.2)  # anything more would be a duplicate: wait for it to show
        assert bridge.supervisor_feed.coalesced > 0  # superseded agent states were never sent
        for client, events in ((boss, boss_events), (other, other_events)):
            assert client.stats.flood_dropped == 0 and client.stats.duplicate_rings == 0
            assert client.stats.batches < len(events) / 5  # a few batch lines carried the floor
            assert sum(e["type"] == "queue.join" for e in events) == CALLS
            calls: dict[str, list[str]] = {}
            for e in events:
                if e["type"].startswith("call."):
                    calls.setdefault(e["call_id"], []).append(e["type"])
            assert calls == {f"c{k}": ["call.ringing", "call.answered", "call.ended"] for k in range(CALLS)}
            latest = {e["agent"]: e["state"] for e in events if e["type"] == "agent.state"}
            assert latest == {str(1000 + i): "ready" for i in range(AGENTS)} | {"boss": "ready"}
            assert client.calls == {}
        # the supervisor's own phone: its call and its state came on its own lines, once each
        own_states = [e["state"] for e in boss_events if e["type"] == "agent.state" and e["agent"] == "boss"]
        assert own_states == ["ringing", "busy", "ready"]
        assert boss.stats.feed_own_skipped >= 4 and other.stats.feed_own_skipped == 0
        # a supervisor desktop from before the feed still gets the floor, one line per event
        await until(lambda: sum(e["type"] == "call.ended" for e in legacy_lines) == CALLS)
        assert not [e for e in legacy_lines if e["type"] == "batch"]
        assert sum(e["type"] == "queue.join" for e in legacy_lines) == CALLS
        assert sum(e["type"] == "agent.state" for e in legacy_lines) == 3 * CALLS
        assert bridge.stats.slow_dropped == 0
    finally:
        await boss.stop()
        await other.stop()
        for writer in writers:
            writer.transport.abort()
        await bridge.close()


class _Recorder:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def write_now(self, data: bytes, lines: int) -> None:
        self.lines.append(json.loads(data))


async def test_the_feed_keeps_every_call_event_and_the_latest_state_per_agent_and_queue() -> None:
    sink = _Recorder()
    feed = SupervisorFeed(lambda: [sink], interval_s=0.05)
    feed.add({"type": "agent.state", "agent": "1001", "state": "ringing", "ts": 1.0})
    feed.add({"type": "call.ringing", "call_id": "c1", "agent": "1001", "ts": 1.0})
    feed.add({"type": "queue.stats", "queue": "q", "stats": {"waiting": 3}, "ts": 1.0})
    feed.add({"type": "agent.state", "agent": "1001", "state": "busy", "ts": 2.0})
    feed.add({"type": "agent.pause", "agent": "1001", "paused": True, "reason": "x", "ts": 2.0})
    feed.add({"type": "call.answered", "call_id": "c1", "agent": "1001", "ts": 2.0})
    feed.add({"type": "queue.stats", "queue": "q", "stats": {"waiting": 2}, "ts": 2.0})
    feed.add({"type": "agent.state", "agent": "1002", "state": "ready", "ts": 2.0})
    await until(lambda: bool(sink.lines))
    [batch] = sink.lines
    assert batch["type"] == "batch"
    assert [(e["type"], e["ts"]) for e in batch["events"]] == [
        ("call.ringing", 1.0),
        ("agent.state", 2.0),
        ("agent.pause", 2.0),
        ("call.answered", 2.0),
        ("queue.stats", 2.0),
        ("agent.state", 2.0),
    ]
    assert feed.coalesced == 2
    feed.add({"type": "agent.state", "agent": "1001", "state": "ready", "ts": 3.0})
    await until(lambda: len(sink.lines) == 2)  # the next tick: at most one batch per interval
    assert sink.lines[1]["events"][0]["state"] == "ready"
    feed.close()


async def test_hostile_batch_lines_are_counted_not_obeyed() -> None:
    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(line(type="snapshot", ts=1.0, calls=[]))
        writer.write(line(type="batch", events="nope"))
        writer.write(line(type="batch", events=[1, None, {"type": "batch", "events": []}, {"type": "x.y"}]))
        ring = {"type": "call.ringing", "call_id": "own", "ts": 1.0, "agent": "1001"}
        writer.write(line(type="batch", events=[ring]))  # about itself: only its own lines count
        many = [{"type": "queue.join", "queue": "q", "ts": 1.0, "call_id": f"j{i}"} for i in range(3000)]
        writer.write(line(type="batch", events=many))
        writer.write(line(type="pbx.connected", ts=2.0))
        await writer.drain()
        await asyncio.sleep(5)

    bridge = HostileBridge(script)
    client, events, _ = await _client(await bridge.start(), max_batch_events=2000)
    try:
        await until(lambda: any(e["type"] == "pbx.connected" for e in events))
        assert client.stats.bad_lines == 1 + 4  # a non-list, 1, None, a nested batch, an unknown type
        assert client.stats.feed_own_skipped == 1 and "own" not in client.calls
        assert client.stats.flood_dropped == 1000  # over max_batch_events
        assert sum(e["type"] == "queue.join" for e in events) == 2000
    finally:
        await client.stop()
        await bridge.stop()


class _Bytes:
    def __init__(self) -> None:
        self.writes: list[tuple[bytes, int]] = []

    def write_now(self, data: bytes, lines: int) -> None:
        self.writes.append((data, lines))


async def test_one_write_per_desktop_per_loop_iteration_and_order_kept() -> None:
    outbox, one, two = Outbox(), _Bytes(), _Bytes()
    outbox.put(one, b"a\n")
    outbox.put(two, b"x\n")
    outbox.put(one, b"b\n")
    assert one.writes == [] and two.writes == []  # nothing leaves before the iteration ends
    outbox.take(one)  # a line that must follow them (a command result, an error) goes now
    assert one.writes == [(b"a\nb\n", 2)]
    await asyncio.sleep(0)
    assert two.writes == [(b"x\n", 1)] and one.writes == [(b"a\nb\n", 2)]
    outbox.put(one, b"c\n")
    await asyncio.sleep(0)
    assert one.writes[-1] == (b"c\n", 1)
