"""Asterisk Manager Interface framing: bytes in, `AmiMessage`s out.

`AmiParser.feed()` is incremental: TCP may split the stream at any byte (even inside a UTF-8
sequence or between `\\r` and `\\n`) and the result is the same as feeding it whole. It accepts
`\\r\\n` and stray `\\n` line ends, the `Asterisk Call Manager/x.y.z` banner, `Key:Value` without
the space, repeated keys (all values kept), `Output:` command output (Asterisk 14+) and the older
`Response: Follows` ... `--END COMMAND--` form. Lines that are not headers are logged and skipped;
the parser never raises on input.

Speed matters (one bridge carries a whole PBX): the stream is split into blocks on blank lines
with str methods implemented in C, and a block whose lines all look like `Key: Value` with no
repeated key is turned into a dict in one call.
"""

from __future__ import annotations

import codecs
import logging
from itertools import repeat

log = logging.getLogger(__name__)

BANNER_PREFIX = "Asterisk Call Manager"
END_COMMAND = "--END COMMAND--"
# A sane AMI message is a few KiB; a buffer this large without a blank line is a broken peer.
MAX_PENDING_CHARS = 4 * 1024 * 1024
_FOLLOWS_HEADERS = frozenset({"Privilege", "ActionID", "Message"})
# Endless, stateless argument streams for map(str.split, lines, ...): reusable across calls.
_SEPARATORS = repeat(": ")
_ONE_SPLIT = repeat(1)


class AmiMessage:
    """One AMI event or response.

    `headers` maps each key to its first value; `multi` (None unless some key repeats) maps each
    repeated key to all its values in order; `output` holds command output lines, if any.
    """

    __slots__ = ("_headers", "_multi", "output")

    def __init__(
        self,
        headers: dict[str, str],
        multi: dict[str, list[str]] | None = None,
        output: list[str] | None = None,
    ) -> None:
        self._headers: dict[str, str] | None = headers
        self._multi = multi
        self.output = output

    @property
    def headers(self) -> dict[str, str]:
        if self._headers is None:
            self._materialise()
        return self._headers  # type: ignore[return-value]

    @property
    def multi(self) -> dict[str, list[str]] | None:
        if self._headers is None:
            self._materialise()
        return self._multi

    def _materialise(self) -> None:  # only lazy events have something to do
        raise AssertionError("headers missing")

    @property
    def event(self) -> str | None:
        return self.headers.get("Event")

    @property
    def response(self) -> str | None:
        return self.headers.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.headers.get("ActionID")

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)

    def may_contain(self, text: str) -> bool:
        """False only if `text` is certainly nowhere in the message (a cheap pre-filter)."""
        return True

    def get_all(self, key: str) -> list[str]:
        """Every value of `key` in arrival order (ChanVariable, Output ...)."""
        multi = self.multi
        if multi is not None and key in multi:
            return list(multi[key])
        value = self.headers.get(key)
        return [] if value is None else [value]

    def __repr__(self) -> str:
        kind = f"Event={self.event}" if self.event else f"Response={self.response}"
        return f"<AmiMessage {kind}>"


class _LazyEvent(AmiMessage):
    """An event whose headers are split out of its text only when first asked for.

    Most of a PBX's events (RTCP, DeviceStateChange, NewConnectedLine, Bridge* ...) are never
    looked at by the normaliser beyond their name; not building their dicts is most of the
    parser's speed. The result is the same as eager parsing (tests compare the two).
    """

    __slots__ = ("_line_end", "_parser", "_raw")

    def __init__(self, raw: str, line_end: str, parser: AmiParser) -> None:
        self._headers = None
        self._multi = None
        self.output = None
        self._raw = raw
        self._line_end = line_end
        self._parser = parser

    @property
    def event(self) -> str | None:
        if self._headers is not None:
            return self._headers.get("Event")
        raw = self._raw
        end = raw.find(self._line_end)
        return raw[7:end] if end >= 0 else raw[7:]

    @property
    def action_id(self) -> str | None:
        if self._headers is None and "ActionID:" not in self._raw:
            return None
        return self.headers.get("ActionID")

    def may_contain(self, text: str) -> bool:
        return self._headers is not None or text in self._raw

    def _materialise(self) -> None:
        lines = self._raw.split(self._line_end)
        try:
            headers = dict(map(str.split, lines, _SEPARATORS, _ONE_SPLIT))
        except ValueError:
            headers = None
        if headers is None or len(headers) != len(lines):
            slow = self._parser._parse_slow(lines)
            headers, self._multi, self.output = slow._headers, slow._multi, slow.output
        elif "Output" in headers:
            self.output = [headers["Output"]]
        self._headers = headers


class AmiParser:
    """Incremental AMI stream parser. Feed it bytes; it returns the complete messages so far."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # text after the last complete block, with \r\n already folded to \n
        self.version: str | None = None  # from the banner, e.g. "11.0.0"
        self.garbage_lines = 0
        self.dropped_blocks = 0

    def feed(self, data: bytes) -> list[AmiMessage]:
        text = self._decoder.decode(data)
        if not text:
            return []
        pending = self._pending + text
        newlines = pending.count("\n")
        if newlines == pending.count("\r\n"):
            block_end, line_end = "\r\n\r\n", "\r\n"  # the usual case: no folding needed
        else:
            if pending.endswith("\r"):  # keep a \r whose \n is still on its way
                pending = pending[:-1].replace("\r\n", "\n") + "\r"
            else:
                pending = pending.replace("\r\n", "\n")
            block_end, line_end = "\n\n", "\n"
        if block_end not in pending:
            self._pending = self._bounded(pending)
            return []
        blocks = pending.split(block_end)
        self._pending = blocks.pop()
        out: list[AmiMessage] = []
        append = out.append
        split = str.split
        i = 0
        n = len(blocks)
        while i < n:
            block = blocks[i]
            i += 1
            if block.startswith("Event: "):
                append(_LazyEvent(block, line_end, self))
                continue
            # Fast path: every line is "Key: Value" and no key repeats -- one C-level dict build.
            try:
                lines = block.split(line_end)
                headers = dict(map(split, lines, _SEPARATORS, _ONE_SPLIT))
            except ValueError:
                headers = None
            if headers is not None and len(headers) == len(lines):
                if "Event" in headers:
                    append(AmiMessage(headers))
                    continue
                if "Output" in headers:
                    append(AmiMessage(headers, None, [headers["Output"]]))
                    continue
                if "Response" in headers and headers["Response"] != "Follows":
                    append(AmiMessage(headers))
                    continue
            if line_end != "\n":
                block = block.replace("\r\n", "\n")
            if not block or not (block := block.lstrip("\n")):
                continue
            if block.startswith("Response: Follows") and END_COMMAND not in block:
                # Old command output may hold blank lines: join until its end marker.
                j = i
                while j < n and END_COMMAND not in blocks[j]:
                    j += 1
                if j == n:
                    rest = [b.replace("\r\n", "\n") for b in blocks[i:]]
                    tail = self._pending.replace("\r\n", "\n")
                    self._pending = self._bounded("\n\n".join([block, *rest, tail]))
                    return out
                rest = [b.replace("\r\n", "\n") for b in blocks[i : j + 1]]
                block = "\n\n".join([block, *rest])
                i = j + 1
            message = self._parse_block(block)
            if message is not None:
                append(message)
        self._pending = self._bounded(self._pending)
        return out

    def _bounded(self, pending: str) -> str:
        if len(pending) > MAX_PENDING_CHARS:
            log.warning("AMI: %d characters without a message end; discarding them", len(pending))
            self.dropped_blocks += 1
            return ""
        return pending

    def _parse_block(self, block: str) -> AmiMessage | None:
        lines = block.split("\n")
        first = lines[0]
        if first.startswith(BANNER_PREFIX):
            self.version = first.partition("/")[2].strip() or None
            lines = lines[1:]
            if not lines:
                return None
        if first.startswith("Response: Follows"):
            return self._parse_follows(lines)
        try:
            headers = dict([line.split(": ", 1) for line in lines])
        except ValueError:
            headers = None
        if headers is not None and len(headers) == len(lines):
            message = AmiMessage(headers)
            if "Output" in headers:
                message.output = [headers["Output"]]
        else:
            message = self._parse_slow(lines)
        if "Event" not in message.headers and "Response" not in message.headers:
            self.dropped_blocks += 1
            log.warning("AMI: block without Event or Response skipped (%d lines)", len(lines))
            return None
        return message

    def _parse_slow(self, lines: list[str]) -> AmiMessage:
        headers: dict[str, str] = {}
        multi: dict[str, list[str]] | None = None
        for line in lines:
            key, sep, value = line.partition(":")
            key = key.strip()
            if not sep or not key or " " in key:
                if line.strip():
                    self.garbage_lines += 1
                    log.debug("AMI: garbage line skipped: %.80r", line)
                continue
            if value[:1] == " ":
                value = value[1:]
            value = value.rstrip("\r")
            if key in headers:
                if multi is None:
                    multi = {}
                multi.setdefault(key, [headers[key]]).append(value)
            else:
                headers[key] = value
        output = None
        if multi is not None and "Output" in multi:
            output = list(multi["Output"])
        elif "Output" in headers:
            output = [headers["Output"]]
        return AmiMessage(headers, multi, output)

    def _parse_follows(self, lines: list[str]) -> AmiMessage:
        headers = {"Response": "Follows"}
        index = 1
        while index < len(lines):
            key, sep, value = lines[index].partition(":")
            if not sep or key not in _FOLLOWS_HEADERS:
                break
            headers[key] = value.strip()
            index += 1
        output: list[str] = []
        for line in lines[index:]:
            if END_COMMAND in line:
                rest = line.split(END_COMMAND, 1)[0]
                if rest.strip():
                    output.append(rest.rstrip("\r"))
                break
            output.append(line.rstrip("\r"))
        return AmiMessage(headers, None, output)


def parse_ami_messages(data: bytes) -> list[AmiMessage]:
    """Parse a whole recorded AMI stream; a trailing message without its blank line is kept."""
    parser = AmiParser()
    messages = parser.feed(data)
    messages.extend(parser.feed(b"\r\n\r\n"))
    return messages
