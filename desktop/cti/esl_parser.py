"""FreeSWITCH event-socket (ESL) framing: bytes in, `EslFrame`s out.

Wire format (mod_event_socket.c): a block of `Name: value` lines ended by a blank line; when the
block has `Content-Length: N`, exactly N bytes of body follow. `Content-Type` says what it is:
`auth/request`, `command/reply` (answer in `Reply-Text`), `api/response` (body = the API output),
`text/event-plain` (body = url-encoded `Name: value` lines, a blank line, and for events that carry
a body an inner `Content-Length: M` header followed by M bytes), `text/disconnect-notice`.

`EslParser.feed()` is incremental: TCP may split the stream at any byte and the frames are the same
as when it is fed whole. It never raises on input: a header block that is not `Name: value` lines,
a bad Content-Length or an endless line is logged and skipped, and parsing resumes at the next
blank line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import unquote

log = logging.getLogger(__name__)

MAX_HEADER_BLOCK = 256 * 1024  # a real frame header is a few hundred bytes
MAX_BODY = 16 * 1024 * 1024  # the biggest real bodies (api "show channels") are well below this


@dataclass(slots=True)
class EslEvent:
    """A decoded `text/event-plain` body: url-decoded headers plus the optional event body."""

    headers: dict[str, str]
    body: str = ""

    @property
    def name(self) -> str:
        return self.headers.get("Event-Name", "")

    @property
    def subclass(self) -> str:
        return self.headers.get("Event-Subclass", "")

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)


@dataclass(slots=True)
class EslFrame:
    """One framed message; `headers` are the outer ones, `body` the raw Content-Length bytes."""

    headers: dict[str, str]
    body: bytes = b""
    event: EslEvent | None = field(default=None)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def reply_text(self) -> str:
        return self.headers.get("Reply-Text", "")

    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _decode_value(value: str) -> str:
    return unquote(value, errors="replace") if "%" in value else value


def parse_header_lines(text: str, *, url_decoded: bool) -> dict[str, str] | None:
    """`Name: value` lines -> dict (first value of a repeated name wins); None if any line is not one."""
    headers: dict[str, str] = {}
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip() or " " in name:
            return None
        value = value[1:] if value.startswith(" ") else value
        if url_decoded:
            value = _decode_value(value)
        headers.setdefault(name, value)
    return headers


def _event_headers(head: str) -> dict[str, str] | None:
    """Fast path for well-formed event bodies (one C-level split per line); the validating
    parser when any line is not `Name: value`."""
    try:
        pairs = dict(line.split(": ", 1) for line in head.split("\n"))
    except ValueError:
        return parse_header_lines(head, url_decoded=True)
    if any(" " in name or not name for name in pairs):
        return parse_header_lines(head, url_decoded=True)
    return {
        name: (unquote(value, errors="replace") if "%" in value else value) for name, value in pairs.items()
    }


def decode_event_plain(body: bytes) -> EslEvent | None:
    """Decode a `text/event-plain` body; None (logged) if it is not one."""
    text = body.decode("utf-8", errors="replace")
    head, _, rest = text.partition("\n\n")
    headers = _event_headers(head.strip("\n").replace("\r\n", "\n"))
    if headers is None or "Event-Name" not in headers:
        log.warning("ESL: text/event-plain body without valid headers (%d bytes) skipped", len(body))
        return None
    inner_body = ""
    length_text = headers.get("Content-Length")
    if length_text is not None:
        # The inner length counts bytes, so cut the body as bytes, not as decoded characters.
        head_bytes = body.find(b"\n\n")
        raw_rest = body[head_bytes + 2 :] if head_bytes >= 0 else b""
        try:
            length = int(length_text)
        except ValueError:
            length = len(raw_rest)
        inner_body = raw_rest[: max(length, 0)].decode("utf-8", errors="replace")
    elif rest.strip():
        inner_body = rest
    return EslEvent(headers, inner_body)


class EslParser:
    """Incremental ESL stream parser. Feed it bytes; it returns the complete frames so far."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._scan_from = 0  # where to resume looking for the end of the header block
        self._pending_headers: dict[str, str] | None = None
        self._pending_length = 0
        self.garbage_blocks = 0

    @property
    def pending_bytes(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[EslFrame]:
        self._buf += data
        frames: list[EslFrame] = []
        while True:
            if self._pending_headers is not None:
                if len(self._buf) < self._pending_length:
                    return frames
                body = bytes(self._buf[: self._pending_length])
                del self._buf[: self._pending_length]
                frames.append(self._finish(self._pending_headers, body))
                self._pending_headers = None
                continue
            if not self._next_header_block(frames):
                return frames

    def _next_header_block(self, frames: list[EslFrame]) -> bool:
        """Consume one header block if complete; False when more bytes are needed."""
        buf = self._buf
        start = 0
        while start < len(buf) and buf[start] in (0x0A, 0x0D):  # blank lines between frames
            start += 1
        if start:
            del buf[:start]
            self._scan_from = 0
        if not buf:
            return False
        end, sep_len = self._find_blank_line()
        if end < 0:
            if len(buf) > MAX_HEADER_BLOCK:
                self._drop_oversized_block()
            return False
        block = bytes(buf[:end])
        del buf[: end + sep_len]
        self._scan_from = 0
        headers = parse_header_lines(block.decode("utf-8", errors="replace"), url_decoded=False)
        if headers is None or ("Content-Type" not in headers and "Content-Length" not in headers):
            self._garbage("not an ESL header block", block)
            return True
        length_text = headers.get("Content-Length")
        if length_text is None:
            frames.append(self._finish(headers, b""))
            return True
        try:
            length = int(length_text.strip())
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._garbage(f"bad Content-Length {length_text[:20]!r}", block)
            return True
        self._pending_headers = headers
        self._pending_length = length
        return True

    def _find_blank_line(self) -> tuple[int, int]:
        buf = self._buf
        scan = max(self._scan_from - 3, 0)
        lf = buf.find(b"\n\n", scan)
        # bounded by the LF end when there is one: never rescan a whole 64 KiB read per frame
        crlf = buf.find(b"\n\r\n", scan, lf + 1 if lf >= 0 else len(buf))
        if lf < 0 and crlf < 0:
            self._scan_from = len(buf)
            return -1, 0
        if crlf >= 0 and (lf < 0 or crlf < lf):
            return crlf, 3
        return lf, 2

    def _drop_oversized_block(self) -> None:
        self.garbage_blocks += 1
        cut = self._buf.rfind(b"\n")
        cut = len(self._buf) if cut < 0 else cut + 1
        log.warning("ESL: %d bytes without a frame end discarded (garbage or a broken peer)", cut)
        del self._buf[:cut]
        self._scan_from = 0

    def _garbage(self, why: str, block: bytes) -> None:
        self.garbage_blocks += 1
        log.warning("ESL: skipped a block (%s): %r", why, block[:80])

    @staticmethod
    def _finish(headers: dict[str, str], body: bytes) -> EslFrame:
        frame = EslFrame(headers, body)
        if frame.content_type == "text/event-plain":
            frame.event = decode_event_plain(body)
        return frame
