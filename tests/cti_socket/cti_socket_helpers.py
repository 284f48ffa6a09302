"""A raw CTI source for tests: bytes in, JSON lines out, on a real loopback socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from typing import Any

import pytest

from desktop.cti.events import CtiEvent
from desktop.cti.listener import CommandResult

TOKEN = "test-token-Zq9"


def line(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8")


def hello(token: str = TOKEN, agent: str = "1001") -> bytes:
    return line({"type": "hello", "token": token, "agent": agent})


def ringing(call_id: str, caller: str = "13800138000", agent: str = "1001") -> dict[str, Any]:
    return {
        "type": "call.ringing",
        "call_id": call_id,
        "caller": caller,
        "dnis": "4008123456",
        "queue": "售后服务",
        "agent": agent,
        "ts": time.time(),
    }


class RawSource:
    """A CTI source that sends exactly the bytes it is told to."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, *, limit: int = 2**20) -> RawSource:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=limit)
        return cls(reader, writer)

    @classmethod
    async def hello(cls, port: int, token: str = TOKEN, agent: str = "1001") -> RawSource:
        source = await cls.open(port)
        await source.send(hello(token, agent))
        reply = await source.reply()
        assert reply["type"] == "hello.ok", reply
        return source

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self, timeout: float = 5.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.reader.readline(), timeout)
        assert raw, "connection closed instead of a reply"
        return json.loads(raw)

    async def replies_until_pong(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Send a ping and collect every reply before its pong: proves all prior lines were read."""
        await self.send(line({"type": "ping"}))
        collected = []
        while True:
            message = await self.reply(timeout)
            if message["type"] == "pong":
                return collected
            collected.append(message)

    async def at_eof(self, timeout: float = 5.0) -> bool:
        data = await asyncio.wait_for(self.reader.read(1), timeout)
        return data == b""

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


def soak_enabled(config: pytest.Config) -> bool:
    try:
        flag = bool(config.getoption("--cti-soak"))
    except ValueError:
        flag = False
    return flag or os.environ.get("CALLDESK_CTI_SOAK") == "1"


class Received:
    """What the listener handed to its callbacks."""

    def __init__(self) -> None:
        self.events: list[tuple[CtiEvent, str]] = []
        self.results: list[CommandResult] = []

    def on_event(self, event: CtiEvent, agent: str) -> None:
        self.events.append((event, agent))

    def call_ids(self) -> list[str | None]:
        return [getattr(event, "call_id", None) for event, _ in self.events]
