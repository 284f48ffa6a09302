"""A CTI source that plays scripted or random call traffic into a desktop's CTI socket.

Used by `calldesk demo`, the tests and the benchmarks, and by hand as `calldesk cti simulate`.
It speaks exactly the public protocol (docs/cti-protocol.md): hello, one JSON event per line,
and it answers every command it is sent with a `command.result` the way a PBX would
(desktop/cti/sim_pbx.py: answer a ringing call, pause with a reason, refuse what makes no sense).
Its calls wait in the queue while that PBX would offer them to no one: the agent paused (wrap-up,
`calldesk agent pause`) or on a call; they ring when the agent is free again.
Callers are sent raw, the way PBXs send them (13800138000, 008613800138000, 010-12345678,
"anonymous"), so the desktop's normalisation is exercised too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from desktop.cti.events import EventDecodeError, from_wire
from desktop.cti.listener import DEFAULT_PORT, PROTOCOL_VERSION
from desktop.cti.sim_pbx import RINGING, SimulatedPbx

log = logging.getLogger(__name__)

DEFAULT_QUEUES = ("售前咨询", "售后服务", "投诉建议", "VIP专线")
DEFAULT_DNIS = ("4008123456", "4008123457", "8008205678")
WITHHELD_FORMS = ("anonymous", "unknown", "")
# A queued caller hangs up after this long (`calldesk cti simulate --patience`, the demo): callers
# waiting for ever behind a paused agent made a queue that never lost a call.
DEFAULT_PATIENCE_S = 60.0


class CtiHelloError(ConnectionError):
    """The listener refused the hello (wrong token, ...); `code` is its error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def raw_pbx_form(e164: str, rng: random.Random) -> str:
    """One of the shapes a PBX sends this +86 number in (others are returned unchanged)."""
    if not e164.startswith("+86"):
        return e164
    national = e164[3:]
    if national.startswith("1") and len(national) == 11:  # mobile
        return rng.choice((national, national, "0086" + national, "+86" + national))
    area_len = 2 if national[:1] in ("1", "2") else 3  # 010, 021 ... vs 0755, 0571 ...
    area, local = national[:area_len], national[area_len:]
    return rng.choice((f"0{area}-{local}", f"0{area}{local}", f"0086{national}"))


def random_unknown_mobile(rng: random.Random, known: set[str]) -> str:
    while True:
        national = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        if "+86" + national not in known:
            return national


class CtiSimulator:
    """Connects to a CTI listener as `agent` and plays calls.

    `numbers` are E.164 numbers of known customers; a call comes from one of them, sent in a raw
    PBX form, except `unknown_ratio` of calls (a number not in the list) and `withheld_ratio`
    (anonymous). `abandon_ratio` of calls hang up while queued (`queue.abandon`), after their
    `wait_s`, whether or not the agent was free. The others wait in the queue at least `wait_s`,
    then until the simulated PBX may offer them (`SimulatedPbx.offer_delay`), one at a time in the
    order they joined; `wrapuptime_s` is its queue's wrapuptime. A caller kept waiting longer than
    `patience_s` (from joining; None: for ever) hangs up (`queue.abandon`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        token: str = "",
        agent: str = "1001",
        numbers: Sequence[str] = (),
        unknown_ratio: float = 0.2,
        *,
        withheld_ratio: float = 0.05,
        abandon_ratio: float = 0.1,
        queues: Sequence[str] = DEFAULT_QUEUES,
        dnis: Sequence[str] = DEFAULT_DNIS,
        seed: int | None = None,
        connect_timeout_s: float = 5.0,
        wrapuptime_s: float = 0.0,
        patience_s: float | None = None,
    ) -> None:
        self.host, self.port, self.token, self.agent = host, port, token, agent
        self.numbers = list(numbers)
        self._known = set(self.numbers)
        self.unknown_ratio = unknown_ratio
        self.withheld_ratio = withheld_ratio
        self.abandon_ratio = abandon_ratio
        self.patience_s = patience_s
        self.queues = list(queues)
        self.dnis = list(dnis)
        self.rng = random.Random(seed)
        self.connect_timeout_s = connect_timeout_s
        self.events_sent = 0
        self.calls_played = 0
        self.commands_received: list[dict[str, Any]] = []
        self.pbx = SimulatedPbx(agent, wrapuptime_s=wrapuptime_s)  # answers commands like a PBX
        self.errors_received: list[dict[str, Any]] = []
        self.pongs_received = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pong: asyncio.Event = asyncio.Event()
        self._pbx_changed = asyncio.Event()  # the agent's state may have changed: look again
        self._offer_turn = asyncio.Lock()  # queued calls are offered one at a time, first come first

    # -- connection ---------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def connect(self) -> None:
        """Connect and say hello; raises CtiHelloError if refused, OSError if nobody listens."""
        if self.connected:
            return
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout=self.connect_timeout_s
        )
        writer.write(
            self._line(
                {"type": "hello", "token": self.token, "agent": self.agent, "protocol": PROTOCOL_VERSION}
            )
        )
        await writer.drain()
        try:
            reply_line = await asyncio.wait_for(reader.readline(), timeout=self.connect_timeout_s)
            reply = json.loads(reply_line) if reply_line else {}
        except (TimeoutError, ValueError):
            writer.close()
            raise CtiHelloError("no_reply", "the listener did not answer the hello") from None
        if not isinstance(reply, dict) or reply.get("type") != "hello.ok":
            writer.close()
            if isinstance(reply, dict) and reply.get("type") == "error":
                raise CtiHelloError(str(reply.get("code")), str(reply.get("message")))
            raise CtiHelloError("closed", "the listener closed the connection during hello")
        self._reader, self._writer = reader, writer
        self._reader_task = asyncio.ensure_future(self._read_replies(reader))

    async def close(self) -> None:
        task, self._reader_task = self._reader_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def __aenter__(self) -> CtiSimulator:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- sending ------------------------------------------------------------------------------
    @staticmethod
    def _line(message: dict[str, Any]) -> bytes:
        return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    async def send(self, message: dict[str, Any], *, drain: bool = True) -> None:
        """Send one JSON object as a line (connecting first if needed)."""
        await self.connect()
        assert self._writer is not None
        self._writer.write(self._line(message))
        if message.get("type", "").split(".")[0] in ("call", "queue", "agent"):
            self.events_sent += 1
            self.pbx.observe(message)
            self._pbx_changed.set()
        if drain:
            await self._writer.drain()

    async def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (for tests of the listener's robustness)."""
        await self.connect()
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    async def ping(self, timeout_s: float = 5.0) -> bool:
        self._pong.clear()
        await self.send({"type": "ping"})
        try:
            await asyncio.wait_for(self._pong.wait(), timeout=timeout_s)
        except TimeoutError:
            return False
        return True

    # -- calls --------------------------------------------------------------------------------
    def pick_caller(self) -> str | None:
        """A raw caller id: known (in a PBX form), unknown, or withheld ("" means none sent)."""
        roll = self.rng.random()
        if roll < self.withheld_ratio:
            return self.rng.choice(WITHHELD_FORMS)
        if roll < self.withheld_ratio + self.unknown_ratio or not self.numbers:
            return random_unknown_mobile(self.rng, self._known)
        return raw_pbx_form(self.rng.choice(self.numbers), self.rng)

    def call_events(
        self,
        caller: str | None = None,
        *,
        call_id: str | None = None,
        queue: str | None = None,
        dnis: str | None = None,
        abandon: bool | None = None,
        wait_s: float = 0.0,
        talk_s: float = 0.0,
    ) -> list[dict[str, Any]]:
        """The wire events of one call, in order, with ts filled in from now (no sending)."""
        caller = self.pick_caller() if caller is None else caller
        call_id = call_id or f"sim-{uuid.uuid4().hex[:12]}"
        queue = queue or self.rng.choice(self.queues)
        dnis = dnis or self.rng.choice(self.dnis)
        abandon = self.rng.random() < self.abandon_ratio if abandon is None else abandon
        base: dict[str, Any] = {"call_id": call_id, "dnis": dnis, "queue": queue}
        if caller:
            base["caller"] = caller
        now = time.time()
        events: list[dict[str, Any]] = [{"type": "queue.join", **base, "position": 1, "ts": now}]
        if abandon:
            events.append(
                {
                    "type": "queue.abandon",
                    **base,
                    "position": 1,
                    "wait_s": round(wait_s, 3),
                    "ts": now + wait_s,
                }
            )
            return events
        on_agent = {**base, "agent": self.agent}
        events += [
            {"type": "queue.leave", **base, "wait_s": round(wait_s, 3), "ts": now + wait_s},
            {"type": "call.ringing", **on_agent, "ts": now + wait_s},
            {"type": "call.answered", **on_agent, "ts": now + wait_s + 1},
            {"type": "call.ended", **on_agent, "ts": now + wait_s + 1 + talk_s},
        ]
        return events

    async def play_call(
        self,
        caller: str | None = None,
        *,
        call_id: str | None = None,
        queue: str | None = None,
        dnis: str | None = None,
        abandon: bool | None = None,
        wait_s: float = 0.5,
        ring_s: float = 0.5,
        talk_s: float = 2.0,
    ) -> str:
        """Play one call in real time: join, wait (longer while the agent is paused or busy), ring,
        answer, talk, end; or join and abandon after `wait_s`. A call the desktop answered or
        ended by command is not answered or ended again. Returns call_id."""
        events = self.call_events(
            caller, call_id=call_id, queue=queue, dnis=dnis, abandon=abandon, wait_s=wait_s, talk_s=talk_s
        )
        join, *rest = events
        call = str(join["call_id"])
        joined = time.monotonic()
        await self._send_now(join)
        await asyncio.sleep(max(0.0, wait_s))
        if rest[0]["type"] == "queue.abandon":
            await self._send_now(rest[0])
        else:
            leave, ringing, answered, ended = rest
            if not await self._offered(call, leave, ringing, joined):
                await self._send_now(_abandoned(leave, time.monotonic() - joined))
            else:
                await asyncio.sleep(max(0.0, ring_s))
                if self.pbx.calls.get(call) == RINGING:  # not answered from the desktop meanwhile
                    await self._send_now(answered)
                await asyncio.sleep(max(0.0, talk_s))
                if call in self.pbx.calls:  # not hung up or transferred from the desktop meanwhile
                    await self._send_now(ended)
        self.calls_played += 1
        return call

    async def _offered(
        self, call: str, leave: dict[str, Any], ringing: dict[str, Any], joined: float
    ) -> bool:
        """Wait for this call's turn and a free agent, then ring it; False when the caller's
        `patience_s` (counted from joining the queue) ran out first: the caller hangs up."""

        def left() -> float | None:
            if self.patience_s is None:
                return None
            return max(0.0, self.patience_s - (time.monotonic() - joined))

        try:
            async with asyncio.timeout(left()):
                await self._offer_turn.acquire()  # a cancelled acquire leaves the lock free
        except TimeoutError:
            log.info("simulator: call %s hung up after %.0f s waiting its turn", call, self.patience_s)
            return False
        try:
            if self.pbx.offer_delay() != 0.0:
                log.info("simulator: call %s waits in the queue: %s", call, self._why_no_offer())
            if not await self.wait_for_agent(left()):
                log.info("simulator: call %s hung up after %.0f s in the queue", call, self.patience_s)
                return False
            leave["wait_s"] = round(time.monotonic() - joined, 3)
            log.debug("simulator: call %s rings after %.2f s in the queue", call, leave["wait_s"])
            await self._send_now(leave)
            await self._send_now(ringing)
            return True
        finally:
            self._offer_turn.release()

    async def _send_now(self, event: dict[str, Any]) -> None:
        event["ts"] = time.time()
        await self.send(event)

    def _why_no_offer(self) -> str:
        if self.pbx.paused:
            return f"agent {self.agent} is paused ({self.pbx.reason or 'no reason'})"
        if self.pbx.calls:
            return f"agent {self.agent} is on a call"
        return f"agent {self.agent} is in the queue's wrapuptime"

    async def wait_for_agent(self, timeout_s: float | None = None) -> bool:
        """Wait until the simulated PBX may ring this agent (not paused, not on a call, past the
        wrapuptime). False if `timeout_s` passed first."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while True:
            self._pbx_changed.clear()
            delay = self.pbx.offer_delay()
            if delay == 0.0:
                return True
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            timeout = left if delay is None else delay if left is None else min(delay, left)
            with contextlib.suppress(TimeoutError):  # a wrapuptime ended, or the caller's deadline
                await asyncio.wait_for(self._pbx_changed.wait(), timeout)

    async def run(self, calls: int, interval_s: float) -> int:
        """Play `calls` calls, one starting every `interval_s` seconds (phases fit inside it), or as
        soon as the last one is over when it waited for the agent longer than that."""
        cycle = max(interval_s, 0.0)
        for _ in range(calls):
            started = time.monotonic()
            jitter = self.rng.uniform(0.8, 1.2)
            await self.play_call(
                wait_s=cycle * 0.1 * jitter, ring_s=cycle * 0.15 * jitter, talk_s=cycle * 0.5 * jitter
            )
            await asyncio.sleep(max(0.0, cycle - (time.monotonic() - started)))
        return self.calls_played

    async def burst(self, n: int, *, drain_every: int = 256) -> int:
        """Send `n` events as fast as the socket takes them (whole calls, cut at n). Returns n sent."""
        sent = 0
        while sent < n:
            for event in self.call_events(abandon=False):
                if sent >= n:
                    break
                sent += 1
                await self.send(event, drain=sent % drain_every == 0)
        if self._writer is not None:
            await self._writer.drain()
        return sent

    async def stream(self, rate_per_s: float, duration_s: float, *, tick_s: float = 0.005) -> int:
        """Send whole calls' events at a steady `rate_per_s` for `duration_s` (load generation).

        Sends what is due every `tick_s`, so the rate holds on average even when sleeps overshoot.
        Returns how many events were sent."""
        await self.connect()
        assert self._writer is not None
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent = 0
        queued: list[dict[str, Any]] = []
        while (elapsed := loop.time() - started) < duration_s:
            due = int(elapsed * rate_per_s) - sent
            if due > 0:
                lines = []
                for _ in range(due):
                    if not queued:
                        queued = self.call_events(abandon=False)
                    lines.append(self._line(queued.pop(0)))
                self._writer.write(b"".join(lines))
                await self._writer.drain()
                sent += due
                self.events_sent += due
            await asyncio.sleep(tick_s)
        return sent

    async def play_script(self, script: Iterable[dict[str, Any]]) -> int:
        """Send scripted events in order. Each dict is a wire event; optional "delay_s" sleeps first;
        a missing "ts" becomes now and a missing "agent" on call/agent events becomes ours.
        Every entry is checked with from_wire first; a bad one raises ValueError naming its index."""
        prepared = [self._prepare_script_entry(i, entry) for i, entry in enumerate(script)]
        for delay, event in prepared:
            if delay > 0:
                await asyncio.sleep(delay)
            event.setdefault("ts", time.time())
            await self.send(event)
        return len(prepared)

    def _prepare_script_entry(self, index: int, entry: Any) -> tuple[float, dict[str, Any]]:
        if not isinstance(entry, dict):
            raise ValueError(f"script entry {index}: must be an object")
        event = dict(entry)
        delay = event.pop("delay_s", 0.0)
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ValueError(f"script entry {index}: 'delay_s' must be a non-negative number")
        if str(event.get("type", "")).split(".")[0] in ("call", "agent"):
            event.setdefault("agent", self.agent)
        try:
            from_wire({"ts": 0.0, **event})
        except EventDecodeError as exc:
            raise ValueError(f"script entry {index}: {exc}") from None
        return float(delay), event

    # -- replies from the listener ------------------------------------------------------------
    async def _read_replies(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                try:
                    message = json.loads(line)
                except ValueError:
                    log.warning("simulator: unreadable line from the listener: %r", line[:100])
                    continue
                if isinstance(message, dict):
                    await self._on_message(message)
        except (ConnectionError, OSError, ValueError) as exc:  # ValueError: over the readline limit
            log.debug("simulator: connection ended: %s", exc)

    async def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "pong":
            self.pongs_received += 1
            self._pong.set()
        elif kind == "error":
            self.errors_received.append(message)
            log.info("simulator: listener error %s: %s", message.get("code"), message.get("message"))
        elif kind == "command":
            self.commands_received.append(message)
            await self._answer_command(message)

    async def _answer_command(self, command: dict[str, Any]) -> None:
        command_id = command.get("id")
        if not isinstance(command_id, str):
            log.warning("simulator: command without an id ignored: %r", command)
            return
        outcome, events = self.pbx.handle(command)
        self._pbx_changed.set()
        result: dict[str, Any] = {
            "type": "command.result",
            "id": command_id,
            "ok": outcome.ok,
            "message": outcome.message[:256],
        }
        if outcome.call_id:
            result["call_id"] = outcome.call_id
        with contextlib.suppress(ConnectionError, OSError):
            await self.send(result)
            for event in events:  # what the PBX reports after it acted, like a real one
                await self.send({**event, "ts": time.time()})


def _abandoned(leave: dict[str, Any], waited_s: float) -> dict[str, Any]:
    """The `queue.abandon` of a call that would have left the queue with `leave`."""
    return {**leave, "type": "queue.abandon", "position": 1, "wait_s": round(waited_s, 3)}


# -- `calldesk cti simulate` -------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="the desktop's CTI address (loopback)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the desktop's CTI port")
    parser.add_argument("--token", required=True, help="the desktop's CTI token")
    parser.add_argument("--agent", default="1001", help="agent id to say hello as")
    parser.add_argument("--calls", type=int, default=10, help="how many random calls to play")
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between call starts")
    parser.add_argument("--numbers", type=Path, help="file of known E.164 numbers, one a line")
    parser.add_argument(
        "--unknown-ratio", type=float, default=0.2, help="share of calls from unknown numbers"
    )
    parser.add_argument(
        "--script", type=Path, help="JSON-lines file of events to play instead of random calls"
    )
    parser.add_argument("--burst", type=int, default=0, help="send this many events flat out, then stop")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="send events at this steady rate per second..."
    )
    parser.add_argument("--duration", type=float, default=10.0, help="...for this many seconds (with --rate)")
    parser.add_argument("--seed", type=int, help="random seed for repeatable traffic")
    parser.add_argument(
        "--patience",
        type=float,
        default=DEFAULT_PATIENCE_S,
        help="a queued caller hangs up after this many seconds (0: waits for ever)",
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of `calldesk cti simulate`; returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not 0 <= args.patience <= 86400:  # nan too
        log.error("simulate: --patience must be 0..86400 seconds, not %s", args.patience)
        return 2
    try:
        numbers = _read_numbers(args.numbers) if args.numbers else []
        script = _read_script(args.script) if args.script else None
    except (OSError, ValueError) as exc:
        log.error("simulate: %s", exc)
        return 2
    simulator = CtiSimulator(
        args.host,
        args.port,
        args.token,
        args.agent,
        numbers,
        unknown_ratio=args.unknown_ratio,
        seed=args.seed,
        patience_s=args.patience or None,
    )
    try:
        asyncio.run(_simulate(simulator, args, script))
    except CtiHelloError as exc:
        log.error("simulate: the desktop refused the connection (%s)", exc)
        return 1
    except (OSError, TimeoutError) as exc:
        log.error("simulate: cannot reach the CTI socket at %s:%s: %s", args.host, args.port, exc)
        return 1
    except ValueError as exc:
        log.error("simulate: %s", exc)
        return 2
    except KeyboardInterrupt:
        return 130
    print(
        json.dumps(
            {
                "events_sent": simulator.events_sent,
                "calls": simulator.calls_played,
                "errors": len(simulator.errors_received),
            }
        )
    )
    return 0


async def _simulate(simulator: CtiSimulator, args: argparse.Namespace, script: list[Any] | None) -> None:
    async with simulator:
        if script is not None:
            await simulator.play_script(script)
        elif args.burst:
            await simulator.burst(args.burst)
        elif args.rate > 0:
            await simulator.stream(args.rate, args.duration)
        else:
            await simulator.run(args.calls, args.interval)
        await simulator.ping()  # the listener has read everything we sent once it answers


def _read_numbers(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _read_script(path: Path) -> list[Any]:
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                entries.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
    return entries
