"""After the hello, nothing a source sends closes the connection or reaches the desktop unchecked:
each bad line is answered with an error, counted, logged, and the next good line still works."""

from __future__ import annotations

import logging

import pytest
from cti_socket_helpers import RawSource, line, ringing

from desktop.cti.framing import OVERSIZED, LineFramer

BAD_LINES = [
    (b"{not json", "bad_json", "bad_json"),
    (b'{"type":"call.ringing","call_id":"x","ts":NaN}', "bad_json", "bad_json"),
    (b"[" * 100_00 + b"]" * 100_00, "bad_json", "bad_json"),
    (b'{"type":"call.ringing","call_id":"c","ts":1,"caller":"\xff\xfe"}', "bad_encoding", "bad_utf8"),
    (b"\x80\x81\x82", "bad_encoding", "bad_utf8"),
    (b'{"type":"call.exploded","call_id":"c","ts":1}', "unknown_type", "unknown_type"),
    (b'{"type":"fax.received"}', "unknown_type", "unknown_type"),
    (b'{"no_type":1}', "unknown_type", "unknown_type"),
    (b'{"type":["call.ringing"]}', "unknown_type", "unknown_type"),
    (b'{"type":"call.ringing","call_id":"c","ts":"yesterday"}', "invalid_event", "invalid_event"),
    (b'{"type":"call.ringing","ts":1}', "invalid_event", "invalid_event"),
    (b'{"type":"call.ringing","call_id":"c"}', "invalid_event", "invalid_event"),
    (b'{"type":"queue.join","queue":"q","ts":1,"position":"first"}', "invalid_event", "invalid_event"),
    (b'{"type":"agent.pause","agent":"1001","ts":1,"paused":"yes"}', "invalid_event", "invalid_event"),
    (
        b'{"type":"call.ringing","call_id":"c","ts":1,"caller":"' + b"1" * 300 + b'"}',
        "invalid_event",
        "invalid_event",
    ),
    (b"[1,2,3]", "invalid_event", "invalid_event"),
    (b'"just a string"', "invalid_event", "invalid_event"),
    (b'{"type":"command.result","id":"x","ok":"yes"}', "invalid_event", "invalid_event"),
]


@pytest.mark.parametrize(
    ("bad", "code", "counter"), BAD_LINES, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(BAD_LINES)]
)
async def test_bad_line_is_answered_counted_and_the_connection_lives_on(
    listener, received, bad, code, counter
):
    source = await RawSource.hello(listener.port)
    await source.send(bad + b"\n" + line(ringing("c-after")))
    errors = await source.replies_until_pong()
    assert [(e["type"], e["code"], e["line"]) for e in errors] == [("error", code, 2)]
    assert errors[0]["message"]
    assert getattr(listener.stats, counter) == 1
    assert received.call_ids() == ["c-after"]
    assert listener.stats.events == 1
    await source.close()


async def test_giant_line_without_newline_is_discarded_and_next_event_delivered(listener, received):
    source = await RawSource.hello(listener.port)
    await source.send(line(ringing("c-before")))
    chunk = b'{"type":"call.ringing","pad":"' + b"x" * 65_000
    for _ in range(16):  # about 1 MiB, no newline anywhere
        await source.send(chunk)
    await source.send(b"\n" + line(ringing("c-after")))
    errors = await source.replies_until_pong()
    assert [e["code"] for e in errors] == ["line_too_long"]
    assert received.call_ids() == ["c-before", "c-after"]
    assert listener.stats.oversized_lines == 1 and listener.stats.events == 2
    await source.close()


async def test_line_just_under_the_limit_is_accepted(listener, received):
    event = ringing("c-big")
    event["caller_name"] = "x" * 200
    event["extra"] = {"p": ""}
    padding = listener.max_line_bytes - (len(line(event)) - 1)
    event["extra"] = {"p": "y" * padding}
    encoded = line(event)
    assert len(encoded) - 1 == listener.max_line_bytes
    source = await RawSource.hello(listener.port)
    await source.send(encoded + encoded[:-1] + b"zz\n")  # the second is 2 bytes too long
    errors = await source.replies_until_pong()
    assert [e["code"] for e in errors] == ["line_too_long"]
    assert received.call_ids() == ["c-big"]
    await source.close()


def test_framer_holds_at_most_one_line_while_discarding():
    framer = LineFramer(max_line_bytes=65536)
    items = []
    for _ in range(256):  # 1 MiB in 4 KiB chunks
        items += framer.feed(b"z" * 4096)
        assert framer.pending_bytes <= 65536 + 1 + 4096
    assert items == [OVERSIZED]
    assert framer.feed(b"tail\nnext\n") == [b"next"]


async def test_crlf_and_blank_lines_are_tolerated(listener, received):
    source = await RawSource.hello(listener.port)
    await source.send(b"\r\n\n   \n" + line(ringing("c-1"))[:-1] + b"\r\n" + line(ringing("c-2")))
    assert await source.replies_until_pong() == []
    assert received.call_ids() == ["c-1", "c-2"]
    await source.close()


async def test_ping_gets_pong_and_is_counted(listener):
    source = await RawSource.hello(listener.port)
    await source.send(line({"type": "ping"}))
    assert await source.reply() == {"type": "pong"}
    assert listener.stats.pings == 1
    await source.close()


async def test_every_event_type_is_accepted(listener, received):
    source = await RawSource.hello(listener.port)
    ts = 1_700_000_000.5
    lines = (
        [
            {"type": f"call.{k}", "call_id": "c1", "ts": ts, "agent": "1001"}
            for k in ("ringing", "answered", "held", "unheld", "transferred", "ended")
        ]
        + [
            {"type": f"queue.{k}", "queue": "售后服务", "ts": ts}
            for k in ("join", "leave", "abandon", "timeout", "stats")
        ]
        + [{"type": f"agent.{k}", "agent": "1001", "ts": ts} for k in ("state", "pause", "added", "removed")]
    )
    await source.send(b"".join(line(m) for m in lines))
    assert await source.replies_until_pong() == []
    assert [e.wire_type for e, _ in received.events] == [m["type"] for m in lines]
    await source.close()


async def test_callback_exception_is_counted_and_does_not_stop_the_stream(listener, received, caplog):
    def explode_on_first(event, agent):
        if event.call_id == "c-boom":
            raise RuntimeError("handler bug")
        received.events.append((event, agent))

    listener.on_event = explode_on_first
    source = await RawSource.hello(listener.port)
    await source.send(line(ringing("c-boom")) + line(ringing("c-fine")))
    assert await source.replies_until_pong() == []  # not the source's fault: no error line
    assert listener.stats.callback_errors == 1
    assert received.call_ids() == ["c-fine"]
    assert any("handler failed" in r.getMessage() for r in caplog.records)
    await source.close()


async def test_a_flood_of_bad_lines_is_logged_sparingly_but_counted_fully(listener, caplog):
    caplog.set_level(logging.WARNING, logger="desktop.cti.listener")
    source = await RawSource.hello(listener.port)
    await source.send(b"garbage\n" * 2000)
    errors = await source.replies_until_pong()
    assert len(errors) == 2000 and {e["code"] for e in errors} == {"bad_json"}
    assert [e["line"] for e in errors] == list(range(2, 2002))
    assert listener.stats.bad_json == 2000
    logged = [
        r for r in caplog.records if r.name == "desktop.cti.listener" and "not valid JSON" in r.getMessage()
    ]
    assert 1 <= len(logged) <= 10
    await source.close()


async def test_source_closing_mid_line_is_harmless(listener, received):
    source = await RawSource.hello(listener.port)
    await source.send(line(ringing("c-1")) + b'{"type":"call.ring')
    await source.close()
    other = await RawSource.hello(listener.port, agent="1002")
    await other.send(line(ringing("c-2", agent="1002")))
    await other.replies_until_pong()
    assert received.call_ids() == ["c-1", "c-2"]
    await other.close()
