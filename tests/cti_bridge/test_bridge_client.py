"""The desktop-side BridgeClient against a hostile bridge (a raw server written here): nothing
pops twice, nothing happens for calls that never rang, a flood is bounded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from desktop.cti.bridge_client import BridgeClient, BridgeClientConfig
from desktop.cti.events import CtiEvent, to_wire

pytestmark = pytest.mark.timeout(60)


class HostileBridge:
    """Welcomes anyone, then sends what the test scripts."""

    def __init__(
        self, script: Callable[[asyncio.StreamWriter, int], Any], error: dict[str, Any] | None = None
    ) -> None:
        self.script = script
        self.error = error
        self.sessions = 0
        self.hellos: list[dict[str, Any]] = []
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.hellos.append(json.loads(await reader.readline()))
        if self.error is not None:
            writer.write(json.dumps(self.error).encode() + b"\n")
            await writer.drain()
            writer.close()
            return
        self.sessions += 1
        writer.write(b'{"type":"welcome","agent":"1001","role":"agent","interface":"PJSIP/1001"}\n')
        await self.script(writer, self.sessions)
        await writer.drain()
        writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


def line(**message: Any) -> bytes:
    return json.dumps(message).encode() + b"\n"


async def _client(port: int, **config: Any) -> tuple[BridgeClient, list[dict[str, Any]], list[str]]:
    events: list[dict[str, Any]] = []
    statuses: list[str] = []

    def on_event(event: CtiEvent, agent: str) -> None:
        events.append(to_wire(event))

    client = BridgeClient(
        BridgeClientConfig("127.0.0.1", port, tls=False, backoff_initial=0.05, backoff_max=0.2, **config),
        "token",
        on_event,
        on_status=lambda s, d: statuses.append(s),
    )
    client.start()
    return client, events, statuses


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


async def test_endings_for_calls_never_rung_are_ignored_and_counted() -> None:
    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(line(type="snapshot", ts=1.0, calls=[]))
        for _ in range(5):
            writer.write(line(type="call.ended", call_id="ghost", ts=1.0, agent="1001", reason="hung_up"))
        writer.write(line(type="call.answered", call_id="ghost", ts=1.0, agent="1001"))
        writer.write(line(type="call.ringing", call_id="real", ts=2.0, agent="1001", caller="13800138000"))
        writer.write(line(type="call.ended", call_id="real", ts=3.0, agent="1001", reason="hung_up"))
        await asyncio.sleep(5)

    bridge = HostileBridge(script)
    client, events, _ = await _client(await bridge.start())
    try:
        await _until(lambda: len(events) >= 2)
        assert [(e["type"], e["call_id"]) for e in events] == [
            ("call.ringing", "real"),
            ("call.ended", "real"),
        ]
        assert client.stats.never_rung == 6
        assert bridge.hellos[0] == {"type": "hello", "protocol": 1, "token": "token", "feed": "batch"}
    finally:
        await client.stop()
        await bridge.stop()


async def test_reconnect_with_snapshot_pops_nothing_twice_and_ends_calls_the_pbx_lost() -> None:
    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        if n == 1:
            writer.write(line(type="snapshot", ts=1.0, calls=[]))
            for call in ("a", "b"):
                writer.write(
                    line(type="call.ringing", call_id=call, ts=1.0, agent="1001", caller="13800138000")
                )
                writer.write(line(type="call.answered", call_id=call, ts=1.5, agent="1001"))
            await asyncio.sleep(0.2)
            return  # the bridge goes away
        calls = [
            {"type": "call.ringing", "call_id": "a", "ts": 1.0, "agent": "1001", "state": "answered"},
            {
                "type": "call.ringing",
                "call_id": "c",
                "ts": 4.0,
                "agent": "1001",
                "state": "ringing",
                "caller": "13900139000",
            },
        ]
        writer.write(line(type="snapshot", ts=5.0, calls=calls, pbx={"type": "pbx.connected", "ts": 5.0}))
        writer.write(line(type="call.ringing", call_id="c", ts=4.0, agent="1001"))  # a replayed ring
        await asyncio.sleep(5)

    bridge = HostileBridge(script)
    client, events, statuses = await _client(await bridge.start())
    try:
        await _until(
            lambda: client.stats.snapshots >= 2 and any(e["type"] == "pbx.connected" for e in events)
        )
        rings = [e["call_id"] for e in events if e["type"] == "call.ringing"]
        assert rings == ["a", "b", "c"]  # a is not popped again; c (new while away) pops once
        ended = [(e["call_id"], e["reason"]) for e in events if e["type"] == "call.ended"]
        assert ended == [("b", "pbx_link_lost")]
        assert client.calls == {"a": "answered", "c": "ringing"}
        assert statuses.count("connected") == 2 and "disconnected" in statuses
        assert client.stats.duplicate_rings == 1
    finally:
        await client.stop()
        await bridge.stop()


async def test_a_flood_is_bounded_and_counted() -> None:
    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(line(type="snapshot", ts=1.0, calls=[]))
        for i in range(20_000):
            writer.write(line(type="call.ringing", call_id=f"f{i}", ts=1.0, agent="1001"))
            writer.write(line(type="call.ended", call_id=f"f{i}", ts=1.0, agent="1001", reason="hung_up"))
            if i % 1000 == 0:
                await writer.drain()
        writer.write(line(type="pbx.connected", ts=2.0))
        await writer.drain()
        await asyncio.sleep(5)

    bridge = HostileBridge(script)
    client, events, _ = await _client(await bridge.start(), max_events_per_s=200.0)
    try:
        await _until(lambda: client.stats.flood_dropped + client.stats.never_rung >= 39_000, timeout=20)
        rings = sum(1 for e in events if e["type"] == "call.ringing")
        ends = sum(1 for e in events if e["type"] == "call.ended")
        assert rings == ends and rings < 5000  # every shown ring ends; most of the flood is dropped
        assert client.calls == {}
    finally:
        await client.stop()
        await bridge.stop()


@pytest.mark.parametrize("code", ["token_expired", "bad_token"])
async def test_refused_token_is_a_relogin_outcome_not_a_retry_loop(code: str) -> None:
    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(line(type="snapshot", ts=1.0, calls=[]))
        await asyncio.sleep(5)

    bridge = HostileBridge(script, error={"type": "error", "code": code, "message": "log in again"})
    client, _events, statuses = await _client(await bridge.start())
    try:
        await _until(lambda: "relogin_needed" in statuses)
        await asyncio.sleep(0.5)
        assert len(bridge.hellos) == 1  # no hammering with a dead token
        bridge.error = None
        client.set_token("fresh")
        await _until(lambda: client.connected)
        assert bridge.hellos[-1]["token"] == "fresh"
    finally:
        await client.stop()
        await bridge.stop()
