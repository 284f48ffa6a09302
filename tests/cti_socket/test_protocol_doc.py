"""docs/cti-protocol.md is a public contract: its examples must be what the listener accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cti_socket_helpers import RawSource

from desktop.cti.events import from_wire
from desktop.cti.listener import COMMAND_ACTIONS, EVENT_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "cti-protocol.md"


def doc_json_lines() -> list[dict]:
    text = DOC.read_text(encoding="utf-8").split("<!-- connectors -->")[0]
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    return [json.loads(ln) for block in blocks for ln in block.splitlines() if ln.strip()]


def test_every_event_type_is_documented_with_an_example():
    documented = {m["type"] for m in doc_json_lines()}
    assert documented >= EVENT_TYPES
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{action}`" in text for action in COMMAND_ACTIONS)
    assert "<!-- connectors -->" in text


def test_documented_event_examples_decode():
    events = [m for m in doc_json_lines() if m["type"] in EVENT_TYPES]
    assert len(events) >= len(EVENT_TYPES)
    for message in events:
        assert from_wire(message).wire_type == message["type"]


async def test_documented_examples_are_accepted_by_a_live_listener(listener, received):
    events = [m for m in doc_json_lines() if m["type"] in EVENT_TYPES]
    source = await RawSource.hello(listener.port)
    await source.send(b"".join(json.dumps(m, ensure_ascii=False).encode() + b"\n" for m in events))
    assert await source.replies_until_pong() == []
    assert [e.wire_type for e, _ in received.events] == [m["type"] for m in events]
    await source.close()
