"""A light keep-alive HTTP/1.1 client for load generators: the same requests on the wire as a
desktop's httpx client (one kept connection, JSON bodies, the bearer token), a fraction of the
Python per request.

httpx cost the simulated floor about 5 ms of CPU per push on this machine (bench/results/
central_load_2000.json, py-spy of a share): two shares of 1,000 desktops spent a quarter of the
machine's two cores making requests, cores the API and PostgreSQL under test then lacked. On a
real floor each desktop makes its requests on its own PC. `_sse_stream` does the same for the
notification stream.
"""

from __future__ import annotations

import asyncio
import time
from typing import NamedTuple

from _sse_stream import _ChunkedDecoder

MAX_HEAD = 64 * 1024


class HttpFailed(Exception):
    """The request got no complete answer; `kind` names why (as the bench counts errors)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Answer(NamedTuple):
    status: int
    body: bytes
    retry_after: float | None  # the Retry-After header in seconds, when the server sent one


class LightHttp:
    """One connection to host:port, opened when needed and kept for `keepalive_s` idle seconds
    (the desktop's KEEPALIVE_S), one request at a time (callers await their turn)."""

    def __init__(self, host: str, port: int, *, keepalive_s: float, timeout_s: float = 30.0) -> None:
        self.host, self.port = host, port
        self.keepalive_s = keepalive_s
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._idle_since = 0.0
        self._turn = asyncio.Lock()

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None = None
    ) -> Answer:
        """Raises HttpFailed."""
        async with self._turn:
            try:
                async with asyncio.timeout(self.timeout_s):
                    return await self._exchange(method, target, headers, body)
            except TimeoutError:
                self.close()
                raise HttpFailed("ReadTimeout") from None
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                self.close()
                raise HttpFailed(type(exc).__name__) from None

    async def _exchange(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> Answer:
        if self._writer is not None and time.monotonic() - self._idle_since > self.keepalive_s:
            self.close()
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEAD)
        assert self._reader is not None and self._writer is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: application/json"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, _, rest = head.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        fields = {}
        for line in rest.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            payload = await self._chunked()
        else:
            payload = await self._reader.readexactly(int(fields.get(b"content-length", b"0")))
        if fields.get(b"connection", b"").lower() == b"close":
            self.close()
        self._idle_since = time.monotonic()
        return Answer(status, payload, _seconds(fields.get(b"retry-after")))

    async def _chunked(self) -> bytes:
        assert self._reader is not None
        decoder, parts = _ChunkedDecoder(), []
        while not decoder.ended:
            data = await self._reader.read(65536)
            if not data:
                raise asyncio.IncompleteReadError(b"", None)
            parts += decoder.feed(data)
        return b"".join(parts)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def _seconds(value: bytes | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
