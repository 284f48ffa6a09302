"""Decoding the bootstrap's one-change-per-line pages in pieces (docs/central-api.md "Bootstrap"),
so the UI thread gets the GIL between pieces; moved out of desktop.services.api unchanged."""

from __future__ import annotations

from typing import Any

import orjson

from desktop.cache.store import DATA_TEXT_KEY

_PIECE_LINES = 200


def loads_in_pieces(content: bytes) -> Any:
    """JSON decoding of a page laid out one change per line (the bootstrap endpoints), 200 lines
    at a time. One decoding call holds the GIL throughout (tens of ms for a MB), which would stall
    the UI thread however the decoding thread is scheduled; between pieces the GIL changes hands.
    Any other layout is decoded in one call."""
    lines = content.split(b"\n")
    if len(lines) < 3 or lines[0] != b'{"changes":[' or not lines[-1].startswith(b"],"):
        return orjson.loads(content)
    body = orjson.loads(b"{" + lines[-1][2:])
    if not isinstance(body, dict):
        raise ValueError("page tail is not an object")
    items = [line for line in lines[1:-1] if line]
    changes: list[Any] = []
    for start in range(0, len(items), _PIECE_LINES):
        piece = items[start : start + _PIECE_LINES]
        decoded = orjson.loads(b"[" + b"".join(piece).rstrip(b",") + b"]")
        if len(decoded) == len(piece):
            for line, change in zip(piece, decoded, strict=True):
                _keep_data_text(line, change)
        changes.extend(decoded)
    body["changes"] = changes
    return body


_WIRE_KEYS = ("seq", "entity", "id", "op", "version", "data")


def _keep_data_text(line: bytes, change: Any) -> None:
    """Attach the JSON text of the change's `data`, as the server wrote it, so the cache stores
    it without encoding the record again. Only for the exact layout central writes: scalar
    members first (a quote inside a JSON string is always escaped, so `,"data":` cannot occur in
    them) and `data` last (decoded dicts keep the members' order); anything else is left alone."""
    if not isinstance(change, dict) or tuple(change) != _WIRE_KEYS or not isinstance(change["data"], dict):
        return
    scalar_types = set(
        map(type, (change["seq"], change["entity"], change["id"], change["op"], change["version"]))
    )
    if dict in scalar_types or list in scalar_types:
        return
    at = line.find(b',"data":')
    end = len(line) - 1 if line.endswith(b",") else len(line)
    if at < 0 or line[end - 1 : end] != b"}":
        return
    change[DATA_TEXT_KEY] = line[at + 8 : end - 1].decode("utf-8")
