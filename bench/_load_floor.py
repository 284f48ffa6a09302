"""One share of bench_central_load's simulated floor, run in its own process.

The load generator is split over `--client-processes` processes (as bench_bridge's readers
are): one process holding 2,000 streams spent its whole core parsing them, its event loop
lagged a few hundred milliseconds behind every notification burst, and that lag was counted as
the server's latency. Each share holds its desktops' streams, pushes its part of the write rate
from its own desktops and pulls when told; it reports what it measured, timed with
time.monotonic (one clock for every process of the machine), and bench_central_load merges the
shares: a write is visible when every share has it on every one of its desktops.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

import orjson
from _light_http import HttpFailed, LightHttp
from _sse_stream import hold_stream

from calldesk_domain.models import format_ts
from calldesk_domain.tickets import new_ticket
from desktop.services.api import KEEPALIVE_S
from desktop.services.notifications import FeedStep, SseEvent, SseParser, feed_seq, feed_step

NOTIFY_JITTER_S = 0.5
RETRY_AFTER_CAP_S = 30.0  # CentralApi's retry_after_cap
SHED_STREAM_WAIT_S = (1.0, 4.0)  # a refused stream is opened again after a random wait
DRAIN_MIN_S = 3.0  # after the last write: foreign writes still on their way
DRAIN_MAX_S = 10.0


@dataclass(frozen=True)
class ShareConfig:
    url: str
    db_url: str
    creds: list[tuple[str, str]]  # (token, agent id) of this share's desktops
    first_index: int  # desktops are numbered across the floor: share k holds k, k+K, k+2K...
    stride: int
    seconds: float
    rate: float  # this share's writes per second
    head: int
    poll_s: float
    steps: bool
    direct_baseline: bool


@dataclass
class Floor:
    """What one share's desktops share: the measurements and the writes in flight."""

    desktops: int
    pulls: list[float] = field(default_factory=list)
    # pulls answered while the floor was still connecting (2,000 streams opening at once): a
    # start-up storm, reported on its own
    startup_pulls: list[float] = field(default_factory=list)
    measuring: bool = False
    pushes: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    # 503s the server shed (central/admission.py): the desktop waits Retry-After and asks again,
    # as CentralApi does; a push stays in its outbox until stored, so a shed request is a delay
    shed: dict[str, int] = field(default_factory=dict)
    # for the run's timeline: when each push began (seconds from the start of the writes) and
    # took, and when each shed answer and error came
    t0: float = 0.0
    push_starts: list[float] = field(default_factory=list)
    shed_times: list[float] = field(default_factory=list)
    error_times: list[float] = field(default_factory=list)
    written: dict[str, tuple[float, int]] = field(default_factory=dict)  # id -> (t0, writer desk)
    seen_by: dict[str, int] = field(default_factory=dict)
    complete: dict[str, float] = field(default_factory=dict)  # id -> when all desks (but its writer) had it
    notifications: int = 0
    steps_taken: int = 0
    running: bool = True

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1
        if self.measuring:
            self.error_times.append(time.monotonic() - self.t0)

    async def shed_wait(self, what: str, retry_after: float | None) -> None:
        if not self.measuring:
            what = "startup_" + what  # while 2,000 streams open at once, before the first write
        self.shed[what] = self.shed.get(what, 0) + 1
        if self.measuring:
            self.shed_times.append(time.monotonic() - self.t0)
        await asyncio.sleep(min(retry_after if retry_after is not None else 1.0, RETRY_AFTER_CAP_S))

    def pulled(self, desk: int, entity_id: str, now: float) -> None:
        """Desk `desk` has `entity_id` (a desk's own write does not count)."""
        write = self.written.get(entity_id)
        if write is None or write[1] != desk:
            self.took((entity_id,), now)

    def took(self, entity_ids: Iterable[str], now: float) -> None:
        """One more desk has each of `entity_ids`, none of them its own writes; a write is
        complete once every desk of the share but its writer has it. Called once per step a
        desk takes whole: the floor's 2,000 desks take about a thousand steps a second per share,
        and a call per change made this bookkeeping the generator's largest cost (its event loop
        then lagged ~200 ms behind every notification burst and counted that lag into the
        server's p99)."""
        seen, complete = self.seen_by, self.complete
        near = self.desktops - 1  # the lowest count that can complete a write
        for entity_id in entity_ids:
            if entity_id in complete:
                continue
            count = seen.get(entity_id, 0) + 1
            if count < near:
                seen[entity_id] = count
            else:
                need = self.desktops - (1 if entity_id in self.written else 0)
                if count >= need:
                    complete[entity_id] = now
                    seen.pop(entity_id, None)
                else:
                    seen[entity_id] = count

    def settled(self) -> bool:
        """No change half-way through this share, and every write of it seen by all of it."""
        return not self.seen_by and all(entity_id in self.complete for entity_id in self.written)


Decoded = tuple[FeedStep | int | None, frozenset[str]]
_DECODED: dict[tuple[str, str], Decoded] = {}


def decoded(event: SseEvent) -> Decoded:
    """What the desktop's feed_step/feed_seq make of `event`, and the ids a step changes past
    its `since`. Every desktop of a role receives the same bytes; each parses its own stream,
    but the JSON of an identical page is decoded once per process: on the floor each PC decodes
    on its own CPU, and 2,000 decodes of the same page on this machine's cores would measure the
    load generator, not the server."""
    key = (event.event, event.data)
    if key not in _DECODED:
        if len(_DECODED) > 64:
            _DECODED.clear()
        said = feed_step(event) if event.event == "changes" else feed_seq(event)
        ids = (
            frozenset(
                c.get("id", "")
                for c in said.changes
                if isinstance(c, dict) and c.get("seq", 0) > said.since
            )
            if isinstance(said, FeedStep)
            else frozenset()
        )
        _DECODED[key] = (said, ids)
    return _DECODED[key]


class Desk:
    def __init__(
        self,
        index: int,
        http: LightHttp,
        token: str,
        agent: str,
        floor: Floor,
        since: int,
        steps: bool = True,
    ):
        self.steps = steps
        self.index = index
        self.http = http
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}
        self.agent = agent
        self.floor = floor
        self.since = since
        self.known = since
        self._pull_task: asyncio.Task[None] | None = None
        self._again = False
        self.own: set[str] = set()  # the ids this desk wrote (a desk's own write is not "seen")

    async def hold_channel(self, host: str, port: int) -> None:
        target = "/api/v1/sync/notifications" + ("?changes=1" if self.steps else "")
        while self.floor.running:
            read = functools.partial(self.read, SseParser())
            try:
                ended = await hold_stream(host, port, target, self.token, read)
            except OSError as exc:
                ended = type(exc).__name__
            if not self.floor.running:
                return
            if ended == "http_503":
                await self.floor.shed_wait("notify", random.uniform(*SHED_STREAM_WAIT_S))
            else:
                self.floor.error(f"notify_{ended}")
                await asyncio.sleep(1)

    def read(self, parser: SseParser, body: bytes) -> None:
        for event in parser.feed(body):
            said, ids = decoded(event)
            if said is None:
                continue
            self.floor.notifications += 1
            if isinstance(said, FeedStep):
                self.take(said, ids)
            else:
                self.told(said)

    async def safety_poll(self, interval_s: float) -> None:
        """The poll a desktop keeps while its channel is up (ConnectivityService.channel_interval_s),
        first at a random point of the interval, as a floor's desktops started at random times."""
        await asyncio.sleep(random.random() * interval_s)
        while self.floor.running:
            if self._pull_task is None or self._pull_task.done():
                self._pull_task = asyncio.ensure_future(self._pull_soon(jitter=False))
            await asyncio.sleep(interval_s)

    def take(self, step: FeedStep, ids: frozenset[str]) -> None:
        """A step the cursor stands in is applied from the cursor on (as CacheStore.apply_feed_step
        does); a step past it (a gap) is a pull; one wholly behind it is old news. `ids`: what
        the step changes past its own `since`."""
        if step.next_since <= self.since:
            return
        if step.since > self.since:
            self.told(step.next_since)
            return
        now = time.monotonic()
        if step.since == self.since and self.own.isdisjoint(ids):
            self.floor.took(ids, now)  # the usual case: the whole step, none of it ours
        else:
            for change in step.changes:
                if isinstance(change, dict) and change.get("seq", 0) > self.since:
                    self.floor.pulled(self.index, change.get("id", ""), now)
        self.since = step.next_since
        self.known = max(self.known, step.next_since)
        self.floor.steps_taken += 1

    def told(self, seq: int) -> None:
        if seq <= self.known:
            return
        self.known = seq
        if self._pull_task is not None and not self._pull_task.done():
            self._again = True
            return
        self._pull_task = asyncio.ensure_future(self._pull_soon())

    async def _pull_soon(self, jitter: bool = True) -> None:
        if jitter:
            await asyncio.sleep(random.random() * NOTIFY_JITTER_S)
        while True:
            self._again = False
            await self.pull()
            if not self._again or not self.floor.running:
                return

    async def pull(self) -> None:
        has_more = True
        while has_more:
            started = time.monotonic()
            try:
                status, payload, retry_after = await self.http.request(
                    "GET", f"/api/v1/sync/changes?since={self.since}&limit=1000", self.headers
                )
            except HttpFailed as exc:
                self.floor.error(f"pull_{exc.kind}")
                return
            if status == 503 and self.floor.running:
                await self.floor.shed_wait("pull", retry_after)
                continue
            if status != 200:
                self.floor.error(f"pull_http_{status}")
                return
            body = orjson.loads(payload)
            now = time.monotonic()
            (self.floor.pulls if self.floor.measuring else self.floor.startup_pulls).append(now - started)
            for change in body["changes"]:
                if change["seq"] > self.since:
                    self.floor.pulled(self.index, change["id"], now)
            self.since = max(self.since, body["next_since"])
            has_more = body["has_more"]

    async def push(self, n: int) -> None:
        now = datetime_now()
        if n % 2:
            record_id = f"CL-{uuid.uuid4().hex[:16]}"
            entity, data = (
                "contact",
                {
                    "id": record_id,
                    "call_id": "call-" + record_id,
                    "agent_id": self.agent,
                    "customer_id": f"C{1 + n % 500:07d}",
                    "direction": "inbound",
                    "channel": "phone",
                    "disposition": "resolved",
                    "notes": "bench",
                    "ticket_id": "",
                    "started_at": format_ts(now),
                },
            )
        else:
            record_id = f"T-{uuid.uuid4().hex[:16]}"
            ticket = new_ticket(record_id, f"C{1 + n % 500:07d}", self.agent, now, category="consultation")
            ticket.fault_description = "bench"
            entity, data = "ticket", ticket.to_dict()
        mutation = {
            "client_id": str(uuid.uuid4()),
            "entity": entity,
            "id": record_id,
            "op": "upsert",
            "data": data,
        }
        started = time.monotonic()
        self.floor.written[record_id] = (started, self.index)
        self.own.add(record_id)
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        body = orjson.dumps({"mutations": [mutation]})
        while True:
            try:
                code, payload, retry_after = await self.http.request(
                    "POST", "/api/v1/sync/push", headers, body
                )
            except HttpFailed as exc:
                self.floor.error(f"push_{exc.kind}")
                self.floor.written.pop(record_id, None)
                return
            if code != 503:
                break
            await self.floor.shed_wait("push", retry_after)  # the same key: stored once
        self.floor.pushes.append(time.monotonic() - started)  # shed waits included
        self.floor.push_starts.append(started - self.floor.t0)
        status = orjson.loads(payload)["results"][0]["status"] if code == 200 else None
        if status != "applied":
            self.floor.error(f"push_{code}_{status}")
            self.floor.written.pop(record_id, None)


def datetime_now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def direct_baseline(db_url: str, floor: Floor, since: list[int], out: list[float]) -> None:
    """The pull's SQL (session check, page, head) straight through psycopg, a few times a second."""
    import psycopg

    from central.db import parse_db_url
    from central.notify import libpq_url

    async with await psycopg.AsyncConnection.connect(
        libpq_url(parse_db_url(db_url)), autocommit=True
    ) as conn:
        while floor.running:
            cursor = max(0, since[0] - 5)
            started = time.monotonic()
            await (
                await conn.execute(
                    "SELECT u.role FROM users u JOIN sessions s ON s.user_id = u.id "
                    "WHERE u.id = 1 AND u.active"
                )
            ).fetchall()
            await (
                await conn.execute(
                    "SELECT seq, entity, entity_id, op, version, CAST(data AS TEXT) FROM change_log "
                    "WHERE seq > %s ORDER BY seq LIMIT 1001",
                    (cursor,),
                )
            ).fetchall()
            await (await conn.execute("SELECT max(seq) FROM change_log")).fetchone()
            out.append(time.monotonic() - started)
            await asyncio.sleep(0.2)


async def run_share(config: ShareConfig, link: Connection) -> dict[str, Any]:
    """Connect this share's desktops, say "ready", write from the start time the parent sends
    until `seconds` later, drain, and return what was measured."""
    floor = Floor(len(config.creds))
    # One request connection per desktop, kept as the desktop's httpx client keeps it (plus its
    # notification stream): on the floor, two connections per desktop.
    where = urlsplit(config.url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    clients = [LightHttp(host, port, keepalive_s=KEEPALIVE_S) for _ in config.creds]
    loop = asyncio.get_running_loop()
    try:
        desks = [
            Desk(i, clients[i], token, agent, floor, config.head, steps=config.steps)
            for i, (token, agent) in enumerate(config.creds)
        ]
        channels = [asyncio.ensure_future(d.hold_channel(host, port)) for d in desks]
        channels += [asyncio.ensure_future(d.safety_poll(config.poll_s)) for d in desks]
        await asyncio.sleep(min(30.0, 2.0 + len(desks) / 200))  # everyone connected
        gc.collect()
        gc.freeze()  # the desks, clients and parsers are here for the run: not scanned again
        link.send("ready")
        start_at = await loop.run_in_executor(None, link.recv)
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        floor.t0 = start_at
        cpu_start = time.process_time()
        floor.measuring = True
        direct: list[float] = []
        since = [config.head]
        baseline = (
            asyncio.ensure_future(direct_baseline(config.db_url, floor, since, direct))
            if config.direct_baseline
            else None
        )
        writes: set[asyncio.Task[None]] = set()
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < config.seconds:
            task = asyncio.ensure_future(
                desks[random.randrange(len(desks))].push(config.first_index + n * config.stride)
            )
            n += 1
            writes.add(task)
            task.add_done_callback(writes.discard)
            since[0] = max(since[0], max(d.since for d in desks[:10]))
            await asyncio.sleep(max(0.0, started + n / config.rate - time.monotonic()))
        write_seconds = time.monotonic() - started
        if writes:
            await asyncio.wait(writes, timeout=30)
        drain = time.monotonic()
        while time.monotonic() - drain < DRAIN_MAX_S and not (
            time.monotonic() - drain >= DRAIN_MIN_S and floor.settled()
        ):
            await asyncio.sleep(0.1)
        floor.running = False
        cpu_s = time.process_time() - cpu_start
        tasks = [*channels, *([baseline] if baseline is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for client in clients:
            client.close()
    return {
        "desktops": floor.desktops,
        "pulls": floor.pulls,
        "startup_pulls": floor.startup_pulls,
        "pushes": floor.pushes,
        "errors": floor.errors,
        "shed": floor.shed,
        "push_starts": floor.push_starts,
        "shed_times": floor.shed_times,
        "error_times": floor.error_times,
        "written": {entity_id: t0 for entity_id, (t0, _) in floor.written.items()},
        "complete": floor.complete,
        "notifications": floor.notifications,
        "steps_taken": floor.steps_taken,
        "writes": n,
        "write_seconds": write_seconds,
        "direct": direct,
        "cpu_s": cpu_s,
        "wall_s": time.monotonic() - started,
    }


def share_main(config: ShareConfig, link: Connection) -> None:
    """The entry of one share's process (multiprocessing, spawn)."""
    try:
        link.send(asyncio.run(run_share(config, link)))
    except BaseException as exc:  # the parent must hear of it, not wait for ever
        link.send({"failed": f"{type(exc).__name__}: {exc}"})
        raise
