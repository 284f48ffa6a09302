"""Bytes -> lines for the CTI socket's JSON-lines framing, with a hard per-line size limit.

`LineFramer` is pure (no I/O): feed it whatever chunks the socket delivers, in any split, and it
returns the complete lines. A line longer than the limit is reported once as `OVERSIZED` and the
rest of it is discarded up to the next newline without being buffered, so a peer that never sends
a newline cannot make the desktop hold more than about `max_line_bytes` plus one chunk.
"""

from __future__ import annotations

from typing import Final


class _Oversized:
    __slots__ = ()

    def __repr__(self) -> str:
        return "OVERSIZED"


OVERSIZED: Final = _Oversized()
"""Marker returned in place of a line that exceeded the limit."""


class LineFramer:
    """Split a byte stream on b"\\n"; a trailing b"\\r" is dropped; lines exclude the terminator.

    The same byte stream gives the same items whatever way it is split into chunks.
    """

    __slots__ = ("_buf", "_discarding", "max_line_bytes")

    def __init__(self, max_line_bytes: int = 65536) -> None:
        if max_line_bytes < 1:
            raise ValueError("max_line_bytes must be positive")
        self.max_line_bytes = max_line_bytes
        self._buf = bytearray()
        self._discarding = False

    @property
    def pending_bytes(self) -> int:
        """Bytes held for an incomplete line (0 while discarding an oversized one)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes | _Oversized]:
        out: list[bytes | _Oversized] = []
        limit = self.max_line_bytes
        start, end = 0, len(data)
        while start < end:
            newline = data.find(b"\n", start)
            if self._discarding:
                if newline < 0:
                    return out
                self._discarding = False
                start = newline + 1
                continue
            if newline < 0:
                self._buf += data[start:]
                # +1: the line may still end in "\r", which does not count against the limit
                if len(self._buf) > limit + 1:
                    self._buf.clear()
                    self._discarding = True
                    out.append(OVERSIZED)
                return out
            if self._buf:
                self._buf += data[start:newline]
                line = bytes(self._buf)
                self._buf.clear()
            else:
                line = data[start:newline]
            start = newline + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            out.append(OVERSIZED if len(line) > limit else line)
        return out
