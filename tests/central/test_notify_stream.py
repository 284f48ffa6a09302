"""One notification stream (central/notify_route.py NotificationStream) driven through its ASGI
interface: what it sends, when it wakes, and how it ends (a client that takes nothing, a
client that goes away, an expired token, the server closing)."""

from __future__ import annotations

import asyncio
import time

from central.notify import Notice, NotificationHub
from central.notify_route import NotificationStream, StreamSettings


class Client:
    """The ASGI side of one stream: records what was sent; `stall_after` sends, send blocks
    forever (a client whose socket buffers are full)."""

    def __init__(self, stall_after: int | None = None) -> None:
        self.bodies: list[bytes] = []
        self.stall_after = stall_after
        self.gone = asyncio.Event()
        self.sends = 0

    async def send(self, message: dict) -> None:
        self.sends += 1
        if self.stall_after is not None and self.sends > self.stall_after:
            await asyncio.Event().wait()
        if message["type"] == "http.response.body":
            self.bodies.append(message["body"])

    async def receive(self) -> dict:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    @property
    def text(self) -> str:
        return b"".join(self.bodies).decode()


def _stream(hub: NotificationHub, settings: StreamSettings, *, role: str | None = None, ttl_s: float = 60):
    return NotificationStream(hub, hub.subscribe(role), settings, time.time() + ttl_s)


async def _start(stream: NotificationStream, client: Client) -> asyncio.Task[None]:
    task = asyncio.ensure_future(stream({"type": "http"}, client.receive, client.send))  # type: ignore[arg-type]
    await asyncio.sleep(0.02)
    return task


async def test_a_subscriber_wakes_on_a_notice_and_on_its_end_not_only_on_the_timeout():
    hub = NotificationHub(min_interval_s=0)
    hub.bind(asyncio.get_running_loop())
    sub = hub.subscribe()
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, hub.publish, 7)
    started = time.monotonic()
    await sub.wait(5)
    assert time.monotonic() - started < 1 and [n.seq for n in sub.take()] == [7]
    loop.call_later(0.05, sub.end, "closing")
    started = time.monotonic()
    await sub.wait(5)
    assert time.monotonic() - started < 1 and sub.ended and sub.reason == "closing"


async def test_a_subscriber_with_nothing_to_send_waits_its_timeout_out():
    sub = NotificationHub().subscribe()
    started = time.monotonic()
    await sub.wait(0.1)
    assert 0.08 < time.monotonic() - started < 1 and not sub.take() and not sub.ended


async def test_a_full_subscriber_refuses_more_notices():
    sub = NotificationHub(queue_size=2).subscribe()
    assert sub.offer(Notice(1, 0)) and sub.offer(Notice(2, 1))
    assert not sub.offer(Notice(3, 2))
    assert [n.seq for n in sub.take()] == [1, 2] and sub.offer(Notice(3, 2))


async def test_the_stream_sends_the_head_then_each_notice_and_keep_alives_between():
    hub = NotificationHub(min_interval_s=0)
    hub.bind(asyncio.get_running_loop())
    hub.epoch, hub.head = "e1", 5
    client = Client()
    task = await _start(_stream(hub, StreamSettings(keepalive_s=0.1)), client)
    hub.publish(6)
    await asyncio.sleep(0.03)
    hub.publish(8)
    hub.publish(9)  # two heads waiting at once: a plain stream is told only the newest
    await asyncio.sleep(0.35)
    client.gone.set()
    await asyncio.wait_for(task, 2)
    text = client.text
    assert text.startswith("retry: 3000\n\nid: 5\nevent: feed\n")
    assert text.index("id: 6\n") < text.index("id: 9\n") and "id: 8\n" not in text
    assert ": keep-alive\n\n" in text[text.index("id: 9\n") :]
    assert hub.subscribers == 0


async def test_a_role_stream_gets_each_steps_changes_and_a_plain_stream_only_the_head():
    hub = NotificationHub(min_interval_s=0)
    hub.bind(asyncio.get_running_loop())
    hub.epoch, hub.head = "e1", 5
    paged, plain = Client(), Client()
    tasks = [
        await _start(_stream(hub, StreamSettings(), role="agent"), paged),
        await _start(_stream(hub, StreamSettings()), plain),
    ]
    hub._deliver(Notice(8, 5, {"agent": b"id: 8\nevent: changes\ndata: {}\n\n"}))
    await asyncio.sleep(0.05)
    for client in (paged, plain):
        client.gone.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 2)
    assert "event: changes" in paged.text and "event: changes" not in plain.text
    assert 'id: 8\nevent: feed\ndata: {"seq":8,"epoch":"e1"}' in plain.text


async def test_a_client_that_takes_nothing_is_dropped_after_the_send_timeout():
    hub = NotificationHub(min_interval_s=0)
    hub.bind(asyncio.get_running_loop())
    hub.epoch, hub.head = "e1", 5
    client = Client(stall_after=2)  # takes the response start and the head, then nothing
    task = await _start(_stream(hub, StreamSettings(send_timeout_s=0.2)), client)
    started = time.monotonic()
    hub.publish(6)
    await asyncio.wait_for(task, 3)
    assert time.monotonic() - started < 2
    assert hub.dropped >= 1 and hub.subscribers == 0


async def test_the_stream_ends_when_its_token_expires_and_when_the_server_closes():
    hub = NotificationHub(min_interval_s=0)
    hub.bind(asyncio.get_running_loop())
    hub.epoch, hub.head = "e1", 5
    expiring, open_ = Client(), Client()
    expired_task = await _start(_stream(hub, StreamSettings(keepalive_s=5), ttl_s=0.2), expiring)
    open_task = await _start(_stream(hub, StreamSettings(keepalive_s=5)), open_)
    await asyncio.wait_for(expired_task, 2)
    assert not open_task.done()
    hub.close()
    await asyncio.wait_for(open_task, 2)
    assert expiring.bodies[-1] == b"" and open_.bodies[-1] == b""  # each response was ended
    assert hub.subscribers == 0


async def test_a_large_fan_out_gives_the_loop_back_between_slices():
    from central.notify import FAN_OUT_SLICE

    hub = NotificationHub(min_interval_s=0)
    hub.bind(asyncio.get_running_loop())
    subs = [hub.subscribe() for _ in range(FAN_OUT_SLICE * 4)]
    seen_midway: list[int] = []
    fan_out = asyncio.ensure_future(hub._fan_out(Notice(9, 8)))
    await asyncio.sleep(0)  # the fan-out's first slice runs
    seen_midway.append(sum(1 for s in subs if s.notices))  # another handler of the loop, mid-way
    await fan_out
    assert 0 < seen_midway[0] < len(subs)
    assert all([n.seq for n in s.take()] == [9] for s in subs) and hub.head == 9


async def test_a_fan_out_is_spread_over_a_share_of_the_interval():
    from central.notify import FAN_OUT_SLICE, FAN_OUT_SPREAD_SHARE

    interval = 0.4
    hub = NotificationHub(min_interval_s=interval)
    hub.bind(asyncio.get_running_loop())
    subs = [hub.subscribe() for _ in range(FAN_OUT_SLICE * 4)]
    started = time.monotonic()
    fan_out = asyncio.ensure_future(hub._fan_out(Notice(9, 8)))
    await asyncio.sleep(0.01)
    early = sum(1 for s in subs if s.notices)
    await fan_out
    took = time.monotonic() - started
    spread = FAN_OUT_SPREAD_SHARE * interval
    assert early == FAN_OUT_SLICE  # the first slice at once, the next one a pause later
    assert spread * 0.9 <= took < spread + 0.5
    assert all([n.seq for n in s.take()] == [9] for s in subs) and hub.head == 9


async def test_a_fan_out_within_one_slice_does_not_wait():
    hub = NotificationHub(min_interval_s=5)
    hub.bind(asyncio.get_running_loop())
    subs = [hub.subscribe() for _ in range(10)]
    started = time.monotonic()
    await hub._fan_out(Notice(3, 2))
    assert time.monotonic() - started < 0.5
    assert all([n.seq for n in s.take()] == [3] for s in subs)
