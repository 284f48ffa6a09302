"""Volume, several sources at once, commands back to sources, and a source that stops reading."""

from __future__ import annotations

import asyncio
import time

import pytest
from cti_socket_helpers import TOKEN, RawSource, line, ringing

from desktop.cti.listener import CtiListener
from desktop.cti.simulator import CtiSimulator

NUMBERS = ["+8613800138000", "+8613912345678", "+861012345678", "+8675512345678"]


async def test_ten_thousand_event_burst_arrives_complete_and_in_order(listener, received):
    source = await RawSource.hello(listener.port)
    call_ids = [f"c-{i:05d}" for i in range(10_000)]
    payload = b"".join(line(ringing(cid)) for cid in call_ids)
    for start in range(0, len(payload), 100_000):
        await source.send(payload[start : start + 100_000])
    assert await source.replies_until_pong(timeout=30) == []
    assert received.call_ids() == call_ids
    assert listener.stats.events == 10_000
    assert listener.stats.bad_json == listener.stats.invalid_event == listener.stats.oversized_lines == 0
    await source.close()


async def test_simulator_burst_is_counted_exactly(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", numbers=NUMBERS, seed=7) as sim:
        assert await sim.burst(10_000) == 10_000
        assert await sim.ping(timeout_s=30)
    assert listener.stats.events == 10_000 == len(received.events)
    assert sim.errors_received == []
    by_call: dict[str, list[str]] = {}
    for event, _ in received.events:
        by_call.setdefault(event.call_id, []).append(event.wire_type)
    full = ["queue.join", "queue.leave", "call.ringing", "call.answered", "call.ended"]
    assert all(kinds == full[: len(kinds)] for kinds in by_call.values())


async def test_several_sources_at_once_keep_their_own_order_and_agent(listener, received):
    agents = [f"10{i:02d}" for i in range(6)]

    async def feed(agent: str) -> None:
        source = await RawSource.hello(listener.port, agent=agent)
        for chunk in range(10):
            await source.send(
                b"".join(line(ringing(f"{agent}-{chunk * 100 + i:04d}", agent=agent)) for i in range(100))
            )
        await source.replies_until_pong(timeout=30)
        await source.close()

    await asyncio.gather(*(feed(a) for a in agents))
    assert listener.stats.events == 6000 and listener.stats.hellos_ok == 6
    for agent in agents:
        mine = [e.call_id for e, source_agent in received.events if source_agent == agent]
        assert mine == [f"{agent}-{i:04d}" for i in range(1000)]
        assert all(e.agent == agent for e, a in received.events if a == agent)


async def test_command_round_trip_through_the_simulator(listener, received):
    """The simulated PBX answers like a PBX: no hold for a call it never offered; for a call it
    did, hold is accepted and then reported as call.held, the way a switch reports it."""
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", numbers=NUMBERS) as sim:
        await listener.send_command({"action": "hold", "call_id": "c-42", "id": "h-1"}, agent="1001")
        await sim.send({"type": "call.ringing", "call_id": "c-42", "agent": "1001", "ts": 1.0})
        await sim.send({"type": "call.answered", "call_id": "c-42", "agent": "1001", "ts": 2.0})
        await sim.ping()
        delivered = await listener.send_command(
            {"action": "hold", "call_id": "c-42", "id": "h-2"}, agent="1001"
        )
        assert delivered == 1
        for _ in range(200):
            if len(received.results) == 2 and any(e.wire_type == "call.held" for e, _ in received.events):
                break
            await asyncio.sleep(0.01)
    first, _ = sim.commands_received
    assert first["type"] == "command" and first["action"] == "hold" and first["call_id"] == "c-42"
    refused, accepted = sorted(received.results, key=lambda r: r.id)
    assert (refused.id, refused.ok, refused.message) == (
        "h-1",
        False,
        "no such call 'c-42' (it may have ended)",
    )
    assert (accepted.id, accepted.ok, accepted.agent) == ("h-2", True, "1001")
    assert "hold" in accepted.message
    assert [e.wire_type for e, _ in received.events][-1] == "call.held"
    assert listener.stats.commands_sent == 2 and listener.stats.command_results == 2


async def test_commands_go_only_to_the_named_agent_or_to_all(listener):
    a = CtiSimulator(port=listener.port, token=TOKEN, agent="1001")
    b = CtiSimulator(port=listener.port, token=TOKEN, agent="1002")
    await a.connect()
    await b.connect()
    try:
        assert (
            await listener.send_command(
                {"action": "dial", "target": "13800138000", "id": "d-1"}, agent="1002"
            )
            == 1
        )
        assert await listener.send_command({"action": "pause", "reason": "lunch"}) == 2
        assert await listener.send_command({"action": "answer"}, agent="9999") == 0
        await a.ping()
        await b.ping()
        assert [c["action"] for c in a.commands_received] == ["pause"]
        assert [(c["action"], c["id"]) for c in b.commands_received] == [
            ("dial", "d-1"),
            ("pause", b.commands_received[1]["id"]),
        ]
    finally:
        await a.close()
        await b.close()


async def test_unknown_command_action_is_a_programming_error(listener):
    with pytest.raises(ValueError, match="unknown CTI command action"):
        await listener.send_command({"action": "self_destruct"})


async def test_command_result_callback_failure_is_contained(listener, received):
    def broken(result):
        raise RuntimeError("bug in the results handler")

    listener.on_command_result = broken
    source = await RawSource.hello(listener.port)
    await source.send(line({"type": "command.result", "id": "x", "ok": False, "message": "no such call"}))
    await source.send(line(ringing("c-1")))
    assert await source.replies_until_pong() == []
    assert listener.stats.callback_errors == 1 and received.call_ids() == ["c-1"]
    await source.close()


async def test_slow_reader_does_not_block_other_sources(received):
    server = CtiListener(
        port=0,
        token=TOKEN,
        on_event=received.on_event,
        max_pending_write_bytes=512 * 1024,
        command_drain_timeout_s=0.2,
    )
    await server.start()
    try:
        stuck = await RawSource.hello(server.port, agent="stuck")  # never reads again
        lively = CtiSimulator(port=server.port, token=TOKEN, agent="lively")
        await lively.connect()
        big_reason = "r" * 60_000
        worst = 0.0
        for i in range(200):  # up to 12 MB at a source that reads nothing
            started = time.perf_counter()
            await server.send_command({"action": "pause", "reason": big_reason, "id": f"p-{i}"})
            worst = max(worst, time.perf_counter() - started)
            await lively.send(ringing(f"c-{i}", agent="lively"))
            if server.stats.stalled_sources_closed:
                break
        assert server.stats.stalled_sources_closed == 1
        for _ in range(100):  # the stalled connection is really gone, not waiting to flush forever
            if server.stats.active_sources == 1:
                break
            await asyncio.sleep(0.02)
        assert server.connected_agents() == ["lively"]
        assert worst < 1.0  # bounded by the drain timeout, not by the stuck source
        assert await lively.ping()
        assert len(lively.commands_received) == i + 1  # the lively source got every command
        assert [e.call_id for e, a in received.events if a == "lively"] == [f"c-{n}" for n in range(i + 1)]
        assert await server.send_command({"action": "unpause"}) == 1  # only the lively one is left
        await lively.close()
        await stuck.close()
    finally:
        await server.stop()
