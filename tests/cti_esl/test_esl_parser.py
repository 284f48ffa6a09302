"""ESL framing: any TCP split gives the same frames, garbage never raises, url-decoding."""

from __future__ import annotations

import logging
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cti.esl import EslNormalizer, parse_esl_bytes
from desktop.cti.esl_parser import EslParser, decode_event_plain
from desktop.cti.events import to_wire

from .esl_wire import event_plain, frame

SHARED = Path(__file__).resolve().parents[1] / "traces" / "freeswitch-1.10"  # real recordings
OURS = Path(__file__).resolve().parents[1] / "traces" / "esl"
RECORDING = (SHARED / "agent_status.esl").read_bytes()
SMALL = (OURS / "two_concurrent.esl").read_bytes()


def _wire(events: list) -> list[dict]:
    return [to_wire(e) for e in events]


def _frames_in_pieces(data: bytes, cuts: list[int]) -> list:
    parser = EslParser()
    frames = []
    last = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        frames.extend(parser.feed(data[last:cut]))
        last = cut
    return frames


def _events_in_pieces(data: bytes, cuts: list[int]) -> list[dict]:
    normalizer = EslNormalizer(clock=lambda: 0.0)
    events = []
    for f in _frames_in_pieces(data, cuts):
        if f.event is not None:
            events.extend(normalizer.feed(f.event))
    events.extend(normalizer.flush())
    return _wire(events)


def test_frame_kinds_of_a_real_session() -> None:
    frames = EslParser().feed(RECORDING)
    kinds = [f.content_type for f in frames]
    assert kinds[:3] == ["auth/request", "command/reply", "command/reply"]
    assert frames[1].reply_text == "+OK accepted"
    assert kinds[-2:] == ["command/reply", "text/disconnect-notice"]
    assert frames[-1].body_text().startswith("Disconnected, goodbye.")
    assert all(f.event is not None for f in frames if f.content_type == "text/event-plain")
    assert (
        sum(1 for k in kinds if k == "text/event-plain") == 65
    )  # grep -c "Content-Type: text/event-plain" agent_status.esl


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=len(SMALL)), max_size=40))
def test_any_split_gives_the_same_events(cuts: list[int]) -> None:
    assert _events_in_pieces(SMALL, cuts) == _events_in_pieces(SMALL, [])


def test_byte_by_byte_real_recording() -> None:
    whole = _events_in_pieces(RECORDING, [])
    assert _events_in_pieces(RECORDING, list(range(0, 40000))) == whole
    assert len(whole) > 20


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    parse_esl_bytes(data)
    EslParser().feed(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=len(SMALL)))
def test_garbage_inside_a_stream_never_raises_and_later_frames_survive(noise: bytes, at: int) -> None:
    data = SMALL[:at] + noise + b"\n\n" + SMALL
    events = parse_esl_bytes(data)
    assert any(to_wire(e)["type"] == "call.answered" for e in events)


def test_url_decoding_utf8_and_bad_escapes() -> None:
    body = (
        b"Event-Name: CUSTOM\nCC-Member-CID-Name: %E5%BC%A0%E4%B8%89\n"
        b"Broken: 100%zz%\nHalf: %E5%BC\nPlus: a+b%20c\n\n"
    )
    event = decode_event_plain(body)
    assert event is not None
    assert event.get("CC-Member-CID-Name") == "张三"
    assert event.get("Broken") == "100%zz%"
    assert event.get("Half") == "\ufffd"
    assert event.get("Plus") == "a+b c"


def test_event_with_inner_body_and_api_response() -> None:
    job = event_plain(
        {"Event-Name": "BACKGROUND_JOB", "Job-UUID": "j-1", "Job-Command": "status"}, "+OK 张三\nline two\n"
    )
    api = frame({"Content-Type": "api/response"}, b"+OK\n")
    frames = EslParser().feed(job + api)
    assert frames[0].event is not None
    assert frames[0].event.get("Job-UUID") == "j-1"
    assert frames[0].event.body == "+OK 张三\nline two\n"
    assert frames[1].content_type == "api/response"
    assert frames[1].body == b"+OK\n"


def test_garbage_block_is_logged_and_skipped(caplog) -> None:
    parser = EslParser()
    with caplog.at_level(logging.WARNING):
        frames = parser.feed(b"this is not esl\x00\xff\n\n" + frame({"Content-Type": "auth/request"}))
    assert [f.content_type for f in frames] == ["auth/request"]
    assert parser.garbage_blocks == 1
    assert "skipped a block" in caplog.text


def test_bad_content_length_and_endless_header_are_dropped(caplog) -> None:
    parser = EslParser()
    with caplog.at_level(logging.WARNING):
        assert parser.feed(b"Content-Type: api/response\nContent-Length: -5\n\n") == []
        assert parser.feed(b"Content-Type: api/response\nContent-Length: lots\n\n") == []
        parser.feed(b"X" * 300_000 + b"\n")
    assert parser.pending_bytes < 1000
    frames = parser.feed(b"\n" + frame({"Content-Type": "command/reply", "Reply-Text": "+OK"}))
    assert [f.reply_text for f in frames] == ["+OK"]
    assert "bad Content-Length" in caplog.text


def test_crlf_line_ends_are_tolerated() -> None:
    data = b"Content-Type: command/reply\r\nReply-Text: +OK accepted\r\n\r\n"
    frames = EslParser().feed(data)
    assert [f.reply_text for f in frames] == ["+OK accepted"]
