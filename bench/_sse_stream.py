"""A light HTTP/1.1 client for one server-sent event stream, for load generators.

httpx costs a few hundred microseconds of Python per streamed chunk; a load generator holding
2,000 streams in one process spent its whole core there and measured itself, not the server
(bench/results/central_load_2000.json before this). This speaks the same bytes on the wire: a
GET with the bearer token, the status line and headers checked, the chunked body decoded and
handed on as it arrives (`on_body(bytes)`). Events are parsed by the caller with the desktop's
own SseParser.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class StreamRefused(Exception):
    pass


class _ChunkedDecoder:
    """Transfer-Encoding: chunked -> body bytes, fed in arbitrary pieces."""

    def __init__(self) -> None:
        self._buffer = b""
        self._left = -1  # bytes of the current chunk still to come (-1: reading a size line)
        self._crlf = False  # the CRLF after a chunk's data is due
        self.ended = False

    def feed(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        buffer = self._buffer + data if self._buffer else data
        at = 0
        while at < len(buffer) and not self.ended:
            if self._crlf:
                if len(buffer) - at < 2:
                    break
                at += 2
                self._crlf = False
            elif self._left < 0:
                end = buffer.find(b"\r\n", at)
                if end < 0:
                    break
                size = int(buffer[at:end].split(b";", 1)[0], 16)
                at = end + 2
                if size == 0:
                    self.ended = True
                    break
                self._left = size
            else:
                take = min(self._left, len(buffer) - at)
                out.append(buffer[at : at + take])
                at += take
                self._left -= take
                if self._left == 0:
                    self._left = -1
                    self._crlf = True
        self._buffer = buffer[at:]
        return out


class _StreamProtocol(asyncio.Protocol):
    def __init__(self, request: bytes, on_body: Callable[[bytes], None], done: asyncio.Future[str]) -> None:
        self.request = request
        self.on_body = on_body
        self.done = done
        self.head = b""
        self.decoder: _ChunkedDecoder | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if self.decoder is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end], self.head[end + 4 :]
            status = head.split(b"\r\n", 1)[0]
            if b" 200 " not in status + b" ":
                self._finish(f"http_{status.split(b' ')[1].decode() if b' ' in status else '?'}")
                return
            if b"transfer-encoding: chunked" not in head.lower():
                self._finish("not_chunked")
                return
            self.decoder = _ChunkedDecoder()
        for piece in self.decoder.feed(data):
            self.on_body(piece)
        if self.decoder.ended:
            self._finish("ended")

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish("lost" if exc is None else type(exc).__name__)

    def _finish(self, reason: str) -> None:
        if not self.done.done():
            self.done.set_result(reason)
        if self.transport is not None:
            self.transport.close()


async def hold_stream(host: str, port: int, target: str, token: str, on_body: Callable[[bytes], None]) -> str:
    """Open the stream and feed its body to `on_body` until it ends; returns why it ended
    ("ended", "lost", "http_401", ...)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode("ascii")
    transport, _ = await loop.create_connection(lambda: _StreamProtocol(request, on_body, done), host, port)
    try:
        return await done
    finally:
        transport.close()
