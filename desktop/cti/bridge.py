"""`calldesk cti bridge`: one PBX connection (AMI or ESL) fanned out to many desktops.

The bridge is a CTI *source* (docs/cti-protocol.md): it connects to each configured desktop's CTI
socket, sends `hello` with that desktop's token, then streams normalised events:

- call events go to the desktops of the agent the event is about (`agent` equal, or equal to the
  part before `@`: desktop "1001" gets FreeSWITCH's "1001@default");
- agent events go to that agent's desktops and to every supervisor desktop;
- queue events go to supervisor desktops.

Commands a desktop sends back (`{"type":"command",...}`) become PBX actions for that desktop's
agent, and the PBX's answer goes back as `command.result`. Both sides reconnect with exponential
backoff and jitter; a desktop that is down or slow never holds up the others (its events are
dropped and counted, not queued without bound).

Configuration: `--desktop HOST:PORT=AGENT[,...]`, `--supervisor HOST:PORT=NAME[,...]` and/or a TOML
file (`--config`). Tokens and PBX secrets come from environment variables or files, never from the
command line: see docs/cti-bridge.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import time
import tomllib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from desktop.cti.backoff import MAX_DOUBLINGS, backoff_delay
from desktop.cti.events import AgentEvent, CallEvent, CtiEvent, PbxEvent, PbxEventKind, QueueEvent, to_wire
from desktop.cti.framing import OVERSIZED, LineFramer

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_PENDING_LINES = 5000  # per desktop; beyond that the oldest events are dropped and counted


class BridgeConfigError(ValueError):
    """The bridge configuration is incomplete or wrong; the message says what to fix."""


@dataclass(frozen=True)
class DesktopTarget:
    host: str
    port: int
    agent: str  # the agent id for the hello (the supervisor's own id for a supervisor desktop)
    token: str = field(repr=False)
    supervisor: bool = False

    @property
    def label(self) -> str:
        role = "supervisor" if self.supervisor else "agent"
        return f"{role} {self.agent} at {self.host}:{self.port}"


class PbxAdapter(Protocol):
    """What the bridge needs from a PBX connector (ESL or AMI)."""

    on_event: Callable[[CtiEvent], None] | None

    async def run(self) -> None: ...

    async def close(self) -> None: ...

    async def execute(self, action: str, agent: str, command: dict[str, Any]) -> tuple[bool, str]: ...


# ---- PBX adapters ------------------------------------------------------------------------------
def pbx_link_event(state: str, detail: str) -> PbxEvent:
    """A connector's on_state("connected"|"disconnected", detail) as the event desktops receive."""
    kind = PbxEventKind.CONNECTED if state == "connected" else PbxEventKind.DISCONNECTED
    return PbxEvent(kind, ts=time.time(), detail=detail[:256])


class EslAdapter:
    """FreeSWITCH: commands map to uuid_kill / uuid_transfer / uuid_hold / originate / callcenter_config."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.on_event: Callable[[CtiEvent], None] | None = None
        client.on_event = self._forward
        client.on_state = self._link_state

    def _forward(self, event: CtiEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _link_state(self, state: str, detail: str) -> None:
        self._forward(pbx_link_event(state, detail))

    async def run(self) -> None:
        await self.client.run()

    async def close(self) -> None:
        await self.client.close()

    async def execute(self, action: str, agent: str, command: dict[str, Any]) -> tuple[bool, str]:
        call_id = str(command.get("call_id") or "")
        target = str(command.get("target") or "")
        if action in ("hangup", "hold", "unhold", "transfer") and not call_id:
            return False, f"{action} needs a call_id"
        if action == "hangup":
            reply = await self.client.hangup(call_id)
        elif action in ("hold", "unhold"):
            reply = await self.client.hold(call_id, on=action == "hold")
        elif action == "transfer":
            if not target:
                return False, "transfer needs a target"
            reply = await self.client.transfer(call_id, target)
        elif action == "dial":
            if not target:
                return False, "dial needs a target number"
            reply = await self.client.dial(agent, target)
        elif action in ("pause", "unpause"):
            reply = await self.client.pause(agent, action == "pause")
        elif action == "answer":
            return False, "answer on the phone: FreeSWITCH cannot take a SIP phone off-hook"
        else:
            return False, f"unsupported action {action!r}"
        return reply.ok, reply.text.strip()[:200]


class AmiAdapter:
    """Asterisk, through desktop.cti.ami.AmiClient (hangup, transfer, pause with reason, dial)."""

    def __init__(self, client: Any, dial_context: str = "default") -> None:
        self.client = client
        self.dial_context = dial_context
        self.on_event: Callable[[CtiEvent], None] | None = None
        client.on_event = self._forward
        client.on_state = self._link_state

    def _forward(self, event: CtiEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _link_state(self, state: str, detail: str) -> None:
        self._forward(pbx_link_event(state, detail))

    async def run(self) -> None:
        await self.client.run()

    async def close(self) -> None:
        await self.client.close()

    async def execute(self, action: str, agent: str, command: dict[str, Any]) -> tuple[bool, str]:
        call_id = str(command.get("call_id") or "")
        target = str(command.get("target") or "")
        if action == "hangup":
            response = await self.client.hangup(call_id)
        elif action == "transfer":
            response = await self.client.transfer(call_id, target)
        elif action in ("pause", "unpause"):
            reason = str(command.get("reason") or "")
            response = await self.client.pause(agent, action == "pause", reason)
        elif action == "dial":
            channel = self.client.normalizer.interface_of(agent) or agent
            response = await self.client.dial(channel, target, self.dial_context)
        elif action == "hold":
            response = await self.client.hold(call_id)
        elif action == "answer":
            response = await self.client.answer(call_id)
        else:
            return False, f"unsupported action {action!r}"
        message = response.get("Message", "") if hasattr(response, "get") else str(response)
        return True, message or "accepted"


# ---- one desktop -------------------------------------------------------------------------------
class DesktopLink:
    """The bridge's connection to one desktop's CTI socket: hello, events out, commands in."""

    def __init__(
        self,
        target: DesktopTarget,
        on_command: Callable[[DesktopLink, dict[str, Any]], None],
        *,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self.target = target
        self.on_command = on_command
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.backoff_jitter = 0.25
        self.connected = asyncio.Event()
        self.sent = 0
        self.dropped = 0
        self.reconnects = 0
        self.pbx_agent = target.agent  # the PBX's name for the agent, learned from its events
        self._rng = rng or random.Random()
        self._pending: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._closing = False
        self.on_connected: Callable[[DesktopLink], None] | None = None

    def send(self, message: dict[str, Any]) -> None:
        """Queue one line; dropped (and counted) while the desktop is unreachable or far behind."""
        if not self.connected.is_set():
            self.dropped += 1
            return
        if len(self._pending) >= MAX_PENDING_LINES:
            self._pending.popleft()
            self.dropped += 1
        self._pending.append(_encode(message))
        self._wakeup.set()

    async def run(self) -> None:
        attempt = 0
        while not self._closing:
            try:
                await self._session()
                attempt = 0
            except (OSError, TimeoutError, ConnectionError) as exc:
                log.warning("bridge: %s unreachable: %s", self.target.label, exc)
            except _HelloRefused as exc:
                log.error("bridge: %s refused the hello: %s (check its CTI token)", self.target.label, exc)
                attempt = MAX_DOUBLINGS  # a wrong token will not fix itself soon: wait the longest
            self.connected.clear()
            self._pending.clear()
            if self._closing:
                break
            self.reconnects += 1
            await asyncio.sleep(backoff_delay(attempt, self, self._rng))
            attempt += 1

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._writer is not None:
            self._writer.close()

    async def _session(self) -> None:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.target.host, self.target.port), timeout=5.0
        )
        self._writer = writer
        framer = LineFramer()
        try:
            hello = {"type": "hello", "token": self.target.token, "agent": self.target.agent}
            writer.write(_encode({**hello, "protocol": PROTOCOL_VERSION}))
            await writer.drain()
            leftover = await asyncio.wait_for(self._await_hello_ok(reader, framer), timeout=6.0)
            log.info("bridge: connected to %s", self.target.label)
            self.connected.set()
            if self.on_connected is not None:
                self.on_connected(self)
            pump = asyncio.get_running_loop().create_task(self._pump(writer))
            try:
                self._handle_lines(leftover)
                await self._read_commands(reader, framer)
            finally:
                pump.cancel()
                with contextlib.suppress(BaseException):
                    await pump
        finally:
            self._writer = None
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _await_hello_ok(self, reader: asyncio.StreamReader, framer: LineFramer) -> list[bytes | object]:
        """Wait for hello.ok; returns the lines that came after it in the same read."""
        while True:
            data = await reader.read(65536)
            if not data:
                raise ConnectionError("closed during hello")
            items = framer.feed(data)
            for index, item in enumerate(items):
                message = _decode(item)
                if message is None:
                    continue
                if message.get("type") == "hello.ok":
                    return items[index + 1 :]
                if message.get("type") == "error":
                    raise _HelloRefused(f"{message.get('code')}: {message.get('message')}")

    async def _pump(self, writer: asyncio.StreamWriter) -> None:
        while True:
            while not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                if self._closing:
                    return
            batch = b"".join(self._pending)
            count = len(self._pending)
            self._pending.clear()
            writer.write(batch)
            await writer.drain()
            self.sent += count

    async def _read_commands(self, reader: asyncio.StreamReader, framer: LineFramer) -> None:
        while not self._closing:
            data = await reader.read(65536)
            if not data:
                return
            self._handle_lines(framer.feed(data))

    def _handle_lines(self, items: list[bytes | object]) -> None:
        for item in items:
            message = _decode(item)
            if message is None:
                continue
            kind = message.get("type")
            if kind == "command":
                self.on_command(self, message)
            elif kind == "error":
                log.warning("bridge: %s answered an error: %s", self.target.label, message.get("message"))


class _HelloRefused(Exception):
    pass


def _encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _decode(item: bytes | object) -> dict[str, Any] | None:
    if item is OVERSIZED or not isinstance(item, bytes) or not item.strip():
        return None
    try:
        message = json.loads(item.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        log.warning("bridge: a desktop sent a line that is not JSON: %r", item[:80])
        return None
    return message if isinstance(message, dict) else None


# ---- the bridge --------------------------------------------------------------------------------
def agent_matches(desktop_agent: str, event_agent: str | None) -> bool:
    if not event_agent:
        return False
    return desktop_agent == event_agent or desktop_agent == event_agent.split("@", 1)[0]


class CtiBridge:
    def __init__(
        self, pbx: PbxAdapter, targets: list[DesktopTarget], *, backoff_initial: float = 1.0
    ) -> None:
        if not targets:
            raise BridgeConfigError("no desktops configured: give --desktop, --supervisor or --config")
        self.pbx = pbx
        self.links = [DesktopLink(t, self._on_command, backoff_initial=backoff_initial) for t in targets]
        self.events_routed = 0
        self.events_unrouted = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.pbx_state: PbxEvent | None = None  # last link state, replayed to desktops that (re)connect
        for link in self.links:
            link.on_connected = self._on_desktop_connected
        pbx.on_event = self.route

    def _on_desktop_connected(self, link: DesktopLink) -> None:
        if self.pbx_state is not None:
            link.send(to_wire(self.pbx_state))

    def route(self, event: CtiEvent) -> None:
        """Send one PBX event to the desktops it concerns."""
        if isinstance(event, PbxEvent):
            self.pbx_state = event
        wire = to_wire(event)
        sent = 0
        for link in self.links:
            if self._wants(link.target, event):
                link.send(wire)
                sent += 1
                agent = getattr(event, "agent", None)
                if agent and not link.target.supervisor and agent_matches(link.target.agent, agent):
                    link.pbx_agent = agent
        if sent:
            self.events_routed += 1
        else:
            self.events_unrouted += 1

    @staticmethod
    def _wants(target: DesktopTarget, event: CtiEvent) -> bool:
        if isinstance(event, CallEvent):
            return not target.supervisor and agent_matches(target.agent, event.agent)
        if isinstance(event, AgentEvent):
            return target.supervisor or agent_matches(target.agent, event.agent)
        if isinstance(event, QueueEvent):
            return target.supervisor
        return isinstance(event, PbxEvent)  # every desktop must know when calls cannot pop

    def _on_command(self, link: DesktopLink, command: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._run_command(link, command))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_command(self, link: DesktopLink, command: dict[str, Any]) -> None:
        command_id = command.get("id")
        action = str(command.get("action") or "")
        agent = link.pbx_agent
        try:
            ok, message = await self.pbx.execute(action, agent, command)
        except Exception as exc:  # the PBX refused or is down: the desktop must hear about it
            ok, message = False, str(exc)[:200] or type(exc).__name__
        log.info("bridge: %s %s for %s -> %s %s", action, command.get("call_id", ""), agent, ok, message)
        if isinstance(command_id, str):
            link.send({"type": "command.result", "id": command_id, "ok": ok, "message": message})

    async def run(self) -> None:
        """Run until cancelled or until the PBX connector gives up (e.g. a refused password)."""
        loop = asyncio.get_running_loop()
        for link in self.links:
            task = loop.create_task(link.run())
            self._tasks.add(task)
        try:
            await self.pbx.run()
        finally:
            await self.close()

    async def close(self) -> None:
        for link in self.links:
            await link.close()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.pbx.close()


# ---- configuration and CLI ---------------------------------------------------------------------
def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        return text.strip(), default_port
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        number = int(port)
    except ValueError:
        raise BridgeConfigError(f"bad port in {text!r}: expected HOST:PORT") from None
    if not host or not 0 < number < 65536:
        raise BridgeConfigError(f"bad address {text!r}: expected HOST:PORT")
    return host, number


def read_secret(env: str | None, file: str | None, what: str) -> str:
    """A secret from an environment variable or a file (first line); never from the command line."""
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise BridgeConfigError(f"{what}: environment variable {env} is not set or empty")
        return value
    if file:
        try:
            value = Path(file).expanduser().read_text(encoding="utf-8").strip().splitlines()[0].strip()
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise BridgeConfigError(f"{what}: cannot read a secret from {file}: {exc}") from None
        if not value:
            raise BridgeConfigError(f"{what}: {file} is empty")
        return value
    raise BridgeConfigError(f"{what}: give an environment variable or a file with the secret")


def parse_desktop_specs(spec: str, token: str, supervisor: bool) -> list[DesktopTarget]:
    targets = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        address, sep, agent = part.rpartition("=")
        if not sep or not agent or not address:
            raise BridgeConfigError(f"bad desktop {part!r}: expected HOST:PORT=AGENT")
        host, port = parse_host_port(address, 7390)
        targets.append(DesktopTarget(host, port, agent.strip(), token, supervisor))
    return targets


def load_config_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BridgeConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BridgeConfigError(f"{path} is not valid TOML: {exc}") from None


def targets_from_config(config: dict[str, Any], default_token: str | None) -> list[DesktopTarget]:
    targets = []
    for role in ("desktop", "supervisor"):
        entries = config.get(role, [])
        if not isinstance(entries, list):
            raise BridgeConfigError(f"[[{role}]] must be a list of tables")
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get("address") or not entry.get("agent"):
                raise BridgeConfigError(f"each [[{role}]] needs address = 'HOST:PORT' and agent = '...'")
            host, port = parse_host_port(str(entry["address"]), 7390)
            if entry.get("token_env") or entry.get("token_file"):
                token = read_secret(
                    entry.get("token_env"), entry.get("token_file"), f"token of {entry['agent']}"
                )
            elif default_token:
                token = default_token
            else:
                raise BridgeConfigError(f"no CTI token for {entry['agent']}: set token_env or token_file")
            targets.append(DesktopTarget(host, port, str(entry["agent"]), token, role == "supervisor"))
    return targets


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pbx = parser.add_argument_group("PBX (one of)")
    pbx.add_argument("--esl", metavar="HOST:PORT", help="FreeSWITCH event socket (port 8021 by default)")
    pbx.add_argument(
        "--esl-password-env", metavar="VAR", help="environment variable holding the ESL password"
    )
    pbx.add_argument("--esl-password-file", metavar="FILE", help="file holding the ESL password")
    pbx.add_argument("--ami", metavar="HOST:PORT", help="Asterisk manager interface (port 5038 by default)")
    pbx.add_argument("--ami-user", metavar="USER", help="AMI user (manager.conf)")
    pbx.add_argument("--ami-secret-env", metavar="VAR", help="environment variable holding the AMI secret")
    pbx.add_argument("--ami-secret-file", metavar="FILE", help="file holding the AMI secret")
    desk = parser.add_argument_group("desktops")
    desk.add_argument("--desktop", action="append", default=[], metavar="HOST:PORT=AGENT[,...]")
    desk.add_argument("--supervisor", action="append", default=[], metavar="HOST:PORT=NAME[,...]")
    desk.add_argument("--token-env", metavar="VAR", help="environment variable with the desktops' CTI token")
    desk.add_argument("--token-file", metavar="FILE", help="file with the desktops' CTI token")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="TOML file: [pbx], [[desktop]], [[supervisor]]"
    )


def build_bridge(args: argparse.Namespace) -> CtiBridge:
    """The bridge described by the command line (and config file); raises BridgeConfigError."""
    config = load_config_file(args.config) if args.config else {}
    pbx_conf = config.get("pbx", {}) if isinstance(config.get("pbx", {}), dict) else {}
    default_token = None
    if args.token_env or args.token_file:
        default_token = read_secret(args.token_env, args.token_file, "desktop CTI token")
    elif config.get("token_env") or config.get("token_file"):
        default_token = read_secret(config.get("token_env"), config.get("token_file"), "desktop CTI token")
    targets = targets_from_config(config, default_token)
    for role, specs in (("desktop", args.desktop), ("supervisor", args.supervisor)):
        for spec in specs:
            if default_token is None:
                raise BridgeConfigError("--desktop/--supervisor need --token-env or --token-file")
            targets.extend(parse_desktop_specs(spec, default_token, role == "supervisor"))
    return CtiBridge(_build_pbx(args, pbx_conf), targets)


def _build_pbx(args: argparse.Namespace, conf: dict[str, Any]) -> PbxAdapter:
    esl = args.esl or (conf.get("esl") if conf.get("kind", "esl") == "esl" else None)
    ami = args.ami or (conf.get("ami") if conf.get("kind") == "ami" else None)
    if bool(esl) == bool(ami):
        raise BridgeConfigError("give exactly one PBX: --esl HOST:PORT or --ami HOST:PORT")
    if esl:
        from desktop.cti.esl_client import EslClient, EslConfig

        host, port = parse_host_port(str(esl), 8021)
        password = read_secret(
            args.esl_password_env or conf.get("password_env"),
            args.esl_password_file or conf.get("password_file"),
            "ESL password",
        )
        return EslAdapter(EslClient(EslConfig(host, port, password)))
    from desktop.cti.ami import AmiClient, AmiConfig

    host, port = parse_host_port(str(ami), 5038)
    user = args.ami_user or conf.get("user")
    if not user:
        raise BridgeConfigError("--ami needs --ami-user")
    secret = read_secret(
        args.ami_secret_env or conf.get("secret_env"),
        args.ami_secret_file or conf.get("secret_file"),
        "AMI secret",
    )
    return AmiAdapter(AmiClient(AmiConfig(host, port, str(user), secret)))


def run(args: argparse.Namespace) -> int:
    try:
        bridge = build_bridge(args)
    except BridgeConfigError as exc:
        log.error("bridge: %s", exc)
        print(f"calldesk cti bridge: {exc}")
        return 2
    try:
        asyncio.run(bridge.run())
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # e.g. a refused PBX password: say so, do not dump a traceback
        log.error("bridge stopped: %s", exc)
        print(f"calldesk cti bridge stopped: {exc}")
        return 1
    return 0
