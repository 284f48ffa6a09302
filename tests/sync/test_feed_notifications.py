"""Changes pushed, not polled: desktops hold the notification channel of the REAL central API on
loopback and pull when told. Two desktops are two real cache files with the real push/pull code;
the only thing between them and the server in the fault tests is a TCP proxy (tests/tcp_proxy.py)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tcp_proxy import TcpProxy

from desktop.cache.outbox import new_id
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.connectivity import ConnectivityService
from desktop.services.notifications import MAX_LINE, FeedChannel, SseParser
from desktop.services.push import PushSync
from desktop.services.sync import PullSync


class Desktop:
    """A headless desktop: cache file, API client, background push + pull, notification channel.
    `steps`: it takes the changes the stream carries (tests/sync/test_feed_steps.py); `pulls`
    counts its real pulls."""

    def __init__(self, url: str, token: str, path: Path, *, poll_s: float, steps: bool = False) -> None:
        self.api = CentralApi(url, token=token, max_retries=0, timeout=10)
        self.store = CacheStore(path)
        self.channel = FeedChannel(self.api, backoff_base_s=0.2, backoff_cap_s=1.0)
        self.sync = PullSync(self.api, path)
        self.pulls = 0

        async def pull() -> object:
            self.pulls += 1
            return await self.sync.run_incremental()

        self.service = ConnectivityService(
            PushSync(self.api, path).run,
            pull,
            self.store.outbox_count,
            interval_s=poll_s,
            channel=self.channel,
            channel_interval_s=600.0,
            notify_jitter_s=0.05,
            apply_step=self.sync.apply_step if steps else None,
        )

    def has_note(self, note_id: str) -> bool:
        return self.store.local_record("note", note_id) is not None

    async def close(self) -> None:
        await self.service.stop()
        await self.api.aclose()
        self.store.close()


async def until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _online(*desks: Desktop) -> None:
    for desk in desks:
        desk.service.start()
    await until(
        lambda: all(d.service.state == "online" and d.channel.up for d in desks), 60, "desktops online"
    )


async def _write_note(desk: Desktop, customer_id: str, text: str) -> str:
    note_id = new_id()
    desk.store.write_local("note", {"id": note_id, "customer_id": customer_id, "text": text})
    desk.service.kick()
    return note_id


async def test_a_write_on_one_desktop_is_in_another_desktops_cache_within_2_s(seeded_central, tmp_path):
    central = seeded_central
    customer = central.sample_customer()["id"]
    # A 10-minute poll: only the notification can bring the change over in time.
    a = Desktop(central.url, central.token, tmp_path / "a.sqlite3", poll_s=600)
    b = Desktop(central.url, central.token_for("1002"), tmp_path / "b.sqlite3", poll_s=600)
    try:
        await _online(a, b)
        told_before = b.channel.notifications
        for round_ in range(3):
            note_id = await _write_note(a, customer, f"from A #{round_}")
            took = await until(lambda n=note_id: b.has_note(n), 5, "the note on desktop B")
            assert took < 2.0, f"visible after {took:.2f} s"
        assert b.channel.notifications > told_before
    finally:
        await a.close()
        await b.close()


async def test_a_dropped_channel_falls_back_to_polling_and_comes_back(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    customer = central.sample_customer()["id"]
    proxy = TcpProxy(central.server.port)
    a = Desktop(central.url, central.token, tmp_path / "a.sqlite3", poll_s=600)
    b = Desktop(proxy.url, central.token_for("1002"), tmp_path / "b.sqlite3", poll_s=0.5)
    try:
        await _online(a, b)
        assert b.service.next_delay() == 600.0  # the channel is up: only the safety poll
        proxy.block_streams = True
        proxy.cut()  # mid-stream: the server is fine, the connection is gone
        await until(lambda: not b.channel.up, 10, "desktop B notices the drop")
        note_id = await _write_note(a, customer, "while B polls")
        await until(lambda: b.has_note(note_id), 10, "the note on B by polling")
        assert not b.channel.up  # it came by the poll, not the channel
        proxy.block_streams = False
        await until(lambda: b.channel.up, 10, "the channel is back")
        note_id = await _write_note(a, customer, "after the channel came back")
        took = await until(lambda: b.has_note(note_id), 5, "the note on B by notification")
        assert took < 2.0
    finally:
        await a.close()
        await b.close()
        proxy.close()


HOSTILE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n"
    b": keep-alive\n\n"
    + b"data: "
    + b"x" * (2 * MAX_LINE)
    + b"\n\n"
    + b"event: feed\ndata: \xff\xfe not utf-8\n\n"
    + b"event: feed\ndata: {not json\n\n"
    + b'event: feed\ndata: {"seq": "41"}\n\n'
    + b'event: feed\ndata: {"seq": -1}\n\n'
    + b'event: feed\ndata: {"seq": true}\n\n'
    + b"event: feed\ndata: [1, 2]\n\n"
    + b'event: other\ndata: {"seq": 99}\n\n'
    + b"nonsense-field: 1\n\n"
    + b"\x00\x01\x02\n\n"
    + b'event: feed\r\nid: 42\r\ndata: {"seq": 42, "epoch": "e"}\r\n\r\n'
)


def hostile_server(payload: bytes, piece: int) -> tuple[socket.socket, threading.Event, list[bytes]]:
    """A socket server that answers every connection with `payload` in `piece`-byte sends (lines
    split across reads); the requests it got are kept."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    done = threading.Event()
    requests: list[bytes] = []

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            requests.append(conn.recv(65536))
            for start in range(0, len(payload), piece):
                conn.sendall(payload[start : start + piece])
            done.wait(5)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, done, requests


async def test_garbage_from_the_server_is_ignored_with_a_log_and_the_good_event_gets_through(caplog):
    caplog.set_level(logging.WARNING, logger="desktop.services.notifications")
    listener, done, _requests = hostile_server(HOSTILE, 777)
    api = CentralApi(f"http://127.0.0.1:{listener.getsockname()[1]}", token="t", max_retries=0)
    channel = FeedChannel(api, backoff_base_s=5)
    seen: list[int] = []
    try:
        channel.start(seen.append)
        await until(lambda: seen != [], 10, "the good event")
        assert seen == [42] and channel.up
    finally:
        done.set()
        await channel.stop()
        await api.aclose()
        listener.close()
    messages = " | ".join(r.getMessage() for r in caplog.records)
    assert "longer than" in messages and "not UTF-8" in messages and "not JSON" in messages
    assert "usable seq" in messages


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.lists(st.integers(min_value=1, max_value=200), max_size=20))
def test_the_parser_takes_any_bytes_in_any_pieces(data: bytes, cuts: list[int]):
    whole = SseParser().feed(data)
    parser, events, at = SseParser(), [], 0
    for size in cuts:
        events += parser.feed(data[at : at + size])
        at += size
    events += parser.feed(data[at:])
    if b"\r" not in data:  # a \r at a piece's end waits for its \n; same lines otherwise
        assert [(e.event, e.data) for e in events] == [(e.event, e.data) for e in whole]


SHED_BODY = b'{"error":{"code":"overloaded","message":"the server is busy, again"}}'
SHED = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n"
    + b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(SHED_BODY)
    + SHED_BODY
)


def refusing_server(answer: bytes) -> tuple[socket.socket, list[float]]:
    """Answers every connection with `answer` and closes it; keeps when each one came."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    came: list[float] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            came.append(time.monotonic())
            conn.recv(65536)
            conn.sendall(answer)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, came


async def test_a_shed_stream_waits_the_servers_retry_after_not_its_own_short_backoff():
    listener, came = refusing_server(SHED)
    api = CentralApi(f"http://127.0.0.1:{listener.getsockname()[1]}", token="t", max_retries=0)
    channel = FeedChannel(api, backoff_base_s=0.05, rand=lambda: 0.0)  # its own backoff: 25 ms
    try:
        channel.start(lambda _seq: None)
        await until(lambda: len(came) >= 3, 10, "three attempts")
    finally:
        await channel.stop()
        await api.aclose()
        listener.close()
    gaps = [b - a for a, b in itertools.pairwise(came)]
    assert all(gap >= 0.95 for gap in gaps[:2]), gaps  # Retry-After: 1, not 25-50 ms
    assert not channel.up
