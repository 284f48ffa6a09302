"""FreeSWITCH event-socket (inbound) client: log in, subscribe, normalise events, send commands.

    client = EslClient(EslConfig("pbx1", 8021, password), on_event=forward, on_state=banner)
    task = asyncio.create_task(client.run())      # connect, re-connect with backoff, re-sync

Protocol (mod_event_socket.c): the switch greets with `auth/request`; we answer `auth <password>`
(`+OK accepted`, or `-ERR invalid` and a disconnect). `event plain ...` subscribes. Every command
gets exactly one reply, in order: `command/reply` (Reply-Text) or, for `api`, `api/response` with
the output as body; so replies are matched to commands first-in first-out. `bgapi` answers at once
with `+OK Job-UUID: <id>` (we choose the id with a `Job-UUID` header) and later a BACKGROUND_JOB
event carrying that id and the output.

Every normalised event passes through one `CallStateMachine`; only events that change it reach
`on_event`, so the re-sync after a reconnect (`callcenter_config queue list members`, `agent list`)
hands consumers nothing twice. `on_state("connected" | "disconnected", detail)` drives a banner.

The connection lifecycle is shared with the AMI client (desktop/cti/pbx_client.py). Call-control
commands, typed, are desktop/cti/esl_commands.py (EslCommands runs them through `api`, `bgapi`
and `originate_for`, the click-to-dial that also tracks the new call).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop.cti.esl import SUBSCRIBED_EVENTS, EslNormalizer
from desktop.cti.esl_parser import EslEvent, EslFrame, EslParser
from desktop.cti.events import CtiEvent
from desktop.cti.pbx_client import CONNECTED, PbxLink

log = logging.getLogger(__name__)

_READ_CHUNK = 65536


class EslError(Exception):
    """A command failed or the switch answered something unexpected."""


class EslAuthError(EslError):
    """The switch refused the password: retrying cannot help."""


class EslTimeout(EslError):
    """FreeSWITCH did not answer a command in time (it may still carry it out)."""


class EslConnectionError(EslError, ConnectionError):
    """The connection to the switch is down."""


@dataclass
class EslConfig:
    host: str
    port: int = 8021
    password: str = field(default="", repr=False)
    connect_timeout: float = 5.0
    command_timeout: float = 10.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    backoff_jitter: float = 0.25  # each delay is stretched by up to this fraction, at random
    dial_endpoint: str = "user/{agent}"  # how to ring an agent's phone for click-to-dial
    dial_context: str = "default"
    region: str = "CN"  # caller ids without a country code are numbers of this region (phone_region)


@dataclass(frozen=True, slots=True)
class EslReply:
    """A command's answer: `ok` unless the text starts with -ERR / -USAGE."""

    text: str

    @property
    def ok(self) -> bool:
        head = self.text.lstrip()
        return not (head.startswith("-ERR") or head.startswith("-USAGE"))


def parse_pipe_table(text: str) -> list[dict[str, str]]:
    """`callcenter_config ... list` output (a header row, rows, then +OK) -> dicts. Rows whose
    column count does not match the header are logged and skipped."""
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    if lines and lines[-1].strip() == "+OK":
        lines.pop()
    if not lines or lines[0].startswith("-ERR"):
        return []
    header = lines[0].split("|")
    rows: list[dict[str, str]] = []
    for line in lines[1:]:
        cells = line.split("|")
        if len(cells) != len(header):
            log.warning("ESL: skipped a list row with %d cells (header has %d)", len(cells), len(header))
            continue
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def quote_arg(value: str, *, spaces: bool = False) -> str:
    """An API argument that may not break the command line: a newline would end the command, a
    quote would end a quoted argument, and (unless `spaces`) a space would split one argument in two."""
    cleaned = value.replace("\n", " ").replace("\r", " ").strip()
    if (
        not cleaned
        or any(ch in cleaned for ch in "'\"")
        or len(cleaned) > 256
        or (not spaces and any(ch.isspace() for ch in cleaned))
    ):
        raise EslError(f"refusing an unsafe command argument {value[:40]!r}")
    return cleaned


_quote_arg = quote_arg


class EslClient(PbxLink[EslConfig, EslNormalizer]):
    link_name = "ESL"
    auth_error = EslAuthError
    connection_error = EslConnectionError
    retry_errors = (EslError, OSError, TimeoutError)
    endpoint = "FreeSWITCH's event socket"
    endpoint_hint = "check the host, port and event_socket.conf.xml (listen-ip, apply-inbound-acl)"
    lost_reason = "the connection to FreeSWITCH was lost"
    disconnected_detail = "FreeSWITCH disconnected; reconnecting"

    def __init__(
        self,
        config: EslConfig,
        on_event: Callable[[CtiEvent], None] | None = None,
        on_state: Callable[[str, str], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(config, EslNormalizer(region=config.region), on_event, on_state, rng)
        self.agent_legs: dict[str, str] = {}  # queue call (member session uuid) -> agent leg uuid
        self._replies: deque[asyncio.Future[EslFrame]] = deque()
        self._jobs: dict[str, asyncio.Future[str]] = {}
        self._greeting: asyncio.Future[None] | None = None

    # ---- connection life ------------------------------------------------------------------
    async def connect(self) -> None:
        """Connect, authenticate (EslAuthError if refused), subscribe, re-sync."""
        reader = await self._open()
        loop = asyncio.get_running_loop()
        self._greeting = loop.create_future()
        self._reader_task = loop.create_task(self._read_loop(reader))
        try:
            await asyncio.wait_for(asyncio.shield(self._greeting), self.config.connect_timeout)
            reply = await self._command(f"auth {self.config.password}")
            if not reply.ok:
                raise EslAuthError(
                    f"FreeSWITCH refused the event-socket password ({reply.text.strip()}); "
                    "check the password in event_socket.conf.xml"
                )
            reply = await self._command(f"event plain {SUBSCRIBED_EVENTS}")
            if not reply.ok:
                raise EslError(f"event subscription refused: {reply.text.strip()}")
        except TimeoutError as exc:
            await self._drop_connection()
            raise EslConnectionError(f"{self.config.host}:{self.config.port} did not greet as ESL") from exc
        except BaseException:
            await self._drop_connection()
            raise
        self.connected = True
        self._notify(CONNECTED, f"FreeSWITCH at {self.config.host}:{self.config.port}")
        await self.resync()

    async def _goodbye(self) -> None:
        await self._command("exit")

    # ---- reading ----------------------------------------------------------------------------
    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        parser = EslParser()
        while True:
            try:
                data = await reader.read(_READ_CHUNK)
            except (ConnectionError, OSError) as exc:
                log.warning("ESL: connection lost: %s", exc)
                return
            if not data:
                log.info("ESL: FreeSWITCH closed the connection")
                return
            for frame in parser.feed(data):
                try:
                    self._dispatch(frame)
                except Exception:  # one bad frame must not stop the stream
                    log.exception("ESL: could not handle a %s frame", frame.content_type)

    def _dispatch(self, frame: EslFrame) -> None:
        kind = frame.content_type
        if kind == "auth/request":
            if self._greeting is not None and not self._greeting.done():
                self._greeting.set_result(None)
        elif kind in ("command/reply", "api/response"):
            # FreeSWITCH answers strictly in order: this reply is the oldest command's, even when
            # that command already timed out (then the late reply is dropped, not handed on to
            # the next command, which would get an answer to a question it never asked).
            if not self._replies:
                log.warning("ESL: a %s nobody asked for: %r", kind, frame.reply_text or frame.body[:80])
            else:
                future = self._replies.popleft()
                if future.done():
                    log.info("ESL: dropped the late reply to a command that timed out")
                else:
                    future.set_result(frame)
        elif kind == "text/event-plain" and frame.event is not None:
            self._on_esl_event(frame.event)
        elif kind == "text/disconnect-notice":
            log.info("ESL: disconnect notice: %s", frame.body_text().strip()[:200])
        else:
            log.debug("ESL: ignored frame %r", kind)

    def _on_esl_event(self, event: EslEvent) -> None:
        if event.name == "BACKGROUND_JOB":
            future = self._jobs.pop(event.get("Job-UUID"), None)
            if future is not None and not future.done():
                future.set_result(event.body)
            return
        self._track_agent_leg(event)
        for cti_event in self.normalizer.feed(event):
            self._deliver(cti_event)

    def _track_agent_leg(self, event: EslEvent) -> None:
        """mod_callcenter names the agent's leg in agent-offering / bridge-agent-start: commands
        that act on the agent's side (answer, attended transfer) need it."""
        if event.name == "CHANNEL_HANGUP_COMPLETE":
            self.agent_legs.pop(event.get("Unique-ID"), None)
            return
        member, leg = event.get("CC-Member-Session-UUID"), event.get("CC-Agent-UUID")
        if not member:
            return
        if event.get("CC-Action") in ("agent-offering", "bridge-agent-start") and leg:
            self.agent_legs[member] = leg
        elif event.get("CC-Action") == "member-queue-end":
            self.agent_legs.pop(member, None)

    def _fail_pending(self, reason: str) -> None:
        error = EslConnectionError(reason)
        while self._replies:
            future = self._replies.popleft()
            if not future.done():
                future.set_exception(error)
        for job in self._jobs.values():
            if not job.done():
                job.set_exception(error)
        self._jobs.clear()
        if self._greeting is not None and not self._greeting.done():
            self._greeting.set_exception(error)
            self._greeting.exception()  # retrieved: nobody may be waiting any more

    # ---- commands -----------------------------------------------------------------------
    async def _command(self, line: str, headers: dict[str, str] | None = None) -> EslReply:
        if self._writer is None or self._writer.is_closing():
            raise EslConnectionError("not connected to FreeSWITCH")
        if "\n" in line or "\r" in line:
            raise EslError("a command line may not contain a line break")
        future: asyncio.Future[EslFrame] = asyncio.get_running_loop().create_future()
        self._replies.append(future)
        extra = "".join(f"{k}: {v}\n" for k, v in (headers or {}).items())
        self._writer.write(f"{line}\n{extra}\n".encode())
        try:
            frame = await asyncio.wait_for(future, self.config.command_timeout)
        except TimeoutError as exc:
            raise EslTimeout(
                f"no answer to {line.split(' ', 1)[0]!r} within {self.config.command_timeout} s"
            ) from exc
        if frame.content_type == "api/response":
            return EslReply(frame.body_text())
        return EslReply(frame.reply_text)

    async def api(self, command: str) -> EslReply:
        """Run an API command and wait for its output."""
        return await self._command(f"api {command}")

    async def bgapi(self, command: str, timeout: float | None = None) -> EslReply:
        """Run an API command in the background; returns the BACKGROUND_JOB output."""
        job_id = str(uuid.uuid4())
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._jobs[job_id] = future
        try:
            accepted = await self._command(f"bgapi {command}", {"Job-UUID": job_id})
            if not accepted.ok:
                return accepted
            return EslReply(await asyncio.wait_for(future, timeout or self.config.command_timeout * 6))
        except TimeoutError as exc:
            raise EslTimeout(f"background job {command.split(' ', 1)[0]!r} did not finish in time") from exc
        finally:
            self._jobs.pop(job_id, None)

    async def resync(self) -> list[CtiEvent]:
        """Ask mod_callcenter for every queue's members and every agent's status; deliver what changed.
        Calls we thought were waiting but the switch no longer lists get a queue.leave (resync)."""
        now = time.time()
        events: list[CtiEvent] = []
        queues = await self.api("callcenter_config queue list")
        if not queues.ok:
            log.info("ESL: no mod_callcenter here (%s); nothing to re-sync", queues.text.strip()[:80])
            return []
        for queue_row in parse_pipe_table(queues.text):
            name = queue_row.get("name", "")
            if not name:
                continue
            try:
                safe_name = _quote_arg(name)
            except EslError:  # one odd queue name must not stop the re-sync (and the connection)
                log.warning(
                    "ESL: skipped re-syncing queue %r: its name cannot be sent as an argument", name[:60]
                )
                continue
            members = await self.api(f"callcenter_config queue list members {safe_name}")
            present: set[str] = set()
            for row in parse_pipe_table(members.text):
                present.add(row.get("session_uuid", ""))
                events.extend(self.normalizer.member_snapshot(row, now))
            events.extend(self.state.stale_waiting(name, present, now))
        agents = await self.api("callcenter_config agent list")
        for row in parse_pipe_table(agents.text):
            if row.get("name"):
                events.extend(
                    self.normalizer.agent_snapshot(
                        row["name"], row.get("status", ""), row.get("state", ""), now
                    )
                )
        return [event for event in events if self._deliver(event)]

    async def originate_for(self, agent: str, number: str) -> tuple[EslReply, str]:
        """Click-to-dial; also returns the new call's id (its origination_uuid, the agent's leg)."""
        endpoint = self.config.dial_endpoint.format(agent=_quote_arg(agent))
        caller = "".join(ch for ch in number if ch.isdigit() or ch in "+*#")
        if not caller:
            raise EslError(f"not a number to dial: {number[:40]!r}")
        call_id = str(uuid.uuid4())
        self.normalizer.track_outbound(call_id, agent, caller)
        vars_ = f"{{origination_uuid={call_id},ignore_early_media=true}}"
        try:
            reply = await self.bgapi(
                f"originate {vars_}{endpoint} {caller} XML {_quote_arg(self.config.dial_context)}"
            )
        except EslError:
            self.normalizer.forget_outbound(call_id)
            raise
        if not reply.ok:
            self.normalizer.forget_outbound(call_id)
        return reply, call_id
