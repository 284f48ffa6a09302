"""The AMI stream parser: framing cases, fragmentation at any byte, and fuzzing."""

from __future__ import annotations

import os
import random

from ami_helpers import OWN_TRACES, SHARED_TRACES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cti.ami import parse_ami_bytes
from desktop.cti.ami_parser import AmiParser, parse_ami_messages

ALL_TRACES = b"".join(
    p.read_bytes() for p in [*sorted(SHARED_TRACES.glob("*.ami")), *sorted(OWN_TRACES.glob("*.ami"))]
)


def _whole(data: bytes):
    return [(m.headers, m.multi, m.output) for m in parse_ami_messages(data)]


def _split(data: bytes, cuts: list[int]):
    parser = AmiParser()
    out = []
    last = 0
    for cut in sorted(set(cuts)):
        out.extend(parser.feed(data[last:cut]))
        last = cut
    out.extend(parser.feed(data[last:]))
    out.extend(parser.feed(b"\r\n\r\n"))
    return [(m.headers, m.multi, m.output) for m in out]


def test_banner_is_read_and_not_a_header():
    parser = AmiParser()
    messages = parser.feed(
        b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nMessage: Authentication accepted\r\n\r\n"
    )
    assert parser.version == "11.0.0"
    assert [m.headers for m in messages] == [{"Response": "Success", "Message": "Authentication accepted"}]


def test_banner_alone_then_messages():
    parser = AmiParser()
    assert parser.feed(b"Asterisk Call Manager/5.0.1\r\n") == []
    messages = parser.feed(b"\r\nEvent: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
    assert parser.version == "5.0.1" and messages[0].event == "FullyBooted"


def test_duplicate_keys_keep_every_value_and_the_first_as_header():
    data = b"Event: Newchannel\r\nChanVariable: A=1\r\nChanVariable: B=2\r\nChanVariable: C=\r\n\r\n"
    (message,) = parse_ami_messages(data)
    assert message.get("ChanVariable") == "A=1"
    assert message.get_all("ChanVariable") == ["A=1", "B=2", "C="]


def test_header_without_space_after_colon_and_values_with_colons():
    (message,) = parse_ami_messages(b"Event: X\r\nKey:Value\r\nURI: sip:1001@10.0.0.1:5060\r\nEmpty:\r\n\r\n")
    assert message.headers == {"Event": "X", "Key": "Value", "URI": "sip:1001@10.0.0.1:5060", "Empty": ""}


def test_garbage_lines_are_skipped_and_counted():
    parser = AmiParser()
    messages = parser.feed(
        b"Event: X\r\nthis is not a header\r\nA: 1\r\n\r\njust noise\r\n\r\nEvent: Y\r\n\r\n"
    )
    assert [m.headers for m in messages] == [{"Event": "X", "A": "1"}, {"Event": "Y"}]
    assert parser.garbage_lines == 2 and parser.dropped_blocks == 1


def test_stray_lf_and_mixed_line_ends():
    data = b"Event: A\nX: 1\r\n\nEvent: B\r\nY: 2\n\r\nEvent: C\r\n\r\n\r\n\r\nEvent: D\n\n"
    assert [m.event for m in parse_ami_messages(data)] == ["A", "B", "C", "D"]


def test_output_headers_of_asterisk_14_and_later():
    data = (
        b"Response: Success\r\nActionID: 7\r\nMessage: Command output follows\r\n"
        b"Output: Name/username             Host\r\nOutput: \r\nOutput: 1001/1001  10.0.0.5\r\n\r\n"
    )
    (message,) = parse_ami_messages(data)
    assert message.output == ["Name/username             Host", "", "1001/1001  10.0.0.5"]
    assert message.action_id == "7"


def test_old_follows_form_with_blank_lines_and_colons_in_output():
    data = (
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: 9\r\n"
        b"Channel              Location\nSIP/1001-0001: Up\n\nend of list\n--END COMMAND--\r\n\r\n"
        b"Event: After\r\n\r\n"
    )
    for cut in range(1, len(data)):
        messages = _split(data, [cut])
        assert len(messages) == 2, cut
    (follows, after) = parse_ami_messages(data)
    assert follows.headers == {"Response": "Follows", "Privilege": "Command", "ActionID": "9"}
    assert follows.output == ["Channel              Location", "SIP/1001-0001: Up", "", "end of list"]
    assert after.event == "After"


def test_utf8_split_inside_a_character():
    data = "Event: QueueCallerJoin\r\nQueue: 售后服务\r\n\r\n".encode()
    for cut in range(1, len(data)):
        assert _split(data, [cut]) == _whole(data)
    assert parse_ami_messages(data)[0].get("Queue") == "售后服务"


def test_every_split_point_of_a_real_trace_gives_the_same_messages():
    data = (SHARED_TRACES / "abandoned.ami").read_bytes()[:3000]
    whole = _whole(data)
    for cut in range(1, len(data)):
        assert _split(data, [cut]) == whole


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=len(ALL_TRACES)), max_size=400))
def test_fragmentation_property_any_split_same_messages_and_events(cuts):
    data = ALL_TRACES
    assert _split(data, cuts) == _WHOLE_ALL


_WHOLE_ALL = _whole(ALL_TRACES)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(ALL_TRACES)), max_size=50))
def test_fragmented_stream_normalises_to_the_same_events(cuts):
    from desktop.cti.ami_normalize import normalize_messages

    parser = AmiParser()
    messages = []
    last = 0
    for cut in sorted(set(cuts)):
        messages.extend(parser.feed(ALL_TRACES[last:cut]))
        last = cut
    messages.extend(parser.feed(ALL_TRACES[last:]))
    messages.extend(parser.feed(b"\r\n\r\n"))
    clock = lambda: 0.0  # noqa: E731 -- snapshot events without PBX timestamps use the clock
    assert normalize_messages(messages, clock) == _EVENTS_ALL(clock)


def _EVENTS_ALL(clock):
    from desktop.cti.ami_normalize import normalize_messages

    return normalize_messages(parse_ami_messages(ALL_TRACES), clock)


header_key = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"), min_size=1, max_size=12
)
header_value = st.text(max_size=30).map(lambda s: s.replace("\r", "").replace("\n", ""))
ami_block = st.lists(st.tuples(header_key, header_value), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.lists(st.integers(min_value=0, max_value=2000), max_size=10))
def test_random_bytes_never_raise(data, cuts):
    parser = AmiParser()
    last = 0
    for cut in sorted(set(cuts)):
        parser.feed(data[last:cut])
        last = cut
    parser.feed(data[last:])
    parse_ami_bytes(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(ami_block, max_size=6), st.sampled_from(["Event", "Response"]))
def test_random_headers_parse_back(blocks, first_key):
    data = b""
    for pairs in blocks:
        data += f"{first_key}: Test\r\n".encode()
        data += "".join(f"{k}: {v}\r\n" for k, v in pairs).encode()
        data += b"\r\n"
    messages = parse_ami_messages(data)
    assert len(messages) == len(blocks)
    for message, pairs in zip(messages, blocks, strict=True):
        for key, value in pairs:
            if key not in (first_key,):
                assert value.strip() in [v.strip() for v in message.get_all(key)]
    parse_ami_bytes(data)  # the normaliser takes any event too


def test_soak_one_million_random_frames():
    """CALLDESK_CTI_SOAK=1: a million random frames (valid, broken, garbage) through parser + normaliser."""
    if os.environ.get("CALLDESK_CTI_SOAK") != "1":
        import pytest

        pytest.skip("set CALLDESK_CTI_SOAK=1 to run the 1M-frame soak")
    from desktop.cti.ami_normalize import AmiNormalizer

    rng = random.Random(1)
    templates = _whole(ALL_TRACES)
    parser = AmiParser()
    normalizer = AmiNormalizer(clock=lambda: 0.0)
    frames = 0
    while frames < 1_000_000:
        chunk = []
        for _ in range(1000):
            kind = rng.random()
            if kind < 0.8:
                headers, _, _ = templates[rng.randrange(len(templates))]
                chunk.append("".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n")
            elif kind < 0.9:
                chunk.append(rng.randbytes(rng.randrange(1, 200)))
            else:
                chunk.append(
                    b"Event: " + rng.randbytes(8) + b"\r\nUniqueid: 1\r\nQueue: q\r\nPosition: x\r\n\r\n"
                )
            frames += 1
        data = b"".join(chunk)
        pos = 0
        while pos < len(data):
            step = rng.randrange(1, 9000)
            for message in parser.feed(data[pos : pos + step]):
                normalizer.feed(message)
            pos += step
    assert frames >= 1_000_000


def _reference_parse(data: bytes) -> list[dict[str, list[str]]]:
    """A slow, obviously-correct reading of clean CRLF AMI text (no banner-only quirks)."""
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    out = []
    for block in text.split("\n\n"):
        headers: dict[str, list[str]] = {}
        for line in block.split("\n"):
            if line.startswith("Asterisk Call Manager"):
                continue
            key, sep, value = line.partition(":")
            if sep and key and " " not in key:
                headers.setdefault(key.strip(), []).append(value[1:] if value.startswith(" ") else value)
        if "Event" in headers or "Response" in headers:
            out.append(headers)
    return out


def test_lazy_event_headers_equal_a_reference_reading_of_every_trace():
    messages = parse_ami_messages(ALL_TRACES)
    reference = _reference_parse(ALL_TRACES)
    assert len(messages) == len(reference)
    for message, want in zip(messages, reference, strict=True):
        assert message.event == (want.get("Event") or [None])[0]
        assert {k: message.get_all(k) for k in want} == want
        assert set(message.headers) == set(want)
