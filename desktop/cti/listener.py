"""The CTI socket: an asyncio server on loopback that CTI sources (the bridge, a softphone plug-in,
the simulator) connect to and stream JSON-lines events into. Protocol: docs/cti-protocol.md.

Runs on whatever asyncio loop is current (qasync's on the desktop); no threads. Nothing a source
sends can raise out of here: bad input is logged (rate-limited), counted in `ListenerStats`, and
answered with an `{"type":"error",...}` line, and the connection stays up. Only a failed hello
closes a connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.cti.events import (
    AgentEventKind,
    CallEventKind,
    CtiEvent,
    EventDecodeError,
    PbxEventKind,
    QueueEventKind,
    from_wire,
)
from desktop.cti.framing import OVERSIZED, LineFramer
from desktop.cti.pbx_commands import ACTIONS

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
DEFAULT_PORT = 7390
COMMAND_ACTIONS = frozenset(action.value for action in ACTIONS)  # desktop/cti/pbx_commands.py
EVENT_TYPES = frozenset(
    [f"call.{k.value}" for k in CallEventKind]
    + [f"queue.{k.value}" for k in QueueEventKind]
    + [f"agent.{k.value}" for k in AgentEventKind]
    + [f"pbx.{k.value}" for k in PbxEventKind]
)
_READ_CHUNK = 32768  # bounds the work done per loop iteration (about 250 events)


@dataclass(slots=True)
class ListenerStats:
    """Running counters; every refused or dropped input is counted in exactly one bucket."""

    connections: int = 0  # accepted TCP connections, whatever became of them
    active_sources: int = 0  # connections past a good hello, right now
    hellos_ok: int = 0
    rejected_hello: int = 0  # bad token, no hello, malformed hello, timeout (timeouts also below)
    hello_timeouts: int = 0
    refused_connections: int = 0  # over max_connections
    events: int = 0  # valid events handed to on_event
    bad_json: int = 0
    bad_utf8: int = 0
    unknown_type: int = 0
    invalid_event: int = 0  # known type, wrong or missing fields
    oversized_lines: int = 0
    callback_errors: int = 0  # on_event / on_command_result raised
    pings: int = 0
    commands_sent: int = 0  # command lines written (one per receiving source)
    command_results: int = 0
    stalled_sources_closed: int = 0  # stopped reading: write buffer over the cap

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A source's answer to a command: `{"type":"command.result","id":...,"ok":...,"message":...}`."""

    id: str
    ok: bool
    message: str
    agent: str  # the agent of the source that answered
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


class CtiBindError(ValueError):
    """The configured CTI address is not a loopback address."""


EventCallback = Callable[[CtiEvent, str], None]
CommandResultCallback = Callable[[CommandResult], None]


class _LogLimiter:
    """At most `burst` log lines per key per `window_s`; then one line saying how many were skipped."""

    def __init__(self, burst: int = 5, window_s: float = 10.0) -> None:
        self.burst = burst
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int, int]] = {}  # key -> (start, logged, suppressed)

    def log(self, key: str, level: int, msg: str, *args: Any, exc_info: bool = False) -> None:
        now = time.monotonic()
        start, logged, suppressed = self._windows.get(key, (now, 0, 0))
        if now - start >= self.window_s:
            if suppressed:
                log.log(
                    level,
                    "CTI: %d more '%s' messages were not logged in the last %.0f s",
                    suppressed,
                    key,
                    now - start,
                )
            start, logged, suppressed = now, 0, 0
        if logged < self.burst:
            log.log(level, msg, *args, exc_info=exc_info)
            logged += 1
        else:
            suppressed += 1
        self._windows[key] = (start, logged, suppressed)
        if len(self._windows) > 1000:  # keys are fixed codes, but stay bounded whatever happens
            self._windows.clear()


def check_loopback(host: str) -> str:
    """Return `host` if it is a loopback address ("localhost" becomes 127.0.0.1); else raise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise CtiBindError(
            f"CTI socket address {host!r} is not an IP address; use 127.0.0.1 or ::1 (loopback only)"
        ) from None
    if not address.is_loopback:
        raise CtiBindError(
            f"CTI socket refuses to listen on {host!r}: only loopback (127.0.0.1 or ::1) is allowed, "
            "because anything that can connect can make the desktop pop and place calls"
        )
    return host


class _Source:
    """One connected CTI source (one TCP connection)."""

    __slots__ = ("agent", "line_no", "peer", "task", "writer")

    def __init__(self, writer: asyncio.StreamWriter, peer: str) -> None:
        self.writer = writer
        self.peer = peer
        self.agent = ""
        self.line_no = 0
        self.task: asyncio.Task[Any] | None = None

    def send(self, message: dict[str, Any]) -> None:
        if not self.writer.is_closing():
            self.writer.write(_encode(message))


def _encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


class CtiListener:
    """The desktop's CTI socket server.

    `on_event(event, agent)` is called on the loop thread for every valid event, in arrival order
    per connection; `agent` is the agent id the source gave in its hello. Exceptions it raises are
    logged and counted, never propagated.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        token: str,
        on_event: EventCallback,
        on_command_result: CommandResultCallback | None = None,
        max_line_bytes: int = 65536,
        hello_timeout_s: float = 5.0,
        max_connections: int = 64,
        max_pending_write_bytes: int = 4 * 1024 * 1024,
        command_drain_timeout_s: float = 1.0,
    ) -> None:
        if not token:
            raise ValueError("the CTI token must not be empty")
        self.host = check_loopback(host)
        self._requested_port = port
        self._token = token.encode("utf-8")
        self.on_event = on_event
        self.on_command_result = on_command_result
        self.max_line_bytes = max_line_bytes
        self.hello_timeout_s = hello_timeout_s
        self.max_connections = max_connections
        self.max_pending_write_bytes = max_pending_write_bytes
        self.command_drain_timeout_s = command_drain_timeout_s
        self.stats = ListenerStats()
        self._server: asyncio.Server | None = None
        self._sources: set[_Source] = set()  # past hello
        self._open: set[_Source] = set()  # every open connection, incl. before hello
        self._limiter = _LogLimiter()

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The port actually listened on (useful when 0 was asked for); the requested one before start."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._requested_port

    @property
    def is_serving(self) -> bool:
        return self._server is not None and self._server.is_serving()

    def connected_agents(self) -> list[str]:
        return sorted({s.agent for s in self._sources})

    async def start(self) -> None:
        """Start listening; raises OSError if the port is taken."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, self.host, self._requested_port)
        log.info("CTI socket listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and close every connection; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        tasks = [s.task for s in self._open if s.task is not None and not s.task.done()]
        for source in list(self._open):
            if source.writer.transport.get_write_buffer_size():
                source.writer.transport.abort()  # do not wait on a peer that is not reading
            else:
                source.writer.close()
        if tasks:
            _, still_running = await asyncio.wait(tasks, timeout=1.0)
            for task in still_running:
                task.cancel()
            if still_running:
                await asyncio.wait(still_running, timeout=1.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=2.0)
        log.info("CTI socket closed")

    # -- commands -----------------------------------------------------------------------------
    async def send_command(self, command: dict[str, Any], agent: str | None = None) -> int:
        """Send a command line to every connected source of `agent` (every source if None).

        Adds "type":"command" and a uuid "id" when missing; raises ValueError for an unknown
        action. Returns how many sources took it: a source whose write buffer does not drain
        within `command_drain_timeout_s` is not counted, and one over the pending-bytes cap is
        closed as stalled. A slow source never delays the others beyond that timeout.
        """
        action = command.get("action")
        if action not in COMMAND_ACTIONS:
            raise ValueError(
                f"unknown CTI command action {action!r}; expected one of {sorted(COMMAND_ACTIONS)}"
            )
        message = {"type": "command", **command}
        message["type"] = "command"
        message.setdefault("id", str(uuid.uuid4()))
        data = _encode(message)
        targets = [s for s in self._sources if agent is None or s.agent == agent]
        written: list[_Source] = []
        for source in targets:
            if self._write_or_close_stalled(source, data):
                written.append(source)
        if not written:
            if targets:
                log.warning("CTI command %s (%s) reached no source", message["id"], action)
            return 0
        results = await asyncio.gather(*(self._drain_with_timeout(s) for s in written))
        delivered = sum(results)
        self.stats.commands_sent += delivered
        return delivered

    def _write_or_close_stalled(self, source: _Source, data: bytes) -> bool:
        writer = source.writer
        if writer.is_closing():
            return False
        if writer.transport.get_write_buffer_size() + len(data) > self.max_pending_write_bytes:
            self.stats.stalled_sources_closed += 1
            self._limiter.log(
                "stalled",
                logging.WARNING,
                "CTI source %s (agent %s) is not reading; closing it",
                source.peer,
                source.agent,
            )
            writer.transport.abort()  # close() would wait forever to flush to a peer that never reads
            return False
        writer.write(data)
        return True

    async def _drain_with_timeout(self, source: _Source) -> bool:
        try:
            await asyncio.wait_for(source.writer.drain(), timeout=self.command_drain_timeout_s)
        except TimeoutError:
            self._limiter.log(
                "slow",
                logging.WARNING,
                "CTI source %s (agent %s) is slow to read commands",
                source.peer,
                source.agent,
            )
            return False
        except (ConnectionError, OSError):
            return False
        return True

    # -- one connection -----------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        source = _Source(writer, f"{peername[0]}:{peername[1]}" if peername else "?")
        source.task = asyncio.current_task()
        self.stats.connections += 1
        self._open.add(source)
        try:
            if len(self._open) > self.max_connections:
                self.stats.refused_connections += 1
                self._limiter.log(
                    "refused",
                    logging.WARNING,
                    "CTI: refusing %s, already %d connections",
                    source.peer,
                    self.max_connections,
                )
                await self._refuse(source, "too_many_connections", "too many CTI connections")
                return
            framer = LineFramer(self.max_line_bytes)
            pending = await self._hello(source, reader, framer)
            if pending is None:
                return
            self._sources.add(source)
            self.stats.active_sources = len(self._sources)
            log.info("CTI source %s connected for agent %s", source.peer, source.agent)
            await self._stream(source, reader, framer, pending)
        except asyncio.CancelledError:
            # only stop() cancels us; re-raising would make asyncio log the task as failed
            log.debug("CTI connection %s cancelled by stop()", source.peer)
        except (ConnectionError, OSError) as exc:
            log.debug("CTI source %s dropped: %s", source.peer, exc)
        except Exception:  # a bug here must cost one connection, never the desktop
            log.exception("CTI connection %s failed", source.peer)
        finally:
            self._sources.discard(source)
            self._open.discard(source)
            self.stats.active_sources = len(self._sources)
            writer.close()
            if source.agent:
                log.info("CTI source %s (agent %s) disconnected", source.peer, source.agent)

    async def _refuse(self, source: _Source, code: str, message: str) -> None:
        source.send({"type": "error", "code": code, "message": message})
        with contextlib.suppress(Exception):
            await asyncio.wait_for(source.writer.drain(), timeout=1.0)

    async def _hello(
        self, source: _Source, reader: asyncio.StreamReader, framer: LineFramer
    ) -> Sequence[bytes | object] | None:
        """Read and check the hello; returns lines that came after it in the same chunk, or None."""
        try:
            items = await asyncio.wait_for(self._first_items(reader, framer), timeout=self.hello_timeout_s)
        except TimeoutError:
            self.stats.rejected_hello += 1
            self.stats.hello_timeouts += 1
            self._limiter.log(
                "hello_timeout",
                logging.WARNING,
                "CTI source %s sent no hello within %.1f s",
                source.peer,
                self.hello_timeout_s,
            )
            await self._refuse(source, "hello_timeout", f"no hello within {self.hello_timeout_s:g} s")
            return None
        if not items:  # closed before a full line
            self.stats.rejected_hello += 1
            return None
        first, rest = items[0], items[1:]
        source.line_no = 1
        problem = self._check_hello(first)
        if problem is not None:
            code, message = problem
            self.stats.rejected_hello += 1
            self._limiter.log(
                "hello_" + code, logging.WARNING, "CTI source %s refused: %s", source.peer, message
            )
            await self._refuse(source, code, message)
            return None
        assert isinstance(first, bytes)
        source.agent = str(_loads(first.decode("utf-8"))["agent"])
        self.stats.hellos_ok += 1
        source.send({"type": "hello.ok", "server": "calldesk", "protocol": PROTOCOL_VERSION})
        await source.writer.drain()
        return rest

    async def _first_items(
        self, reader: asyncio.StreamReader, framer: LineFramer
    ) -> Sequence[bytes | object]:
        while True:
            data = await reader.read(_READ_CHUNK)
            if not data:
                return []
            items = [i for i in framer.feed(data) if i != b""]
            if items:
                return items

    def _check_hello(self, item: bytes | object) -> tuple[str, str] | None:
        """(code, message) of what is wrong with the hello line, or None if it is good."""
        if item is OVERSIZED:
            return "bad_hello", f"hello line is longer than {self.max_line_bytes} bytes"
        assert isinstance(item, bytes)
        try:
            obj = _loads(item.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return "bad_hello", "the first line must be a JSON hello object"
        if not isinstance(obj, dict) or obj.get("type") != "hello":
            return "hello_required", 'the first line must be {"type":"hello","token":...,"agent":...}'
        token = obj.get("token")
        if not isinstance(token, str) or not hmac.compare_digest(token.encode("utf-8"), self._token):
            return "bad_token", "wrong or missing token"
        agent = obj.get("agent")
        if not isinstance(agent, str) or not agent.strip() or len(agent) > 64:
            return "bad_hello", "hello needs 'agent': the agent id (1 to 64 characters)"
        return None

    async def _stream(
        self,
        source: _Source,
        reader: asyncio.StreamReader,
        framer: LineFramer,
        items: Sequence[bytes | object],
    ) -> None:
        while True:
            for item in items:
                self._handle_item(source, item)
            await source.writer.drain()  # backpressure on this source only
            data = await reader.read(_READ_CHUNK)
            if not data:
                if framer.pending_bytes:
                    log.debug(
                        "CTI source %s closed mid-line (%d bytes dropped)", source.peer, framer.pending_bytes
                    )
                return
            items = framer.feed(data)

    # -- one line -----------------------------------------------------------------------------
    def _handle_item(self, source: _Source, item: bytes | object) -> None:
        source.line_no += 1
        if item is OVERSIZED:
            self.stats.oversized_lines += 1
            self._reject(source, "line_too_long", f"line longer than {self.max_line_bytes} bytes, discarded")
            return
        assert isinstance(item, bytes)
        if not item or item.isspace():
            return
        try:
            text = item.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.stats.bad_utf8 += 1
            self._reject(source, "bad_encoding", f"line is not UTF-8 (byte {exc.start})")
            return
        try:
            obj = _loads(text)
        except (ValueError, RecursionError) as exc:
            self.stats.bad_json += 1
            self._reject(source, "bad_json", f"not valid JSON: {str(exc)[:120]}")
            return
        raw_type = obj.get("type") if isinstance(obj, dict) else None
        wire_type = raw_type if isinstance(raw_type, str) else None  # a list/dict "type" is unhashable
        if wire_type in EVENT_TYPES:
            self._handle_event(source, obj)
        elif wire_type == "ping":
            self.stats.pings += 1
            source.send({"type": "pong"})
        elif wire_type == "command.result":
            self._handle_command_result(source, obj)
        elif not isinstance(obj, dict):
            self.stats.invalid_event += 1
            self._reject(source, "invalid_event", "each line must be a JSON object")
        else:
            self.stats.unknown_type += 1
            shown = wire_type if wire_type is not None else repr(raw_type)[:64]
            self._reject(source, "unknown_type", f"unknown message type {shown[:64]!r}")

    def _handle_event(self, source: _Source, obj: dict[str, Any]) -> None:
        try:
            event = from_wire(obj)
        except EventDecodeError as exc:
            self.stats.invalid_event += 1
            self._reject(source, "invalid_event", str(exc)[:200])
            return
        except Exception as exc:  # from_wire is ours but the input is not: never let it escape
            self.stats.invalid_event += 1
            self._reject(source, "invalid_event", f"invalid event: {type(exc).__name__}")
            return
        self.stats.events += 1
        try:
            self.on_event(event, source.agent)
        except Exception:
            self.stats.callback_errors += 1
            self._limiter.log(
                "callback", logging.ERROR, "CTI event handler failed for %s", event.wire_type, exc_info=True
            )

    def _handle_command_result(self, source: _Source, obj: dict[str, Any]) -> None:
        command_id, ok, message = obj.get("id"), obj.get("ok"), obj.get("message", "")
        if not isinstance(command_id, str) or not isinstance(ok, bool) or not isinstance(message, str):
            self.stats.invalid_event += 1
            self._reject(
                source,
                "invalid_event",
                "command.result needs 'id' (string), 'ok' (true/false), optional 'message' (string)",
            )
            return
        self.stats.command_results += 1
        if not ok:
            log.info("CTI command %s failed at agent %s: %s", command_id, source.agent, message[:200])
        if self.on_command_result is None:
            return
        try:
            self.on_command_result(CommandResult(command_id, ok, message, source.agent, obj))
        except Exception:
            self.stats.callback_errors += 1
            self._limiter.log("callback", logging.ERROR, "CTI command-result handler failed", exc_info=True)

    def _reject(self, source: _Source, code: str, message: str) -> None:
        self._limiter.log(
            code,
            logging.WARNING,
            "CTI source %s (agent %s) line %d: %s",
            source.peer,
            source.agent,
            source.line_no,
            message,
        )
        source.send({"type": "error", "code": code, "message": message, "line": source.line_no})
