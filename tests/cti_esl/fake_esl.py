"""A small but real FreeSWITCH event-socket server on loopback for tests: greets with auth/request,
checks the password, acknowledges `event plain`, answers `api` from a table of handlers, runs
`bgapi` and sends its BACKGROUND_JOB event (when subscribed), and says goodbye on `exit`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from .esl_wire import event_plain, frame

ApiHandler = Callable[[str], str]


class FakeEsl:
    def __init__(self, password: str = "ClueCon") -> None:
        self.password = password
        self.commands: list[str] = []  # every command line received, in order (auth included)
        self.api: dict[str, ApiHandler] = {}  # first word of the api command -> output
        self.silent: set[str] = set()  # api commands (first word) never answered: a hung switch
        self.slow: dict[str, float] = {}  # api commands (first word) answered after this many seconds
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._subscribed: dict[asyncio.StreamWriter, bool] = {}
        self._server: asyncio.Server | None = None
        self.port = 0
        self.command_seen = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.drop_all()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def drop_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def send_event(self, headers: dict[str, str], body: str = "") -> None:
        data = event_plain(headers, body)
        for writer in self._writers:
            if self._subscribed.get(writer):
                writer.write(data)

    def answer_for(self, command: str) -> str:
        word = command.split(" ", 1)[0]
        handler = self.api.get(word)
        if handler is None:
            return f"-ERR {word} Command not found!\n"
        return handler(command)

    async def wait_for_command(self, prefix: str, timeout: float = 5.0) -> str:
        async def _wait() -> str:
            while True:
                for line in self.commands:
                    if line.startswith(prefix):
                        return line
                self.command_seen.clear()
                await self.command_seen.wait()

        return await asyncio.wait_for(_wait(), timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        writer.write(frame({"Content-Type": "auth/request"}))
        authed = False
        try:
            while True:
                block = await reader.readuntil(b"\n\n")
                lines = block.decode().strip("\n").split("\n")
                line, headers = lines[0], dict(h.split(": ", 1) for h in lines[1:] if ": " in h)
                self.commands.append(line)
                self.command_seen.set()
                if line.startswith("auth "):
                    authed = line[5:] == self.password
                    reply = "+OK accepted" if authed else "-ERR invalid"
                    writer.write(frame({"Content-Type": "command/reply", "Reply-Text": reply}))
                    if not authed:
                        writer.write(frame({"Content-Type": "text/disconnect-notice"}, b"Disconnected.\n"))
                        await writer.drain()
                        return
                elif not authed:
                    writer.write(
                        frame({"Content-Type": "command/reply", "Reply-Text": "-ERR command not found"})
                    )
                elif line.startswith("event plain "):
                    self._subscribed[writer] = True
                    writer.write(
                        frame(
                            {
                                "Content-Type": "command/reply",
                                "Reply-Text": "+OK event listener enabled plain",
                            }
                        )
                    )
                elif line.startswith("api ") and line[4:].split(" ", 1)[0] in self.silent:
                    pass
                elif line.startswith("api "):
                    await asyncio.sleep(self.slow.get(line[4:].split(" ", 1)[0], 0.0))
                    output = self.answer_for(line[4:]).encode()
                    writer.write(frame({"Content-Type": "api/response"}, output))
                elif line.startswith("bgapi "):
                    job = headers.get("Job-UUID", "job-1")
                    reply = {
                        "Content-Type": "command/reply",
                        "Reply-Text": f"+OK Job-UUID: {job}",
                        "Job-UUID": job,
                    }
                    writer.write(frame(reply))
                    await writer.drain()
                    await asyncio.sleep(0.01)
                    output = self.answer_for(line[6:])
                    if self._subscribed.get(writer):
                        writer.write(event_plain({"Event-Name": "BACKGROUND_JOB", "Job-UUID": job}, output))
                elif line == "exit":
                    writer.write(frame({"Content-Type": "command/reply", "Reply-Text": "+OK bye"}))
                    writer.write(
                        frame({"Content-Type": "text/disconnect-notice"}, b"Disconnected, goodbye.\n")
                    )
                    await writer.drain()
                    return
                else:
                    writer.write(
                        frame({"Content-Type": "command/reply", "Reply-Text": "-ERR command not found"})
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            self._subscribed.pop(writer, None)
            writer.close()
