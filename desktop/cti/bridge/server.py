"""The bridge's desktop-facing server: desktops connect OUT to it (TLS, or plain TCP on loopback /
with --insecure-plaintext), say hello with their central API access token, and receive the PBX
events that concern them. One PBX login (the adapter) feeds every connection.

Session (docs/cti-bridge.md):
  desktop -> {"type":"hello","protocol":1,"token":"<access token>"}        (within 5 s)
  bridge  -> {"type":"welcome","agent":"1001","role":"agent",...}  then {"type":"snapshot",...}
          or {"type":"error","code":"token_expired"|"bad_token"|...,"message":...} and close
  bridge  -> events (docs/cti-protocol.md shapes), command.result, pong, error lines
  desktop -> {"type":"command",...}, {"type":"ping"}, blank lines
  desktop -> {"type":"token","token":...} (a refreshed access token; renewal.py)

Nothing a desktop sends can stop the bridge: bad lines are answered with an error, counted and
logged (rate-limited); a desktop that stops reading is dropped once its write buffer passes the cap
and counted, and nobody else waits for it (writes never await).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from dataclasses import asdict, dataclass
from typing import Any

from desktop.cti.bridge import renewal
from desktop.cti.bridge.adapters import PbxAdapter
from desktop.cti.bridge.authorize import authorise
from desktop.cti.bridge.fanout import Outbox, SupervisorFeed, encode
from desktop.cti.bridge.identity import CentralIdentities, HelloRefused, Identity
from desktop.cti.bridge.router import Router
from desktop.cti.events import CtiEvent, PbxEvent
from desktop.cti.framing import OVERSIZED, LineFramer
from desktop.cti.listener import _LogLimiter

log = logging.getLogger("desktop.cti.bridge")

PROTOCOL_VERSION = 1
OWN = ("call.", "agent.")  # a supervisor's own calls and state: on its own lines, never from the floor


@dataclass(slots=True)
class BridgeLimits:
    hello_timeout_s: float = 5.0
    max_line_bytes: int = 65_536
    max_connections: int = 20_000
    max_pending_hellos_per_ip: int = 32  # connections from one address that have not said hello
    max_sessions_per_agent: int = 4  # beyond: the oldest session of that agent is closed
    max_write_buffer: int = 1 << 20  # unread bytes queued for one desktop before it is dropped
    commands_per_s: float = 20.0
    command_timeout_s: float = 10.0
    summary_every_s: float = 60.0
    token_grace_s: float = 30.0  # a session whose token expired this long ago (not renewed) is closed
    expiry_check_s: float = 5.0
    supervisor_batch_s: float = 0.01  # supervisors' coalesced feed: at most one batch line per tick


@dataclass(slots=True)
class BridgeStats:
    connections: int = 0
    sessions: int = 0  # right now, past a good hello
    hellos_ok: int = 0
    refused: int = 0  # every refused hello or connection, whatever the reason
    refused_hello_timeout: int = 0
    refused_slots: int = 0  # too many pending hellos from one address, or too many connections
    refused_token: int = 0
    refused_central: int = 0
    bad_lines: int = 0  # bad JSON / encoding / unknown type from desktops
    oversized_lines: int = 0
    slow_dropped: int = 0  # desktops dropped because they stopped reading
    evicted: int = 0  # older sessions of an agent closed for a newer one
    events_in: int = 0
    events_out: int = 0
    commands: int = 0
    commands_refused: int = 0
    commands_rate_limited: int = 0
    tokens_renewed: int = 0  # `token` lines accepted on live sessions
    tokens_refused: int = 0
    expired_closed: int = 0  # sessions closed because their token ran out

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_line(item: bytes) -> Any:
    return json.loads(item.decode("utf-8"), parse_constant=_reject_constant)


class Session:
    """One desktop connection past its hello."""

    def __init__(
        self, server: BridgeServer, writer: asyncio.StreamWriter, peer: str, identity: Identity
    ) -> None:
        self.server = server
        self.writer = writer
        self.peer = peer
        self.identity = identity
        self.closed = False
        self.sent = 0
        self.opened = time.monotonic()
        self._tokens = server.limits.commands_per_s
        self._tokens_ts = time.monotonic()
        self.renewing = False  # a `token` line is being checked
        self.token_refusals_logged: set[str] = set()
        self.batch_feed = False  # the hello said `"feed": "batch"`: a supervisor's floor comes batched

    def send(self, message: dict[str, Any]) -> None:
        """A line that leaves now (after whatever this tick already queued for this desktop)."""
        self.write_now(encode(message), 1)

    def queue_bytes(self, data: bytes) -> None:
        """An event line: it leaves with the others of this loop iteration, in one write."""
        if not self.closed:
            self.server.outbox.put(self, data)

    def write_now(self, data: bytes, lines: int) -> None:
        self.server.outbox.take(self)  # keep the order: lines queued earlier go first
        if self.closed:
            return
        transport = self.writer.transport
        if transport.is_closing():
            self.closed = True
            return
        transport.write(data)
        self.sent += lines
        if transport.get_write_buffer_size() > self.server.limits.max_write_buffer:
            self.server.stats.slow_dropped += 1
            self.server.log_limited.log(
                "slow",
                logging.WARNING,
                "bridge: dropped %s at %s: it stopped reading (%d bytes unsent)",
                self.identity.agent_id,
                self.peer,
                transport.get_write_buffer_size(),
            )
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.transport.abort()

    def take_command_token(self) -> bool:
        now = time.monotonic()
        rate = self.server.limits.commands_per_s
        self._tokens = min(rate, self._tokens + (now - self._tokens_ts) * rate)
        self._tokens_ts = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class BridgeServer:
    def __init__(
        self,
        pbx: PbxAdapter,
        identities: CentralIdentities,
        *,
        limits: BridgeLimits | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.pbx = pbx
        self.identities = identities
        self.limits = limits or BridgeLimits()
        self.ssl_context = ssl_context
        self.router = Router()
        self.stats = BridgeStats()
        self.log_limited = _LogLimiter(burst=3, window_s=60.0)
        self._server: asyncio.Server | None = None
        self._pending_by_ip: dict[str, int] = {}
        self._open = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._by_agent: dict[str, list[Session]] = {}
        self.outbox = Outbox()
        self.supervisor_feed = SupervisorFeed(self._supervisor_sessions, self.limits.supervisor_batch_s)
        pbx.on_event = self.on_pbx_event
        pbx.set_agent_interfaces(self.router.is_agent_interface)

    # ---- life -----------------------------------------------------------------------------
    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(
            self._accept, host, port, ssl=self.ssl_context, limit=self.limits.max_line_bytes, backlog=1024
        )
        scheme = "TLS" if self.ssl_context else "plain TCP"
        log.info("bridge: listening on %s:%d (%s)", host, self.port, scheme)
        self._spawn(self._summary_loop())
        self._spawn(self._expiry_loop())

    @property
    def port(self) -> int:
        assert isinstance(self._server, asyncio.Server)
        return int(self._server.sockets[0].getsockname()[1])

    async def run(self, host: str, port: int) -> None:
        await self.start(host, port)
        try:
            await self.pbx.run()
        finally:
            await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.supervisor_feed.close()
        for sessions in list(self._by_agent.values()):
            for session in list(sessions):
                session.close()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.pbx.close()
        await self.identities.close()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _summary_loop(self) -> None:
        last = self.stats.as_dict()
        while True:
            await asyncio.sleep(self.limits.summary_every_s)
            now = self.stats.as_dict()
            log.info(
                "bridge: last %.0f s: %d events in, %d lines out, %d desktops, %d refused, %d slow dropped, "
                "%d never-rung ignored, %d commands (%d refused)",
                self.limits.summary_every_s,
                now["events_in"] - last["events_in"],
                now["events_out"] - last["events_out"],
                self.stats.sessions,
                now["refused"] - last["refused"],
                now["slow_dropped"] - last["slow_dropped"],
                self.router.legs.never_rung,
                now["commands"] - last["commands"],
                now["commands_refused"] - last["commands_refused"],
            )
            last = now

    async def _expiry_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.expiry_check_s)
            try:
                await renewal.close_expired(self, [s for group in self._by_agent.values() for s in group])
            except Exception:  # the sweep must go on whatever one round met
                log.exception("bridge: token expiry sweep failed")

    # ---- PBX side -------------------------------------------------------------------------
    def on_pbx_event(self, event: CtiEvent) -> None:
        self.stats.events_in += 1
        if isinstance(event, PbxEvent):
            log.info("bridge: PBX link %s: %s", event.kind.value, event.detail or event.pbx)
        direct, watched = self.router.route(event)
        encoded: dict[int, bytes] = {}  # a message shared by many desktops is encoded once
        for peer, message in direct:
            assert isinstance(peer, Session)
            data = encoded.get(id(message))
            if data is None:
                data = encoded[id(message)] = encode(message)
            peer.queue_bytes(data)
        self.stats.events_out += len(direct)
        if watched:
            for message in watched:
                self.supervisor_feed.add(message)
            self.stats.events_out += self.router.supervisor_count * len(watched)
            self._to_line_supervisors(watched, encoded)

    def _supervisor_sessions(self) -> list[Session]:
        return [s for s in self.router.supervisors() if isinstance(s, Session) and s.batch_feed]

    def _to_line_supervisors(self, watched: list[dict[str, Any]], encoded: dict[int, bytes]) -> None:
        """Desktops from before the batch feed (no `"feed": "batch"` in their hello) get the floor
        one line per event, as they always did, without what concerns their own agent (that came
        on its own lines)."""
        legacy = [s for s in self.router.supervisors() if isinstance(s, Session) and not s.batch_feed]
        for session in legacy:
            for message in watched:
                if message.get("agent") == session.identity.agent_id and message["type"][:6] in OWN:
                    continue
                data = encoded.get(id(message))
                if data is None:
                    data = encoded[id(message)] = encode(message)
                session.queue_bytes(data)

    # ---- connections ----------------------------------------------------------------------
    def _refuse_log(self, code: str, peer: str, message: str) -> None:
        self.stats.refused += 1
        self.log_limited.log(
            f"refused:{code}", logging.WARNING, "bridge: refused %s: %s (%s)", peer, message, code
        )

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        peername = writer.get_extra_info("peername")
        ip = str(peername[0]) if peername else "?"
        peer = f"{ip}:{peername[1]}" if peername else "?"
        if self._open >= self.limits.max_connections or (
            self._pending_by_ip.get(ip, 0) >= self.limits.max_pending_hellos_per_ip
        ):
            self.stats.refused_slots += 1
            self._refuse_log("too_many_connections", peer, "no free connection slot")
            with contextlib.suppress(Exception):
                writer.write(
                    encode({"type": "error", "code": "too_many_connections", "message": "no free slot"})
                )
            writer.transport.abort()
            return
        self._open += 1
        self._pending_by_ip[ip] = self._pending_by_ip.get(ip, 0) + 1
        session: Session | None = None
        framer = LineFramer(self.limits.max_line_bytes)
        try:
            try:
                items = await asyncio.wait_for(self._first_line(reader, framer), self.limits.hello_timeout_s)
            except TimeoutError:
                self.stats.refused_hello_timeout += 1
                await self._refuse(writer, peer, "hello_timeout", "no hello within the time limit")
                return
            finally:
                self._release_pending(ip)
            if not items:
                return
            hello = await self._hello(writer, peer, items[0])
            if hello is None:
                return
            identity, batch_feed = hello
            session = Session(self, writer, peer, identity)
            session.batch_feed = batch_feed
            self._welcome(session)
            for item in items[1:]:
                await self._handle(session, item)
            await self._read(session, reader, framer)
        except (ConnectionError, OSError, ssl.SSLError) as exc:
            log.debug("bridge: %s: connection error %s", peer, exc)
        finally:
            self._open -= 1
            if session is not None:
                self._forget(session)
            writer.transport.abort()

    def _release_pending(self, ip: str) -> None:
        left = self._pending_by_ip.get(ip, 1) - 1
        if left <= 0:
            self._pending_by_ip.pop(ip, None)
        else:
            self._pending_by_ip[ip] = left

    async def _first_line(self, reader: asyncio.StreamReader, framer: LineFramer) -> list[bytes | object]:
        while True:
            data = await reader.read(65_536)
            if not data:
                return []
            items: list[bytes | object] = [
                i for i in framer.feed(data) if i is OVERSIZED or (isinstance(i, bytes) and i.strip())
            ]
            if items:
                return items

    async def _refuse(self, writer: asyncio.StreamWriter, peer: str, code: str, message: str) -> None:
        self._refuse_log(code, peer, message)
        with contextlib.suppress(Exception):
            writer.write(encode({"type": "error", "code": code, "message": message}))
            await asyncio.wait_for(writer.drain(), 1.0)

    async def _hello(
        self, writer: asyncio.StreamWriter, peer: str, item: bytes | object
    ) -> tuple[Identity, bool] | None:
        """(who it is, whether it takes the supervisors' `batch` feed), or None when refused."""
        if item is OVERSIZED or not isinstance(item, bytes):
            await self._refuse(writer, peer, "bad_hello", "the first line is over the size limit")
            return None
        try:
            hello = decode_line(item)
        except (UnicodeDecodeError, ValueError, RecursionError):
            await self._refuse(writer, peer, "bad_hello", "the first line is not JSON")
            return None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            await self._refuse(writer, peer, "hello_required", 'the first line must be {"type":"hello",...}')
            return None
        token = hello.get("token")
        if not isinstance(token, str) or not token or len(token) > 4096:
            self.stats.refused_token += 1
            await self._refuse(writer, peer, "bad_token", "hello needs the central API access token")
            return None
        try:
            identity = await self.identities.identify(token)
        except HelloRefused as exc:
            if exc.code == "central_unavailable":
                self.stats.refused_central += 1
            else:
                self.stats.refused_token += 1
            await self._refuse(writer, peer, exc.code, exc.message)
            return None
        return identity, hello.get("feed") == "batch"

    def _welcome(self, session: Session) -> None:
        identity = session.identity
        sessions = self._by_agent.setdefault(identity.agent_id, [])
        while len(sessions) >= self.limits.max_sessions_per_agent:
            oldest = sessions.pop(0)
            self.stats.evicted += 1
            log.info(
                "bridge: closing an older session of %s at %s for a new one", identity.agent_id, oldest.peer
            )
            oldest.send(
                {"type": "error", "code": "replaced", "message": "a newer session of this agent took over"}
            )
            self.router.remove(oldest)
            oldest.close()
        sessions.append(session)
        self.router.add(session)
        self.stats.hellos_ok += 1
        self.stats.sessions += 1
        log.info(
            "bridge: %s (%s, %s) connected from %s",
            identity.agent_id,
            identity.role,
            identity.pbx_interface or "no interface",
            session.peer,
        )
        if not identity.pbx_interface and not identity.supervisor:
            log.warning(
                "bridge: user %s has no pbx_interface: no call can reach that desktop", identity.agent_id
            )
        welcome = {
            "type": "welcome",
            "agent": identity.agent_id,
            "role": identity.role,
            "protocol": PROTOCOL_VERSION,
            "server": "calldesk-bridge",
            "interface": identity.pbx_interface,
            "expires_at": identity.expires_at,
        }
        session.send(welcome)
        session.send(self.router.snapshot_for(session, time.time()))

    def _forget(self, session: Session) -> None:
        sessions = self._by_agent.get(session.identity.agent_id)
        if sessions is not None and session in sessions:
            sessions.remove(session)
            if not sessions:
                del self._by_agent[session.identity.agent_id]
            self.router.remove(session)
            self.stats.sessions -= 1
            log.info("bridge: %s at %s disconnected", session.identity.agent_id, session.peer)
        elif session in self.router.peers():
            self.router.remove(session)

    async def _read(self, session: Session, reader: asyncio.StreamReader, framer: LineFramer) -> None:
        while not session.closed:
            data = await reader.read(65_536)
            if not data:
                return
            for item in framer.feed(data):
                await self._handle(session, item)

    async def _handle(self, session: Session, item: bytes | object) -> None:
        if item is OVERSIZED:
            self.stats.oversized_lines += 1
            self._line_error(session, "line_too_long", "line over the size limit: discarded")
            return
        assert isinstance(item, bytes)
        if not item.strip():
            return
        try:
            message = decode_line(item)
        except UnicodeDecodeError:
            self._line_error(session, "bad_encoding", "the line is not UTF-8")
            return
        except (ValueError, RecursionError):
            self._line_error(session, "bad_json", "the line is not JSON")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            session.send({"type": "pong"})
        elif kind == "command":
            self._command(session, message)
        elif kind == "token":
            self._spawn(renewal.renew(self, session, message))
        else:
            self._line_error(session, "unknown_type", f"the bridge does not take {str(kind)[:40]!r} lines")

    def _line_error(self, session: Session, code: str, message: str) -> None:
        if code != "line_too_long":
            self.stats.bad_lines += 1
        self.log_limited.log(
            f"line:{code}",
            logging.WARNING,
            "bridge: %s at %s sent a bad line: %s",
            session.identity.agent_id,
            session.peer,
            message,
        )
        session.send({"type": "error", "code": code, "message": message})

    # ---- commands -------------------------------------------------------------------------
    def _command(self, session: Session, message: dict[str, Any]) -> None:
        command_id = message.get("id")
        if not isinstance(command_id, str) or not command_id or len(command_id) > 128:
            self._line_error(session, "invalid_event", "a command needs an id (string)")
            return
        self.stats.commands += 1
        if not session.take_command_token():
            self.stats.commands_rate_limited += 1
            session.send(
                {"type": "command.result", "id": command_id, "ok": False, "message": "too many commands"}
            )
            return
        decision = authorise(session.identity, message, self.router)
        if not decision.allowed:
            self.stats.commands_refused += 1
            log.info(
                "bridge: refused %s from %s: %s",
                message.get("action"),
                session.identity.agent_id,
                decision.message,
            )
            session.send(
                {"type": "command.result", "id": command_id, "ok": False, "message": decision.message}
            )
            return
        self._spawn(self._execute(session, command_id, decision.command))

    async def _execute(self, session: Session, command_id: str, command: dict[str, Any]) -> None:
        try:
            ok, text = await asyncio.wait_for(
                self.pbx.execute(command["action"], session.identity, command), self.limits.command_timeout_s
            )
        except TimeoutError:
            ok, text = False, "the PBX did not answer in time"
        except Exception as exc:  # the PBX refused or is down: the desktop must hear why
            ok, text = False, (str(exc) or type(exc).__name__)[:200]
        log.info(
            "bridge: %s %s by %s on %s -> %s %s",
            command["action"],
            command.get("call_id", ""),
            session.identity.agent_id,
            command.get("interface", ""),
            "ok" if ok else "refused",
            text,
        )
        session.send({"type": "command.result", "id": command_id, "ok": ok, "message": text})
