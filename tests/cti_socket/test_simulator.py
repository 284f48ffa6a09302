"""The simulator: realistic raw callers, whole calls, scripts, and its `calldesk cti simulate` entry."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import threading
import time
from collections.abc import Iterator

import pytest
from cti_socket_helpers import TOKEN, Received
from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.phone import normalize
from desktop.cti import simulator as simulator_cli
from desktop.cti.listener import CtiListener
from desktop.cti.simulator import CtiHelloError, CtiSimulator, raw_pbx_form

KNOWN = [
    "+8613800138000",
    "+8615912345678",
    "+861062345678",
    "+862161234567",
    "+8675582345678",
    "+8657188888888",
]

mobiles = st.builds(
    lambda p, rest: f"+861{p}{rest:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1)
)
landlines = st.builds(
    lambda area, rest: f"+86{area}{rest}",
    st.sampled_from(["10", "21", "755", "571", "20"]),
    st.integers(20_000_000, 89_999_999),
)


@given(e164=st.one_of(mobiles, landlines), seed=st.integers(0, 2**32))
def test_every_raw_form_normalises_back_to_the_number(e164, seed):
    raw = raw_pbx_form(e164, random.Random(seed))
    assert normalize(raw) == e164, raw


def test_callers_mix_known_unknown_and_withheld():
    sim = CtiSimulator(numbers=KNOWN, unknown_ratio=0.2, withheld_ratio=0.05, seed=3)
    callers = [sim.pick_caller() for _ in range(2000)]
    normalised = [normalize(c) for c in callers]
    known = sum(n in KNOWN for n in normalised)
    withheld = sum(n is None for n in normalised)
    unknown = len(callers) - known - withheld
    assert 0.70 < known / 2000 < 0.80 and 0.15 < unknown / 2000 < 0.25 and 0.02 < withheld / 2000 < 0.08
    assert len({c for c in callers if c and normalize(c) in KNOWN}) > len(KNOWN)  # several raw shapes


async def test_played_calls_have_the_full_life_cycle(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1007", numbers=KNOWN, seed=1) as sim:
        answered = await sim.play_call("13800138000", abandon=False, wait_s=0.01, ring_s=0.01, talk_s=0.01)
        abandoned = await sim.play_call(abandon=True, wait_s=0.01)
        await sim.ping()
    by_call: dict[str, list[str]] = {}
    for event, agent in received.events:
        assert agent == "1007"
        by_call.setdefault(event.call_id, []).append(event.wire_type)
    assert by_call[answered] == ["queue.join", "queue.leave", "call.ringing", "call.answered", "call.ended"]
    assert by_call[abandoned] == ["queue.join", "queue.abandon"]
    ringing = next(e for e, _ in received.events if e.wire_type == "call.ringing")
    assert (
        ringing.caller == "13800138000"
        and ringing.agent == "1007"
        and ringing.dnis.startswith(("400", "800"))
    )
    timestamps = [e.ts for e, _ in received.events]
    assert timestamps == sorted(timestamps) and abs(timestamps[-1] - time.time()) < 5


async def test_run_plays_the_asked_number_of_calls_paced(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", numbers=KNOWN, seed=2) as sim:
        started = time.monotonic()
        assert await sim.run(calls=3, interval_s=0.1) == 3
        elapsed = time.monotonic() - started
        await sim.ping()
    assert 0.25 < elapsed < 2
    assert len({e.call_id for e, _ in received.events}) == 3


async def test_script_fills_ts_and_agent_and_keeps_order(listener, received):
    script = [
        {"type": "agent.state", "state": "ready"},
        {"type": "call.ringing", "call_id": "s-1", "caller": "010-62345678", "delay_s": 0.05},
        {"type": "call.ended", "call_id": "s-1", "ts": 1700000000.0},
    ]
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1003") as sim:
        assert await sim.play_script(script) == 3
        await sim.ping()
    events = [e for e, _ in received.events]
    assert [e.wire_type for e in events] == ["agent.state", "call.ringing", "call.ended"]
    assert events[0].agent == "1003" and events[1].agent == "1003"
    assert events[2].ts == 1700000000.0 and events[1].ts > 1700000000.0


async def test_bad_script_entry_is_named_and_nothing_is_sent(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001") as sim:
        with pytest.raises(ValueError, match="script entry 1"):
            await sim.play_script([{"type": "call.ringing", "call_id": "ok"}, {"type": "call.ringing"}])
        await sim.ping()
    assert received.events == []


async def test_wrong_token_raises_a_clear_error(listener):
    sim = CtiSimulator(port=listener.port, token="not-it", agent="1001")
    with pytest.raises(CtiHelloError) as info:
        await sim.connect()
    assert info.value.code == "bad_token"
    assert not sim.connected


# -- `calldesk cti simulate` -------------------------------------------------------------------
class ThreadedListener:
    """A listener on its own loop in a thread, so the CLI's asyncio.run() can talk to it."""

    def __init__(self) -> None:
        self.received = Received()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.listener = CtiListener(port=0, token=TOKEN, on_event=self.received.on_event)
        asyncio.run_coroutine_threadsafe(self.listener.start(), self.loop).result(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.listener.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def threaded() -> Iterator[ThreadedListener]:
    server = ThreadedListener()
    yield server
    server.close()


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    simulator_cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_plays_calls_and_reports(threaded, tmp_path, capsys):
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(KNOWN) + "\n", encoding="utf-8")
    args = cli_args(
        "--port",
        str(threaded.listener.port),
        "--token",
        TOKEN,
        "--agent",
        "1009",
        "--calls",
        "2",
        "--interval",
        "0.05",
        "--numbers",
        str(numbers),
        "--seed",
        "5",
    )
    assert simulator_cli.run(args) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["calls"] == 2 and report["errors"] == 0
    assert report["events_sent"] == len(threaded.received.events) >= 4
    assert {agent for _, agent in threaded.received.events} == {"1009"}


def test_cli_script_and_burst(threaded, tmp_path):
    script = tmp_path / "script.jsonl"
    script.write_text(
        '{"type":"call.ringing","call_id":"x1","caller":"anonymous"}\n\n'
        '{"type":"call.ended","call_id":"x1"}\n',
        encoding="utf-8",
    )
    port = str(threaded.listener.port)
    assert simulator_cli.run(cli_args("--port", port, "--token", TOKEN, "--script", str(script))) == 0
    assert simulator_cli.run(cli_args("--port", port, "--token", TOKEN, "--burst", "500")) == 0
    assert len(threaded.received.events) == 502


def test_cli_failures_exit_non_zero(threaded, tmp_path):
    port = str(threaded.listener.port)
    assert simulator_cli.run(cli_args("--port", port, "--token", "wrong", "--calls", "1")) == 1
    bad_script = tmp_path / "bad.jsonl"
    bad_script.write_text("{oops\n", encoding="utf-8")
    assert simulator_cli.run(cli_args("--port", port, "--token", TOKEN, "--script", str(bad_script))) == 2
    invalid = tmp_path / "invalid.jsonl"
    invalid.write_text('{"type":"call.ringing"}\n', encoding="utf-8")
    assert simulator_cli.run(cli_args("--port", port, "--token", TOKEN, "--script", str(invalid))) == 2
    assert simulator_cli.run(cli_args("--port", "1", "--token", TOKEN, "--calls", "1")) == 1
    for patience in ("-1", "nan", "1e9"):
        assert simulator_cli.run(cli_args("--port", port, "--token", TOKEN, "--patience", patience)) == 2
    assert threaded.received.events == []


async def test_stream_holds_the_asked_rate(listener, received):
    async with CtiSimulator(port=listener.port, token=TOKEN, agent="1001", numbers=KNOWN, seed=4) as sim:
        sent = await sim.stream(rate_per_s=1000, duration_s=0.5)
        await sim.ping()
    assert 300 <= sent <= 500
    assert len(received.events) == sent == sim.events_sent
