"""N simulated desktops against a real `calldesk central serve --workers W` on PostgreSQL.

    .venv/bin/python bench/bench_central_load.py --desktops 50 --seconds 20 --workers 2 \
        --db postgresql://calldesk:calldesk@127.0.0.1:5432/calldesk_test --out /tmp/load.json

Each desktop (asyncio, httpx: the calls the desktop sync makes) holds the notification channel
as the desktop does (GET /api/v1/sync/notifications?changes=1, parsed and checked with the
desktop's own SseParser and feed_step): a step that starts at its cursor is taken as it comes
(the desktop applies it, no request), anything else makes it pull the change feed (GET
/api/v1/sync/changes from its own cursor, within a 0-0.5 s jitter as ConnectivityService does).
`--no-steps` holds the plain channel and pulls on every notification (the design before steps,
for comparison). The floor
pushes tickets and contact logs (POST /api/v1/sync/push, one mutation each) at `--rate` writes
per second in total, from random desktops. The server runs in its own process group on a fresh
schema of `--db` (dropped afterwards) seeded with `--customers` customers.

Reported: pull and push latency p50/p99/max; visible_ms (from a push's start until EVERY other
desktop has that change, by a step or a pull) p50/p99/max; errors; the server's CPU per worker and the
database's share of the server-side CPU (postgres processes vs API workers, psutil); and the
API/direct ratio: the same feed query + head + session check run straight through psycopg in
this process during the run, against the API's pull latency.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # central_serve: how the tests start `central serve` too

import httpx  # noqa: E402
import psutil  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from _common import summary_ms, write_result  # noqa: E402
from _sse_stream import hold_stream  # noqa: E402
from central_serve import ServeFailed, free_port, start_serve, stop_group, wait_ready  # noqa: E402

from calldesk_domain.models import format_ts  # noqa: E402
from calldesk_domain.tickets import new_ticket  # noqa: E402
from desktop.services.notifications import FeedStep, SseEvent, SseParser, feed_seq, feed_step  # noqa: E402

NOTIFY_JITTER_S = 0.5


def raise_fd_limit(wanted: int) -> int:
    """Each desktop holds two connections (stream + requests) on both ends of loopback."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Floor:
    """What every desktop shares: the measurements and the writes in flight."""

    desktops: int
    pulls: list[float] = field(default_factory=list)
    pushes: list[float] = field(default_factory=list)
    visible: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    written: dict[str, tuple[float, int]] = field(default_factory=dict)  # id -> (t0, writer)
    seen_by: dict[str, int] = field(default_factory=dict)
    notifications: int = 0
    steps_taken: int = 0
    running: bool = True

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def pulled(self, desk: int, entity_id: str, now: float) -> None:
        write = self.written.get(entity_id)
        if write is None or write[1] == desk:
            return
        count = self.seen_by.get(entity_id, 0) + 1
        self.seen_by[entity_id] = count
        if count == self.desktops - 1:
            self.visible.append(now - write[0])
            del self.written[entity_id]


_DECODED: dict[tuple[str, str], FeedStep | int | None] = {}


def decoded(event: SseEvent) -> FeedStep | int | None:
    """What the desktop's feed_step/feed_seq make of `event`. Every desktop of a role receives
    the same bytes; each parses its own stream, but the JSON of an identical page is decoded
    once per process: on the floor each PC decodes on its own CPU, and 2,000 decodes of the same
    page on this machine's cores would measure the load generator, not the server."""
    key = (event.event, event.data)
    if key not in _DECODED:
        if len(_DECODED) > 64:
            _DECODED.clear()
        _DECODED[key] = feed_step(event) if event.event == "changes" else feed_seq(event)
    return _DECODED[key]


class Desk:
    def __init__(
        self,
        index: int,
        client: httpx.AsyncClient,
        token: str,
        agent: str,
        floor: Floor,
        since: int,
        steps: bool = True,
    ):
        self.steps = steps
        self.index = index
        self.client = client
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}
        self.agent = agent
        self.floor = floor
        self.since = since
        self.known = since
        self._pull_task: asyncio.Task[None] | None = None
        self._again = False

    async def hold_channel(self, host: str, port: int) -> None:
        target = "/api/v1/sync/notifications" + ("?changes=1" if self.steps else "")
        while self.floor.running:
            read = functools.partial(self.read, SseParser())
            try:
                ended = await hold_stream(host, port, target, self.token, read)
            except OSError as exc:
                ended = type(exc).__name__
            if self.floor.running:
                self.floor.error(f"notify_{ended}")
                await asyncio.sleep(1)

    def read(self, parser: SseParser, body: bytes) -> None:
        for event in parser.feed(body):
            said = decoded(event)
            if said is None:
                continue
            self.floor.notifications += 1
            if isinstance(said, FeedStep):
                self.take(said)
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

    def take(self, step: FeedStep) -> None:
        """A step the cursor stands in is applied from the cursor on (as CacheStore.apply_feed_step
        does); a step past it (a gap) is a pull; one wholly behind it is old news."""
        if step.next_since <= self.since:
            return
        if step.since > self.since:
            self.told(step.next_since)
            return
        now = time.perf_counter()
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
            started = time.perf_counter()
            try:
                response = await self.client.get(
                    "/api/v1/sync/changes", params={"since": self.since, "limit": 1000}, headers=self.headers
                )
            except httpx.HTTPError as exc:
                self.floor.error(f"pull_{type(exc).__name__}")
                return
            if response.status_code != 200:
                self.floor.error(f"pull_http_{response.status_code}")
                return
            body = response.json()
            now = time.perf_counter()
            self.floor.pulls.append(now - started)
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
        started = time.perf_counter()
        self.floor.written[record_id] = (started, self.index)
        try:
            response = await self.client.post(
                "/api/v1/sync/push",
                json={"mutations": [mutation]},
                headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())},
            )
        except httpx.HTTPError as exc:
            self.floor.error(f"push_{type(exc).__name__}")
            self.floor.written.pop(record_id, None)
            return
        self.floor.pushes.append(time.perf_counter() - started)
        status = response.json()["results"][0]["status"] if response.status_code == 200 else None
        if status != "applied":
            self.floor.error(f"push_{response.status_code}_{status}")
            self.floor.written.pop(record_id, None)


def datetime_now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


# ---- the server and its database -----------------------------------------------------------


def fresh_schema(db_url: str) -> tuple[str, str]:
    from central.db import make_engine, parse_db_url

    base = parse_db_url(db_url)
    schema = f"bench_load_{uuid.uuid4().hex[:8]}"
    engine = make_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    ), schema


def drop_schema(db_url: str, schema: str) -> None:
    from central.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def tokens_for(db_url: str, count: int, lifetime_s: int) -> list[tuple[str, str]]:
    """(token, agent id) per desktop: its own sign-in session, users 1001 and 1002 in turn."""
    from central import auth, tokens
    from central.db import make_engine
    from central.tables import users

    engine = make_engine(db_url)
    key = tokens.load_signing_key()
    out = []
    with engine.begin() as conn:
        rows = {
            r.username: r
            for r in conn.execute(sa.select(users).where(users.c.username.in_(["1001", "1002"])))
        }
        for i in range(count):
            row = rows["1001" if i % 2 == 0 else "1002"]
            principal = auth.Principal(row.id, row.username, row.role, row.agent_id, row.display_name, 0)
            session_id, _ = auth.open_session(conn, principal)
            principal = auth.Principal(
                row.id, row.username, row.role, row.agent_id, row.display_name, 0, session_id
            )
            out.append((auth.issue_token(key, principal, lifetime_s=lifetime_s), row.agent_id))
    engine.dispose()
    return out


def cpu_of(processes: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for proc in processes:
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.Error:
            out[proc.pid] = 0.0
    return out


def postgres_processes() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name"]):
        if (proc.info.get("name") or "").startswith("postgres"):
            found.append(proc)
    return found


# ---- direct queries (the baseline) ---------------------------------------------------------


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
            started = time.perf_counter()
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
            out.append(time.perf_counter() - started)
            await asyncio.sleep(0.2)


async def run_floor(
    url: str, db_url: str, creds: list[tuple[str, str]], args: argparse.Namespace, head: int
) -> dict[str, Any]:
    floor = Floor(args.desktops)
    # One client per desktop (as on the floor: its own two connections). A shared pool of
    # thousands of connections costs httpcore O(connections) per request; one SSL context for
    # all, since building one per client is 0.15 s.
    tls = ssl.create_default_context()
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    clients = [httpx.AsyncClient(base_url=url, limits=limits, timeout=30, verify=tls) for _ in creds]
    try:
        desks = [
            Desk(i, clients[i], token, agent, floor, head, steps=not args.no_steps)
            for i, (token, agent) in enumerate(creds)
        ]
        where = httpx.URL(url)
        channels = [asyncio.ensure_future(d.hold_channel(where.host, where.port or 80)) for d in desks]
        channels += [asyncio.ensure_future(d.safety_poll(args.poll_s)) for d in desks]
        await asyncio.sleep(min(30.0, 2.0 + args.desktops / 200))  # everyone connected
        direct: list[float] = []
        since = [head]
        baseline = asyncio.ensure_future(direct_baseline(db_url, floor, since, direct))
        writes: set[asyncio.Task[None]] = set()
        started = time.perf_counter()
        n = 0
        while time.perf_counter() - started < args.seconds:
            n += 1
            task = asyncio.ensure_future(desks[random.randrange(len(desks))].push(n))
            writes.add(task)
            task.add_done_callback(writes.discard)
            since[0] = max(since[0], max(d.since for d in desks[:10]))
            await asyncio.sleep(max(0.0, started + n / args.rate - time.perf_counter()))
        write_seconds = time.perf_counter() - started
        if writes:
            await asyncio.wait(writes, timeout=30)
        drain = time.perf_counter()
        while floor.written and time.perf_counter() - drain < 10:
            await asyncio.sleep(0.1)
        floor.running = False
        unseen = len(floor.written)
        for task in [*channels, baseline]:
            task.cancel()
        await asyncio.gather(*channels, baseline, return_exceptions=True)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)
    if unseen:
        floor.errors["not_visible_everywhere_within_10s"] = unseen
    return {"floor": floor, "direct": direct, "writes": n, "write_seconds": write_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desktops", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default=os.environ.get("CALLDESK_TEST_PG_URL", ""), help="PostgreSQL URL")
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON result (default bench/results/central_load_N.json)"
    )
    parser.add_argument("--rate", type=float, default=50.0, help="writes per second across the floor")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument(
        "--notify-interval", type=float, default=1.0, help="the server's --notify-interval (default 1.0 s)"
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--poll-s", type=float, default=120.0, help="each desktop's safety poll while its channel is up"
    )
    parser.add_argument(
        "--no-steps", action="store_true", help="plain notifications and a pull for each (the old design)"
    )
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        raise SystemExit("--db must be a PostgreSQL URL (or set CALLDESK_TEST_PG_URL)")
    fds = raise_fd_limit(args.desktops * 4 + 1024)
    key_dir = Path(tempfile.mkdtemp(prefix="calldesk-load-"))
    os.environ["CALLDESK_CENTRAL_KEY_FILE"] = str(key_dir / "key.pem")  # the server inherits it
    from central.seed import seed_database

    db_url, schema = fresh_schema(args.db)
    proc: subprocess.Popen | None = None
    server_log = (key_dir / "server.log").open("wb")
    try:
        seed_database(db_url, args.customers, 1)
        creds = tokens_for(db_url, args.desktops, int(args.seconds) + 900)
        port = args.port or free_port()
        url = f"http://127.0.0.1:{port}"
        notify = ("--notify-interval", str(args.notify_interval))
        proc = start_serve(db_url, port, server_log, *notify, workers=args.workers, cwd=ROOT)
        try:
            wait_ready(url, proc, timeout=180)
        except ServeFailed as exc:
            raise SystemExit(f"{exc} ({key_dir / 'server.log'})") from None
        server = psutil.Process(proc.pid)
        workers = (
            [server]
            if args.workers == 1
            else [
                p for p in server.children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())
            ]
        )
        from central.db import make_engine
        from central.notify import read_head

        engine = make_engine(db_url)
        head = read_head(engine)
        engine.dispose()
        cpu_before, pg_before, wall = cpu_of(workers), cpu_of(postgres_processes()), time.perf_counter()
        result = asyncio.run(run_floor(url, db_url, creds, args, head))
        # a fresh list: backends forked for connections opened during the run count too
        cpu_after, pg_after = cpu_of(workers), cpu_of(postgres_processes())
        wall = time.perf_counter() - wall
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()  # the supervisor stops its workers (graceful)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                stop_group(proc)
        server_log.close()
        drop_schema(args.db, schema)
    floor: Floor = result["floor"]
    worker_cpu = {str(pid): round(cpu_after[pid] - cpu_before.get(pid, 0), 2) for pid in cpu_after}
    api_cpu = sum(worker_cpu.values())
    db_cpu = sum(pg_after.get(pid, 0) - pg_before.get(pid, 0) for pid in pg_after)
    pulls, pushes, visible = summary_ms(floor.pulls), summary_ms(floor.pushes), summary_ms(floor.visible)
    direct = summary_ms(result["direct"])
    payload = {
        "desktops": args.desktops,
        "workers": args.workers,
        "seconds": args.seconds,
        "rate_target_per_s": args.rate,
        "notify_interval_s": args.notify_interval,
        "safety_poll_s": args.poll_s,
        "writes": result["writes"],
        "writes_per_s": round(result["writes"] / result["write_seconds"], 1),
        "pull_p50_ms": pulls["p50_ms"],
        "pull_p99_ms": pulls["p99_ms"],
        "pull_max_ms": pulls["max_ms"],
        "pulls": pulls["n"],
        "push_p50_ms": pushes["p50_ms"],
        "push_p99_ms": pushes["p99_ms"],
        "push_max_ms": pushes["max_ms"],
        "visible_p50_ms": visible["p50_ms"],
        "visible_p99_ms": visible["p99_ms"],
        "visible_max_ms": visible["max_ms"],
        "visible_writes": visible["n"],
        "design": "pull per notification" if args.no_steps else "changes in the stream (steps)",
        "notifications_received": floor.notifications,
        "steps_taken": floor.steps_taken,
        "errors": sum(floor.errors.values()),
        "error_kinds": floor.errors,
        "server_cpu_s_per_worker": worker_cpu,
        "server_cpu_util_per_worker": {pid: round(s / wall, 3) for pid, s in worker_cpu.items()},
        "db_cpu_s": round(db_cpu, 2),
        "db_share_of_server_cpu": round(db_cpu / (db_cpu + api_cpu), 3) if db_cpu + api_cpu else None,
        "direct_query_p50_ms": direct["p50_ms"],
        "direct_query_p99_ms": direct["p99_ms"],
        "api_to_direct_pull_p50_ratio": round(pulls["p50_ms"] / direct["p50_ms"], 1) if direct["n"] else None,
        "fd_limit": fds,
        "note": "client and server share the machine's cores; the direct baseline runs in the client",
    }
    path = write_result(f"central_load_{args.desktops}", payload, args.out)
    print(json.dumps({k: v for k, v in payload.items() if not isinstance(v, dict)}, indent=1))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
