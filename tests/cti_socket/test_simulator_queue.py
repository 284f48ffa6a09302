"""The simulator's calls wait in the queue like a real one's: no ring while the agent is paused
(any reason, set by a command over the real CTI socket, as the desktop sends it) or already on a
call; the waiting call rings on unpause; a caller who gives up while waiting still abandons."""

from __future__ import annotations

import asyncio
import time

from cti_socket_helpers import TOKEN, Received

from desktop.cti.listener import CtiListener
from desktop.cti.simulator import CtiSimulator

HELD_S = 1.0  # how long a due call must stay unrung while the agent is paused
WHOLE_CALL = ["queue.join", "queue.leave", "call.ringing", "call.answered", "call.ended"]


def kinds(received: Received, call_id: str) -> list[str]:
    return [e.wire_type for e, _ in received.events if getattr(e, "call_id", None) == call_id]


async def until(predicate, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.01)


async def state_command(listener: CtiListener, sim: CtiSimulator, action: str, reason: str = "") -> None:
    """What the desktop sends (AgentDesk / the wrap-up / `calldesk agent`), and its answer back."""
    answers = len(sim.commands_received)
    wire = {"action": action, "id": f"{action}-{answers}", **({"reason": reason} if reason else {})}
    assert await listener.send_command(wire, agent="1001") == 1
    await until(lambda: len(sim.commands_received) > answers)


async def test_a_paused_agent_gets_no_ring_and_the_waiting_call_rings_on_unpause(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", seed=1) as sim:
        await state_command(listener, sim, "pause", "acw")
        started = time.monotonic()
        call = asyncio.ensure_future(
            sim.play_call("13800138000", call_id="q-1", abandon=False, wait_s=0.01, ring_s=0.01, talk_s=0.01)
        )
        await asyncio.sleep(HELD_S)  # the call was due after 0.01 s
        await sim.ping()
        assert kinds(received, "q-1") == ["queue.join"]
        assert not call.done()
        held = time.monotonic() - started
        await state_command(listener, sim, "unpause")
        await asyncio.wait_for(call, 5)
        await sim.ping()
    assert kinds(received, "q-1") == WHOLE_CALL
    leave = next(e for e, _ in received.events if e.wire_type == "queue.leave")
    assert leave.wait_s is not None and leave.wait_s >= held - 0.05  # the time it really waited


async def test_any_pause_reason_holds_calls_and_they_ring_in_order_one_at_a_time(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", seed=2) as sim:
        await state_command(listener, sim, "pause", "lunch")
        calls = []
        for n in range(3):
            calls.append(
                asyncio.ensure_future(
                    sim.play_call(call_id=f"q-{n}", abandon=False, wait_s=0.01, ring_s=0.05, talk_s=0.1)
                )
            )
            await asyncio.sleep(0.05)  # they join in this order
        await asyncio.sleep(HELD_S)
        await sim.ping()
        assert not [e for e, _ in received.events if e.wire_type.startswith("call.")]
        await state_command(listener, sim, "unpause")
        await asyncio.wait_for(asyncio.gather(*calls), 10)
        await sim.ping()
    on_agent = [(e.wire_type, e.call_id) for e, _ in received.events if e.wire_type.startswith("call.")]
    assert on_agent == [
        (kind, f"q-{n}") for n in range(3) for kind in ("call.ringing", "call.answered", "call.ended")
    ]  # never a second call ringing while one is on the agent


async def test_a_busy_agent_gets_no_second_ring(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", seed=3) as sim:
        first = asyncio.ensure_future(
            sim.play_call(call_id="b-1", abandon=False, wait_s=0.01, ring_s=0.05, talk_s=HELD_S)
        )
        await until(lambda: "b-1" in sim.pbx.calls)
        second = asyncio.ensure_future(
            sim.play_call(call_id="b-2", abandon=False, wait_s=0.01, ring_s=0.05, talk_s=0.05)
        )
        await asyncio.wait_for(asyncio.gather(first, second), 10)
        await sim.ping()
    order = [(e.wire_type, getattr(e, "call_id", None)) for e, _ in received.events]
    assert order.index(("call.ringing", "b-2")) > order.index(("call.ended", "b-1"))
    assert order.index(("queue.join", "b-2")) < order.index(("call.ended", "b-1"))  # it was queued


async def test_a_call_the_desktop_hangs_up_is_not_answered_or_ended_again(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", seed=4) as sim:
        call = asyncio.ensure_future(
            sim.play_call(call_id="h-1", abandon=False, wait_s=0.01, ring_s=0.3, talk_s=0.3)
        )
        await until(lambda: sim.pbx.calls.get("h-1") == "ringing")
        assert await listener.send_command({"action": "answer", "call_id": "h-1", "id": "a"}, agent="1001")
        await until(lambda: sim.pbx.calls.get("h-1") == "talking")
        assert await listener.send_command({"action": "hangup", "call_id": "h-1", "id": "h"}, agent="1001")
        await asyncio.wait_for(call, 5)
        await sim.ping()
    assert kinds(received, "h-1") == WHOLE_CALL  # once each: the desktop's answer and hang-up


async def test_a_caller_waiting_for_a_paused_agent_can_still_abandon(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", seed=5) as sim:
        await state_command(listener, sim, "pause", "break")
        await asyncio.wait_for(sim.play_call(call_id="a-1", abandon=True, wait_s=0.2), 5)
        await state_command(listener, sim, "unpause")
        await asyncio.sleep(0.3)
        await sim.ping()
    assert kinds(received, "a-1") == ["queue.join", "queue.abandon"]  # gone: nothing rings later


async def test_wait_for_agent_gives_up_at_its_timeout_and_follows_the_wrapuptime(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", wrapuptime_s=0.5) as sim:
        await state_command(listener, sim, "pause", "acw")
        started = time.monotonic()
        assert await sim.wait_for_agent(timeout_s=0.3) is False
        assert 0.25 <= time.monotonic() - started < 2
        await state_command(listener, sim, "unpause")
        assert await sim.wait_for_agent(timeout_s=0.1) is True
        await sim.send({"type": "call.ringing", "call_id": "w-1", "agent": "1001", "ts": time.time()})
        await sim.send({"type": "call.answered", "call_id": "w-1", "agent": "1001", "ts": time.time()})
        await sim.send({"type": "call.ended", "call_id": "w-1", "agent": "1001", "ts": time.time()})
        started = time.monotonic()
        assert await sim.wait_for_agent(timeout_s=0.2) is False  # inside the wrapuptime
        assert await sim.wait_for_agent(timeout_s=5) is True
        assert 0.4 <= time.monotonic() - started < 2


async def test_a_caller_kept_waiting_past_their_patience_hangs_up(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", seed=3, patience_s=0.4) as sim:
        await state_command(listener, sim, "pause", "lunch")
        first = asyncio.ensure_future(
            sim.play_call(call_id="p-1", abandon=False, wait_s=0.01, ring_s=0.01, talk_s=0.01)
        )
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(  # waits its turn behind p-1: patience runs there too
            sim.play_call(call_id="p-2", abandon=False, wait_s=0.01, ring_s=0.01, talk_s=0.01)
        )
        await asyncio.wait_for(asyncio.gather(first, second), 5)
        await sim.ping()
        assert kinds(received, "p-1") == ["queue.join", "queue.abandon"]
        assert kinds(received, "p-2") == ["queue.join", "queue.abandon"]
        abandon = next(e for e, _ in received.events if e.wire_type == "queue.abandon")
        assert abandon.wait_s is not None and 0.35 <= abandon.wait_s < 2.0
        await state_command(listener, sim, "unpause")  # the lock was given back: the next call rings
        third = sim.play_call(call_id="p-3", abandon=False, wait_s=0.01, ring_s=0.01, talk_s=0.01)
        await asyncio.wait_for(third, 5)
        await sim.ping()
    assert kinds(received, "p-3") == WHOLE_CALL
