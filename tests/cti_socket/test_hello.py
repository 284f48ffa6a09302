"""The hello: the only way in, and the only thing that closes a connection when wrong."""

from __future__ import annotations

import asyncio
import logging

import pytest
from cti_socket_helpers import TOKEN, RawSource, hello, line, ringing

from desktop.cti.listener import CtiBindError, CtiListener


async def test_good_hello_is_answered_and_events_flow(listener, received):
    source = await RawSource.open(listener.port)
    await source.send(hello(agent="1001"))
    assert await source.reply() == {"type": "hello.ok", "server": "calldesk", "protocol": 1}
    await source.send(line(ringing("c-1")))
    assert await source.replies_until_pong() == []
    assert [(e.call_id, agent) for e, agent in received.events] == [("c-1", "1001")]
    assert listener.connected_agents() == ["1001"]
    assert listener.stats.hellos_ok == 1 and listener.stats.active_sources == 1
    await source.close()


async def test_hello_and_events_in_one_write_all_delivered(listener, received):
    source = await RawSource.open(listener.port)
    await source.send(hello() + line(ringing("c-1")) + line(ringing("c-2")))
    assert (await source.reply())["type"] == "hello.ok"
    await source.replies_until_pong()
    assert received.call_ids() == ["c-1", "c-2"]
    await source.close()


async def test_hello_sent_byte_by_byte(listener, received):
    source = await RawSource.open(listener.port)
    for byte in hello(agent="2002"):
        await source.send(bytes([byte]))
    assert (await source.reply())["type"] == "hello.ok"
    assert listener.connected_agents() == ["2002"]
    await source.close()


@pytest.mark.parametrize(
    "hello_line",
    [
        hello(token="wrong"),
        hello(token=TOKEN + "x"),
        line({"type": "hello", "agent": "1001"}),
        line({"type": "hello", "token": 12345, "agent": "1001"}),
        hello(token="令牌"),
    ],
    ids=["wrong", "longer", "missing", "not-a-string", "non-ascii"],
)
async def test_bad_token_gets_error_line_then_close(listener, received, caplog, hello_line):
    caplog.set_level(logging.WARNING, logger="desktop.cti.listener")
    source = await RawSource.open(listener.port)
    await source.send(hello_line + line(ringing("c-sneaky")))
    reply = await source.reply()
    assert reply["type"] == "error" and reply["code"] == "bad_token" and reply["message"]
    assert await source.at_eof()
    assert listener.stats.rejected_hello == 1 and listener.stats.hellos_ok == 0
    assert received.events == []  # nothing after a refused hello gets through
    assert any(r.levelno == logging.WARNING and "refused" in r.getMessage() for r in caplog.records)
    await source.close()


async def test_no_hello_within_timeout_is_closed_and_counted(listener, received):
    source = await RawSource.open(listener.port)
    await source.send(b'{"type":"hel')  # a partial line never finished
    started = asyncio.get_running_loop().time()
    reply = await source.reply(timeout=5)
    assert reply["code"] == "hello_timeout"
    assert await source.at_eof()
    assert 0.4 <= asyncio.get_running_loop().time() - started < 3
    assert listener.stats.hello_timeouts == 1 and listener.stats.rejected_hello == 1
    await source.close()


@pytest.mark.parametrize(
    ("first", "code"),
    [
        (line(ringing("c-1")), "hello_required"),
        (b"not json\n", "bad_hello"),
        (b"\xff\xfe\n", "bad_hello"),
        (line({"type": "hello", "token": TOKEN}), "bad_hello"),
        (line({"type": "hello", "token": TOKEN, "agent": ""}), "bad_hello"),
    ],
    ids=["event-first", "not-json", "not-utf8", "no-agent", "empty-agent"],
)
async def test_first_line_must_be_a_proper_hello(listener, received, first, code):
    source = await RawSource.open(listener.port)
    await source.send(first)
    assert (await source.reply())["code"] == code
    assert await source.at_eof()
    assert listener.stats.rejected_hello == 1 and received.events == []
    await source.close()


async def test_oversized_hello_is_refused_without_buffering_it(received):
    server = CtiListener(port=0, token=TOKEN, on_event=received.on_event, max_line_bytes=1024)
    await server.start()
    try:
        source = await RawSource.open(server.port)
        source.writer.write(b"x" * 200_000)
        assert (await source.reply())["code"] == "bad_hello"
        assert await source.at_eof()
        await source.close()
    finally:
        await server.stop()


async def test_refused_source_does_not_disturb_a_good_one(listener, received):
    good = await RawSource.hello(listener.port, agent="1001")
    bad = await RawSource.open(listener.port)
    await bad.send(hello(token="nope"))
    assert (await bad.reply())["code"] == "bad_token"
    await good.send(line(ringing("c-ok")))
    await good.replies_until_pong()
    assert received.call_ids() == ["c-ok"]
    await good.close()
    await bad.close()


async def test_connections_over_the_limit_are_refused(received):
    server = CtiListener(port=0, token=TOKEN, on_event=received.on_event, max_connections=2)
    await server.start()
    try:
        first, second = await RawSource.hello(server.port), await RawSource.hello(server.port, agent="1002")
        third = await RawSource.open(server.port)
        assert (await third.reply())["code"] == "too_many_connections"
        assert await third.at_eof()
        assert server.stats.refused_connections == 1
        for source in (first, second, third):
            await source.close()
    finally:
        await server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com", "10.0.0.1"])
def test_non_loopback_bind_is_refused_with_a_clear_error(host):
    with pytest.raises(CtiBindError, match="loopback"):
        CtiListener(host=host, port=0, token=TOKEN, on_event=lambda e, a: None)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_loopback_hosts_are_accepted(host):
    assert CtiListener(host=host, port=0, token=TOKEN, on_event=lambda e, a: None).host.startswith("127.")


def test_empty_token_is_refused():
    with pytest.raises(ValueError, match="token"):
        CtiListener(port=0, token="", on_event=lambda e, a: None)


async def test_port_taken_raises_oserror(listener):
    second = CtiListener(port=listener.port, token=TOKEN, on_event=lambda e, a: None)
    with pytest.raises(OSError):
        await second.start()


async def test_stop_closes_sources_and_is_idempotent(received):
    server = CtiListener(port=0, token=TOKEN, on_event=received.on_event)
    await server.start()
    source = await RawSource.hello(server.port)
    await server.stop()
    assert await source.at_eof()
    assert not server.is_serving
    await server.stop()
    await source.close()
