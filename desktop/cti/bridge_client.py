"""The desktop's side of the CTI bridge: connects OUT to `calldesk cti bridge` (TLS by default,
with a CA bundle), says hello with the central API access token, and hands the events to the same
callback shape as desktop/cti/listener.py (`on_event(event, agent)`), so the desks layer can take
its calls from either source.

What this guarantees the desktop, whatever the bridge or the network does:
- a call pops at most once: a `call.ringing` for a call already shown is dropped, also after a
  reconnect (the bridge's snapshot is merged, not replayed);
- nothing happens for calls that never rang here: `call.answered` / `call.ended` / ... for an
  unknown call are ignored and counted (no wrap-up without a ring);
- after a reconnect the snapshot is the truth: calls the bridge no longer has end
  (`reason: pbx_link_lost`), calls it has that the desktop lost come back;
- a flood is bounded: at most `max_events_per_s` events reach the callback, at most
  `max_open_calls` calls are tracked; the rest are dropped and counted (memory stays flat);
- a supervisor's floor feed (`batch` lines: every agent's calls and state, every queue event,
  coalesced by the bridge) has its own bound, `max_feed_events_per_s`, sized for a whole floor;
  events about this desktop's own agent are skipped there (they came on their own lines);
- status via `on_status(status, detail)`: connecting, connected, disconnected (retrying with
  backoff), relogin_needed (the token is expired or refused: call `set_token` after a new login),
  replaced (the same agent connected elsewhere), stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from calldesk_domain.backoff import backoff_delay
from desktop.cti.events import CallEventKind, CtiEvent, EventDecodeError, from_wire
from desktop.cti.framing import OVERSIZED, LineFramer
from desktop.cti.listener import CommandResult

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
CONNECTING, CONNECTED, DISCONNECTED, RELOGIN_NEEDED, REPLACED, STOPPED = (
    "connecting",
    "connected",
    "disconnected",
    "relogin_needed",
    "replaced",
    "stopped",
)
RELOGIN_CODES = frozenset({"token_expired", "bad_token", "forbidden"})


@dataclass(slots=True)
class BridgeClientConfig:
    host: str
    port: int
    tls: bool = True
    ca_file: str | None = None  # None: the system's trust store
    server_hostname: str | None = None  # defaults to host
    source_host: str | None = None  # the local address to connect from (multi-homed PCs)
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    backoff_jitter: float = 0.25
    hello_timeout_s: float = 10.0
    max_events_per_s: float = 500.0
    max_feed_events_per_s: float = 5000.0  # a supervisor's batched floor feed (~700 calls/s)
    max_batch_events: int = 2000
    max_open_calls: int = 64
    max_watched_calls: int = 4096  # a supervisor also follows the calls of the agents it watches
    max_line_bytes: int = 1 << 20  # a snapshot with many calls is one line

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port} ({'TLS' if self.tls else 'plain TCP'})"


@dataclass(slots=True)
class BridgeClientStats:
    connects: int = 0
    events: int = 0  # handed to on_event
    never_rung: int = 0  # call events for calls that never rang here: ignored
    duplicate_rings: int = 0
    flood_dropped: int = 0
    batches: int = 0  # supervisors' floor-feed lines
    feed_events: int = 0  # events those lines carried
    feed_own_skipped: int = 0  # about this desktop's own agent: already delivered on their own line
    bad_lines: int = 0
    snapshots: int = 0
    command_results: int = 0
    tokens_sent: int = 0  # refreshed tokens pushed down a live session
    tokens_renewed: int = 0
    tokens_refused: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BridgeClient:
    def __init__(
        self,
        config: BridgeClientConfig,
        token: str,
        on_event: Callable[[CtiEvent, str], None],
        *,
        on_status: Callable[[str, str], None] | None = None,
        on_command_result: Callable[[CommandResult], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.backoff_initial = config.backoff_initial
        self.backoff_max = config.backoff_max
        self.backoff_jitter = config.backoff_jitter
        self._token = token
        self.on_event = on_event
        self.on_status = on_status
        self.on_command_result = on_command_result
        self.stats = BridgeClientStats()
        self.status = STOPPED
        self.detail = ""
        self.agent = ""
        self.role = ""
        self.interface = ""
        self.expires_at = 0.0  # the bridge's idea of when this session's token runs out
        self.token_refusal = ""  # the last `token.refused` ("code: message"), "" after a renewal
        self.calls: dict[str, str] = {}  # call id -> state: ringing, answered, held
        self._rng = rng or random.Random()
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._budget = _Bucket(config.max_events_per_s)
        self._feed_budget = _Bucket(config.max_feed_events_per_s)

    # ---- control --------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.status == CONNECTED

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._writer is not None:
            self._writer.transport.abort()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        self._set_status(STOPPED, "")

    def set_token(self, token: str) -> None:
        """A new access token (a refresh or a re-login). On a live session it is pushed to the
        bridge (`token` line, answered by `token.ok` / `token.refused`) so the session outlives
        the old token; otherwise the next hello uses it."""
        if token == self._token:
            return
        self._token = token
        if self._writer is not None and self.connected:
            self._writer.write(_encode({"type": "token", "token": token}))
            self.stats.tokens_sent += 1
            return
        self._wake.set()
        if self._task is None or self._task.done():
            self.start()

    async def send_command(self, command: dict[str, Any], agent: str | None = None) -> int:
        """Send one command line to the bridge; 1 if written, 0 when not connected."""
        if self._writer is None or not self.connected:
            return 0
        self._writer.write(_encode({"type": "command", **command}))
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.drain()
        return 1

    # ---- the connection loop --------------------------------------------------------------
    def _set_status(self, status: str, detail: str) -> None:
        if (status, detail) == (self.status, self.detail):
            return
        self.status, self.detail = status, detail
        if status in (CONNECTED, RELOGIN_NEEDED, REPLACED):
            log.info("CTI bridge %s: %s %s", self.config.label, status, detail)
        if self.on_status is not None:
            try:
                self.on_status(status, detail)
            except Exception:
                log.exception("CTI bridge: status callback failed")

    def _ssl(self) -> ssl.SSLContext | None:
        if not self.config.tls:
            return None
        return ssl.create_default_context(cafile=self.config.ca_file)

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            self._set_status(CONNECTING, self.config.label)
            try:
                await self._session()
                detail = "the bridge closed the connection"
            except _Refused as exc:
                if exc.code in RELOGIN_CODES:
                    self._set_status(RELOGIN_NEEDED, exc.message)
                    await self._wait_for_token()
                    attempt = 0
                    continue
                if exc.code == "replaced":
                    self._set_status(REPLACED, exc.message)
                    return
                detail = exc.message
            except (OSError, TimeoutError, ConnectionError, ssl.SSLError) as exc:
                detail = f"cannot reach the CTI bridge at {self.config.label}: {exc or type(exc).__name__}"
            if self._stopping:
                break
            if self.status == CONNECTED:
                attempt = 0
            wait = backoff_delay(attempt, self, self._rng)
            attempt += 1
            self._set_status(DISCONNECTED, f"{detail}; retrying in {wait:.0f} s")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _wait_for_token(self) -> None:
        token = self._token
        while not self._stopping and self._token == token:
            self._wake.clear()
            await self._wake.wait()

    async def _session(self) -> None:
        context = self._ssl()
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                self.config.host,
                self.config.port,
                ssl=context,
                server_hostname=(self.config.server_hostname or self.config.host) if context else None,
                limit=self.config.max_line_bytes,
                local_addr=(self.config.source_host, 0) if self.config.source_host else None,
            ),
            self.config.hello_timeout_s,
        )
        framer = LineFramer(self.config.max_line_bytes)
        try:
            hello = {"type": "hello", "protocol": PROTOCOL_VERSION, "token": self._token, "feed": "batch"}
            writer.write(_encode(hello))
            await writer.drain()
            leftover = await asyncio.wait_for(self._welcome(reader, framer), self.config.hello_timeout_s)
            self._writer = writer
            self.stats.connects += 1
            self._set_status(CONNECTED, f"{self.agent} via {self.config.label}")
            for item in leftover:
                self._handle(item)
            while not self._stopping:
                data = await reader.read(65_536)
                if not data:
                    return
                for item in framer.feed(data):
                    self._handle(item)
        finally:
            self._writer = None
            writer.transport.abort()

    async def _welcome(self, reader: asyncio.StreamReader, framer: LineFramer) -> list[bytes | object]:
        while True:
            data = await reader.read(65_536)
            if not data:
                raise ConnectionError("the bridge closed the connection during the hello")
            items: list[bytes | object] = list(framer.feed(data))
            for index, item in enumerate(items):
                message = _decode(item)
                if message is None:
                    continue
                if message.get("type") == "welcome":
                    self.agent = str(message.get("agent") or "")
                    self.role = str(message.get("role") or "")
                    self.interface = str(message.get("interface") or "")
                    self.expires_at = _number(message.get("expires_at"))
                    return items[index + 1 :]
                if message.get("type") == "error":
                    raise _Refused(str(message.get("code") or "error"), str(message.get("message") or ""))

    # ---- incoming lines -------------------------------------------------------------------
    def _handle(self, item: bytes | object) -> None:
        message = _decode(item)
        if message is None:
            if item is OVERSIZED or (isinstance(item, bytes) and item.strip()):
                self.stats.bad_lines += 1
            return
        kind = message.get("type")
        if kind == "snapshot":
            self._snapshot(message)
        elif kind == "command.result":
            self._command_result(message)
        elif kind in ("token.ok", "token.refused"):
            self._token_answer(message)
        elif kind == "error":
            code = str(message.get("code") or "")
            if code == "replaced" or code in RELOGIN_CODES:  # token_expired: the bridge closes
                raise _Refused(code, str(message.get("message") or code))
            log.warning("CTI bridge: error line %s: %s", message.get("code"), message.get("message"))
        elif kind == "pong":
            return
        elif kind == "batch":
            self._batch(message)
        elif isinstance(kind, str) and "." in kind:
            self._event(message)
        else:
            self.stats.bad_lines += 1

    def _call_limit(self) -> int:
        if self.role in ("supervisor", "admin"):
            return max(self.config.max_open_calls, self.config.max_watched_calls)
        return self.config.max_open_calls

    def _batch(self, message: dict[str, Any]) -> None:
        events = message.get("events")
        if not isinstance(events, list):
            self.stats.bad_lines += 1
            return
        self.stats.batches += 1
        limit = self.config.max_batch_events
        if len(events) > limit:
            self.stats.flood_dropped += len(events) - limit
        for raw in events[:limit]:
            kind = raw.get("type") if isinstance(raw, dict) else None
            if not isinstance(kind, str) or kind == "batch":
                self.stats.bad_lines += 1
                continue
            if kind.startswith(("call.", "agent.")) and self.agent and raw.get("agent") == self.agent:
                self.stats.feed_own_skipped += 1
                continue
            self.stats.feed_events += 1
            self._event(raw, self._feed_budget)

    def _event(self, message: dict[str, Any], budget: _Bucket | None = None) -> None:
        budget = budget or self._budget
        try:
            event = from_wire(message)
        except EventDecodeError:
            self.stats.bad_lines += 1
            return
        call_id = getattr(event, "call_id", None) if event.family == "call" else None
        if event.family == "call" and call_id is not None:
            kind = event.kind
            if kind is CallEventKind.RINGING:
                if call_id in self.calls:
                    self.stats.duplicate_rings += 1
                    return
                if len(self.calls) >= self._call_limit() or not budget.take():
                    self.stats.flood_dropped += 1
                    return
                self.calls[call_id] = "ringing"
            elif call_id not in self.calls:
                self.stats.never_rung += 1
                return
            elif kind is CallEventKind.ENDED:
                del self.calls[call_id]  # always delivered: a rung call must end
            else:
                self.calls[call_id] = {"answered": "answered", "held": "held", "unheld": "answered"}.get(
                    kind.value, self.calls[call_id]
                )
        elif not budget.take():
            self.stats.flood_dropped += 1
            return
        self._deliver(event)

    def _deliver(self, event: CtiEvent) -> None:
        self.stats.events += 1
        try:
            self.on_event(event, self.agent)
        except Exception:
            log.exception("CTI bridge: event consumer failed on %s", event.wire_type)

    def _snapshot(self, message: dict[str, Any]) -> None:
        """Merge the bridge's view: restore calls this desktop lost, end the ones the PBX dropped."""
        self.stats.snapshots += 1
        raw_calls = message.get("calls")
        calls: list[Any] = raw_calls if isinstance(raw_calls, list) else []
        raw_ts = message.get("ts")
        ts = (
            float(raw_ts) if isinstance(raw_ts, int | float) and not isinstance(raw_ts, bool) else time.time()
        )
        present: set[str] = set()
        for raw in calls[: self.config.max_open_calls]:
            if not isinstance(raw, dict) or not isinstance(raw.get("call_id"), str):
                continue
            call_id = raw["call_id"]
            present.add(call_id)
            state = raw.get("state") if raw.get("state") in ("ringing", "answered", "held") else "ringing"
            if call_id not in self.calls:
                extra = {**(raw.get("extra") or {}), "snapshot": True}
                self._restore(raw, "call.ringing", extra, ts)
                if state in ("answered", "held"):
                    self._restore(raw, "call.answered", extra, ts)
                if state == "held":
                    self._restore(raw, "call.held", extra, ts)
        for call_id in [c for c in self.calls if c not in present]:
            ended = {
                "type": "call.ended",
                "call_id": call_id,
                "ts": ts,
                "reason": "pbx_link_lost",
                "agent": self.agent,
            }
            ended["extra"] = {"resync": True}
            self._event(ended)
        for key in ("pbx", "agent_state"):
            part = message.get(key)
            if isinstance(part, dict):
                wire = dict(part)
                if key == "agent_state":
                    wire["type"] = "agent.pause" if "paused" in wire else "agent.state"
                    wire["extra"] = {"snapshot": True}
                    if wire["type"] == "agent.pause":
                        wire.setdefault("reason", "")
                self._event(wire)

    def _restore(self, raw: dict[str, Any], wire_type: str, extra: dict[str, Any], ts: float) -> None:
        wire = {k: v for k, v in raw.items() if k not in ("state", "type", "reason", "target")}
        wire.update(type=wire_type, extra=extra)
        wire.setdefault("ts", ts)
        self._event(wire)

    def _token_answer(self, message: dict[str, Any]) -> None:
        if message.get("type") == "token.ok":
            self.stats.tokens_renewed += 1
            self.expires_at = _number(message.get("expires_at")) or self.expires_at
            self.token_refusal = ""
            return
        self.stats.tokens_refused += 1
        refusal = f"{str(message.get('code'))[:40]}: {str(message.get('message'))[:200]}"
        if refusal != self.token_refusal:  # once per reason, not per refresh
            log.warning("CTI bridge %s refused the refreshed token (%s)", self.config.label, refusal)
        self.token_refusal = refusal

    def _command_result(self, message: dict[str, Any]) -> None:
        command_id, ok = message.get("id"), message.get("ok")
        if not isinstance(command_id, str) or not isinstance(ok, bool):
            self.stats.bad_lines += 1
            return
        self.stats.command_results += 1
        if self.on_command_result is not None:
            text = message.get("message")
            result = CommandResult(command_id, ok, text if isinstance(text, str) else "", self.agent, message)
            try:
                self.on_command_result(result)
            except Exception:
                log.exception("CTI bridge: command-result consumer failed")


class _Bucket:
    """At most `rate` a second, with a burst of one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.level = rate
        self.ts = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.level = min(self.rate, self.level + (now - self.ts) * self.rate)
        self.ts = now
        if self.level < 1.0:
            return False
        self.level -= 1.0
        return True


def _encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _decode(item: bytes | object) -> dict[str, Any] | None:
    if item is OVERSIZED or not isinstance(item, bytes) or not item.strip():
        return None
    try:
        message = json.loads(item.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) else None
