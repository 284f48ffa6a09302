"""Whatever bytes arrive, in whatever pieces, the listener stays up, accounts for every line, and
delivers exactly the valid events. Hypothesis drives a live listener on its own asyncio loop."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator

import pytest
from cti_socket_helpers import TOKEN, RawSource, Received, hello, line, ringing, soak_enabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cti.events import from_wire
from desktop.cti.framing import LineFramer
from desktop.cti.listener import EVENT_TYPES, CtiListener, ListenerStats

LINE_COUNTERS = (
    "events",
    "bad_json",
    "bad_utf8",
    "unknown_type",
    "invalid_event",
    "oversized_lines",
    "pings",
    "command_results",
)


def lines_accounted(stats: ListenerStats) -> int:
    return sum(getattr(stats, name) for name in LINE_COUNTERS)


class LiveListener:
    """A listener that lives across many hypothesis examples, on a loop of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.received = Received()
        self.listener = CtiListener(
            port=0, token=TOKEN, on_event=self.received.on_event, hello_timeout_s=0.3, max_line_bytes=4096
        )
        self.run(self.listener.start())

    def run(self, coro):
        return self.loop.run_until_complete(asyncio.wait_for(coro, 30))

    def close(self) -> None:
        self.run(self.listener.stop())
        self.loop.close()


@pytest.fixture(scope="module")
def live() -> Iterator[LiveListener]:
    server = LiveListener()
    yield server
    server.close()


texts = st.text(max_size=24)
optional_fields = {
    "caller": texts,
    "caller_name": texts,
    "dnis": texts,
    "queue": texts,
    "agent": texts,
    "target": texts,
    "reason": texts,
    "state": texts,
    "detail": texts,
    "position": st.integers(-5, 10**6),
    "wait_s": st.floats(0, 1e6),
    "paused": st.booleans(),
    "extra": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
}


@st.composite
def wire_events(draw) -> dict:
    wire_type = draw(st.sampled_from(sorted(EVENT_TYPES)))
    family = wire_type.split(".")[0]
    required = {"call": "call_id", "queue": "queue", "agent": "agent", "pbx": "pbx"}[family]
    event = {
        "type": wire_type,
        "ts": draw(st.floats(0, 4e9)),
        required: draw(st.text(min_size=1, max_size=24)),
    }
    event.update(draw(st.fixed_dictionaries({}, optional=optional_fields)))
    event[required] = event[required] or "x"  # an optional draw may have emptied it
    return event


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


# -- pure framing ------------------------------------------------------------------------------
@given(st.binary(max_size=3000), st.lists(st.integers(0, 10**6), max_size=30), st.integers(1, 64))
def test_framer_gives_the_same_lines_however_the_stream_is_split(data, cuts, limit):
    whole = LineFramer(limit).feed(data)
    framer = LineFramer(limit)
    pieces = [item for chunk in split(data, cuts) for item in framer.feed(chunk)]
    assert pieces == whole


# -- live socket -------------------------------------------------------------------------------
async def _throw(port: int, chunks: list[bytes], with_hello: bool) -> None:
    source = await RawSource.open(port)
    try:
        if with_hello:
            await source.send(hello(agent="fuzz"))
        for chunk in chunks:
            await source.send(chunk)
    except (ConnectionError, OSError):
        pass  # the listener may have closed a connection whose hello was garbage
    await source.close()


async def _still_works(port: int, call_id: str) -> list[dict]:
    source = await RawSource.hello(port, agent="check")
    await source.send(line(ringing(call_id, agent="check")))
    errors = await source.replies_until_pong()
    await source.close()
    return errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=st.lists(st.binary(max_size=6000), max_size=12), with_hello=st.booleans())
def test_random_bytes_never_take_the_listener_down(live, chunks, with_hello):
    live.run(_throw(live.listener.port, chunks, with_hello))
    call_id = f"after-{time.perf_counter_ns()}"
    assert live.run(_still_works(live.listener.port, call_id)) == []
    assert live.listener.is_serving
    assert live.received.call_ids()[-1] == call_id


async def _send_and_sync(port: int, chunks: list[bytes]) -> list[dict]:
    source = await RawSource.hello(port, agent="fuzz")
    for chunk in chunks:
        await source.send(chunk)
    replies = await source.replies_until_pong()
    await source.close()
    return replies


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(wire_events(), max_size=40), cuts=st.lists(st.integers(0, 10**6), max_size=40))
def test_any_split_of_a_valid_stream_gives_the_same_events(live, events, cuts):
    stream = b"".join(line(e) for e in events)
    before = len(live.received.events)
    assert live.run(_send_and_sync(live.listener.port, split(stream, cuts))) == []
    got = [event for event, _ in live.received.events[before:]]
    assert got == [from_wire(json.loads(json.dumps(e))) for e in events]


garbage_frames = st.one_of(
    st.binary(min_size=1, max_size=200).filter(
        lambda b: b"\n" not in b and b"\r" not in b and not b.isspace()
    ),
    st.text(min_size=1, max_size=100)
    .map(lambda t: t.encode("utf-8"))
    .filter(lambda b: b"\n" not in b and b"\r" not in b and not b.isspace()),
    st.builds(
        lambda e: json.dumps(e).encode(), st.dictionaries(st.text(max_size=8), st.integers(), max_size=4)
    ),
    st.just(b"x" * 5000),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    frames=st.lists(st.one_of(wire_events().map(line), garbage_frames.map(lambda b: b + b"\n")), max_size=60),
    cuts=st.lists(st.integers(0, 10**6), max_size=20),
)
def test_every_line_is_accounted_for_exactly_once(live, frames, cuts):
    stats = live.listener.stats
    before, events_before = lines_accounted(stats), stats.events
    replies = live.run(_send_and_sync(live.listener.port, split(b"".join(frames), cuts)))
    assert lines_accounted(stats) - before == len(frames) + 1  # + the ping that syncs us
    assert stats.events - events_before + len(replies) == len(frames)  # one error line per non-event
    assert all(r["type"] == "error" and r["code"] for r in replies)


# -- soak ----------------------------------------------------------------------------------------
def random_frame(rng: random.Random, n: int) -> bytes:
    roll = rng.random()
    if roll < 0.5:
        return line(ringing(f"s-{n}"))
    if roll < 0.7:
        return (
            bytes(rng.choice(b'{}[]":,abc019 \xff\xc3') for _ in range(rng.randint(1, 80))).replace(
                b" ", b"a"
            )
            + b"\n"
        )
    if roll < 0.8:
        return b'{"type":"call.ringing","call_id":' + str(n).encode() + b',"ts":1}\n'  # call_id not a string
    if roll < 0.9:
        return b'{"type":"call.rang","call_id":"x","ts":1}\n'
    if roll < 0.9999:
        return (
            bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 40)))
            .replace(b"\n", b"n")
            .replace(b"\r", b"r")
            .replace(b" ", b"s")
            .replace(b"\t", b"t")
            .replace(b"\x0b", b"v")
            .replace(b"\x0c", b"f")
            + b"\n"
        )
    return b"z" * 70_000 + b"\n"


async def _soak(listener: CtiListener, received: Received, frames: int, seed: int) -> None:
    rng = random.Random(seed)
    source = await RawSource.hello(listener.port, agent="soak")
    replies = 0

    async def read_replies() -> None:
        nonlocal replies
        while (raw := await source.reader.readline()) and json.loads(raw)["type"] != "pong":
            replies += 1

    reader = asyncio.ensure_future(read_replies())
    expected_events = 0
    batch: list[bytes] = []
    for n in range(frames):
        frame = random_frame(rng, n)
        expected_events += frame.startswith(b'{"type": "call.ringing"')
        batch.append(frame)
        if len(batch) == 500:
            await source.send(b"".join(batch))
            batch.clear()
    await source.send(b"".join(batch) + line({"type": "ping"}))
    await asyncio.wait_for(reader, 600)
    await source.close()
    assert listener.stats.events == expected_events == len(received.events)
    assert lines_accounted(listener.stats) == frames + 1  # + the ping
    assert replies == frames - expected_events
    assert await _still_works(listener.port, "after-soak") == []


async def test_soak_random_frames(request, listener, received):
    """20,000 frames in every run; 1,000,000 with --cti-soak or CALLDESK_CTI_SOAK=1."""
    frames = 1_000_000 if soak_enabled(request.config) else 20_000
    await _soak(listener, received, frames, seed=frames)
