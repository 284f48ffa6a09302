"""A small AMI server on 127.0.0.1 for client tests: banner, plain and MD5 login, actions
answered with their ActionID, QueueStatus as an event list, pushed events, dropped connections.
Its framing is written independently of desktop.cti.ami_parser (it must not share its bugs)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any


def frame(*pairs: tuple[str, object]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n").encode()


class FakeAmiServer:
    def __init__(self, username: str = "calldesk", secret: str = "s3cret") -> None:
        self.username, self.secret = username, secret
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.writers: list[asyncio.StreamWriter] = []
        self.actions: list[dict[str, str]] = []
        self.logins = 0
        self.failed_logins = 0
        self.queue_status: list[list[tuple[str, object]]] = []  # each entry: one event's headers
        self.challenge = "314159265"
        self.refuse: dict[str, str] = {}  # action name -> the Message of its Response: Error
        self.silent: set[str] = set()  # actions never answered (a PBX that hangs)
        self.channels: list[list[tuple[str, object]]] = []  # CoreShowChannel events' headers
        # how an Originate ends, reported later as OriginateResponse (Response, Reason); None: never
        self.originate_result: tuple[str, str] | None = ("Success", "4")

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.drop()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def drop(self) -> None:
        """Cut every client off, as a PBX restart would."""
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    async def push(self, data: bytes) -> None:
        for writer in list(self.writers):
            writer.write(data)
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        authed = False
        try:
            while True:
                raw = await reader.readuntil(b"\r\n\r\n")
                action: dict[str, str] = {}
                for line in raw.decode().split("\r\n"):
                    if ": " in line:
                        key, value = line.split(": ", 1)
                        action[key] = value
                self.actions.append(action)
                authed = await self._answer(writer, action, authed)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if writer in self.writers:
                self.writers.remove(writer)
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, action: dict[str, str], authed: bool) -> bool:
        name, aid = action.get("Action", ""), action.get("ActionID", "")
        ok = ("Response", "Success")
        if name == "Challenge":
            writer.write(frame(ok, ("ActionID", aid), ("Challenge", self.challenge)))
        elif name == "Login":
            if action.get("AuthType", "").lower() == "md5":
                good = action.get("Key") == hashlib.md5((self.challenge + self.secret).encode()).hexdigest()
            else:
                good = action.get("Secret") == self.secret
            good = good and action.get("Username") == self.username
            if good:
                self.logins += 1
                writer.write(frame(ok, ("ActionID", aid), ("Message", "Authentication accepted")))
                writer.write(
                    frame(("Event", "FullyBooted"), ("Privilege", "system,all"), ("Status", "Fully Booted"))
                )
                authed = True
            else:
                self.failed_logins += 1
                writer.write(
                    frame(("Response", "Error"), ("ActionID", aid), ("Message", "Authentication failed"))
                )
        elif not authed:
            writer.write(frame(("Response", "Error"), ("ActionID", aid), ("Message", "Permission denied")))
        elif name in self.silent:
            pass
        elif name in self.refuse:
            writer.write(frame(("Response", "Error"), ("ActionID", aid), ("Message", self.refuse[name])))
        elif name == "CoreShowChannels":
            writer.write(
                frame(ok, ("ActionID", aid), ("EventList", "start"), ("Message", "Channels will follow"))
            )
            for pairs in self.channels:
                writer.write(frame(("Event", "CoreShowChannel"), *pairs, ("ActionID", aid)))
            writer.write(
                frame(
                    ("Event", "CoreShowChannelsComplete"),
                    ("ActionID", aid),
                    ("EventList", "Complete"),
                    ("ListItems", len(self.channels)),
                )
            )
        elif name == "Originate":
            writer.write(frame(ok, ("ActionID", aid), ("Message", "Originate successfully queued")))
            if self.originate_result is not None:
                response, reason = self.originate_result
                writer.write(
                    frame(
                        ("Event", "OriginateResponse"),
                        ("ActionID", aid),
                        ("Response", response),
                        ("Channel", action.get("Channel", "")),
                        ("Reason", reason),
                        ("Uniqueid", action.get("ChannelId", "<unknown>")),
                    )
                )
        elif name == "SlowPing":  # answered later, after actions sent after it
            loop = asyncio.get_running_loop()
            reply = frame(ok, ("ActionID", aid), ("Ping", "Pong"), ("Message", "slow"))
            loop.call_later(0.2, lambda: None if writer.is_closing() else writer.write(reply))
        elif name == "QueueStatus":
            writer.write(
                frame(ok, ("ActionID", aid), ("EventList", "start"), ("Message", "Queue status will follow"))
            )
            for pairs in self.queue_status:
                writer.write(frame(*pairs, ("ActionID", aid)))
            writer.write(
                frame(
                    ("Event", "QueueStatusComplete"),
                    ("ActionID", aid),
                    ("EventList", "Complete"),
                    ("ListItems", len(self.queue_status)),
                )
            )
        elif name == "Fail":
            writer.write(frame(("Response", "Error"), ("ActionID", aid), ("Message", "No such thing")))
        else:
            writer.write(frame(ok, ("ActionID", aid), ("Message", f"{name} done")))
        await writer.drain()
        return authed

    def actions_named(self, name: str) -> list[dict[str, Any]]:
        return [a for a in self.actions if a.get("Action") == name]
