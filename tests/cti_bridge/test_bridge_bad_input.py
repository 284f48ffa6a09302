"""The bridge under hostile or broken peers (issue #13, "Bad input and faults"): every refusal
is answered, counted, and the real desktops keep working."""

from __future__ import annotations

import asyncio
import json
import socket
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import pytest

from desktop.cti.bridge import BridgeLimits
from desktop.cti.events import AgentEvent, AgentEventKind, CallEvent, CallEventKind

from .bridge_rig import Rig, start_rig, until

pytestmark = pytest.mark.timeout(90)

LIMITS = BridgeLimits(hello_timeout_s=0.5, max_pending_hellos_per_ip=4, max_write_buffer=64 * 1024)


@pytest.fixture
async def rig(seeded_central_sqlite: Any) -> AsyncIterator[Rig]:
    the_rig = await start_rig(seeded_central_sqlite.url, limits=LIMITS)
    the_rig.central = seeded_central_sqlite  # type: ignore[attr-defined]
    yield the_rig
    await the_rig.close()


async def _raw(rig: Rig, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", rig.bridge.port, local_addr=(source, 0))


async def _lines(reader: asyncio.StreamReader, timeout: float = 3.0) -> list[dict[str, Any]]:
    """Everything the bridge sends until it closes the connection."""
    data = await asyncio.wait_for(reader.read(), timeout)
    return [json.loads(line) for line in data.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("first_line", "code"),
    [
        (b"not json at all\n", "bad_hello"),
        (b'{"type":"event"}\n', "hello_required"),
        (b'{"type":"hello","protocol":1}\n', "bad_token"),
        (b'{"type":"hello","protocol":1,"token":42}\n', "bad_token"),
        (b'{"type":"hello","protocol":1,"token":"forged.token"}\n', "bad_token"),
        (b'{"type":"hello","token":"' + b"x" * 70_000 + b'"}\n', "bad_hello"),
        (b"[1,2,3]\n", "hello_required"),
        (b'{"type":"hello","token":NaN}\n', "bad_hello"),
    ],
)
async def test_malformed_or_unauthenticated_hello_is_refused_and_closed(
    rig: Rig, first_line: bytes, code: str
) -> None:
    reader, writer = await _raw(rig)
    writer.write(first_line)
    lines = await _lines(reader)
    assert lines == [{"type": "error", "code": code, "message": lines[0]["message"]}]
    assert rig.bridge.stats.refused == 1 and rig.bridge.stats.sessions == 0
    writer.close()


async def test_no_hello_times_out(rig: Rig) -> None:
    reader, writer = await _raw(rig)
    lines = await _lines(reader, timeout=3.0)
    assert [line["code"] for line in lines] == ["hello_timeout"]
    assert rig.bridge.stats.refused_hello_timeout == 1
    writer.close()


async def test_idle_connections_from_one_address_cannot_lock_out_the_real_desktop(rig: Rig) -> None:
    idle = [await _raw(rig) for _ in range(LIMITS.max_pending_hellos_per_ip)]
    reader, writer = await _raw(rig)  # one more from the same address: refused at once
    assert [line["code"] for line in await _lines(reader)] == ["too_many_connections"]
    assert rig.bridge.stats.refused_slots == 1
    real = await rig.desk("1001", rig.central.token_for("1001"), source_host="127.0.0.2")  # type: ignore[attr-defined]
    assert real.client.connected and real.client.agent == "1001"
    for _r, w in [*idle, (reader, writer)]:
        w.close()


async def test_oversized_and_bad_lines_after_hello_are_answered_and_the_session_stays(rig: Rig) -> None:
    reader, writer = await _raw(rig)
    writer.write(
        json.dumps({"type": "hello", "protocol": 1, "token": rig.central.token_for("1001")}).encode() + b"\n"
    )  # type: ignore[attr-defined]
    welcome = json.loads(await reader.readline())
    assert welcome["type"] == "welcome" and welcome["agent"] == "1001" and welcome["role"] == "agent"
    assert json.loads(await reader.readline())["type"] == "snapshot"
    writer.write(
        b"y" * 100_000
        + b"\n"
        + b"{oops\n"
        + b'{"type":"call.ringing"}\n'
        + b"\xff\xfe\n"
        + b'{"type":"ping"}\n'
    )
    replies = [json.loads(await reader.readline()) for _ in range(5)]
    assert [r.get("code", r["type"]) for r in replies] == [
        "line_too_long",
        "bad_json",
        "unknown_type",
        "bad_encoding",
        "pong",
    ]
    assert rig.bridge.stats.oversized_lines == 1 and rig.bridge.stats.bad_lines == 3
    writer.close()


async def test_a_desktop_that_stops_reading_is_dropped_and_counted_others_unaffected(rig: Rig) -> None:
    token = rig.central.token_for("1001")  # type: ignore[attr-defined]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", rig.bridge.port))
    sock.sendall(json.dumps({"type": "hello", "protocol": 1, "token": token}).encode() + b"\n")
    await until(lambda: rig.bridge.stats.sessions == 1)
    other = await rig.desk("1002", rig.central.token_for("1002"))  # type: ignore[attr-defined]
    for n in range(12000):  # 1001's state changes, never read by the stalled desktop
        rig.bridge.on_pbx_event(
            AgentEvent(
                AgentEventKind.STATE,
                agent="Li Lei",
                ts=float(n),
                state="ready",
                extra={"interface": "PJSIP/1001", "pad": "x" * 1000},
            )
        )
        if n % 500 == 0:
            await asyncio.sleep(0)
    rig.bridge.on_pbx_event(
        AgentEvent(
            AgentEventKind.PAUSE,
            agent="王芳",
            ts=1.0,
            paused=True,
            reason="break",
            extra={"interface": "PJSIP/1002"},
        )
    )
    await until(lambda: bool(other.of_type("agent.pause")), timeout=2.0)
    assert rig.bridge.stats.slow_dropped == 1
    await until(lambda: rig.bridge.stats.sessions == 1)  # only 1002 is left
    sock.close()


async def test_flood_of_ring_and_end_keeps_memory_flat(rig: Rig) -> None:
    desk = await rig.desk("1001", rig.central.token_for("1001"))  # type: ignore[attr-defined]
    seen = [0]

    def count(event: object, agent: str) -> None:
        seen[0] += 1

    desk.client.on_event = count  # the rig's recorder would itself grow with the flood

    async def flood(start: int, count: int) -> None:
        for n in range(start, start + count):
            extra = {"interface": "PJSIP/1001"}
            rig.bridge.on_pbx_event(
                CallEvent(
                    CallEventKind.RINGING,
                    f"f{n}",
                    float(n),
                    caller="13800138000",
                    agent="Li Lei",
                    extra=extra,
                )
            )
            rig.bridge.on_pbx_event(
                CallEvent(CallEventKind.ENDED, f"f{n}", float(n), agent="Li Lei", extra=extra)
            )
            if n % 200 == 0:
                await asyncio.sleep(0)

    await flood(0, 2000)
    tracemalloc.start()
    try:
        await flood(2000, 5000)
        await asyncio.sleep(0.5)
        first, _ = tracemalloc.get_traced_memory()
        await flood(7000, 5000)
        await asyncio.sleep(0.5)
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rig.bridge.router.legs) == 0
    assert second - first < 512 * 1024, (first, second)
    await until(
        lambda: (
            desk.client.stats.events + desk.client.stats.flood_dropped + desk.client.stats.never_rung >= 1000
        )
    )
    assert len(desk.client.calls) <= desk.client.config.max_open_calls


async def test_central_api_unreachable_at_hello_is_a_clear_error_and_the_desktop_retries(
    seeded_central_sqlite: Any, dead_url: str
) -> None:
    the_rig = await start_rig(dead_url, limits=LIMITS)
    try:
        desk = await the_rig.desk("1001", seeded_central_sqlite.token_for("1001"), wait=False)
        await until(lambda: the_rig.bridge.stats.refused_central >= 2)
        assert desk.client.status in ("disconnected", "connecting")
        details = [d for s, d in desk.statuses if s == "disconnected"]
        assert details and "cannot reach the central API" in details[0]
        assert all(s != "relogin_needed" for s, _ in desk.statuses)
    finally:
        await the_rig.close()
