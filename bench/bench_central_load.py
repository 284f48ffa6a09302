"""N simulated desktops against a real `calldesk central serve --workers W` on PostgreSQL.

    .venv/bin/python bench/bench_central_load.py --desktops 50 --seconds 20 --workers 2 \
        --db postgresql://calldesk:calldesk@127.0.0.1:5432/calldesk_test --out /tmp/load.json

Each desktop (asyncio; the HTTP calls the desktop sync makes, on one kept connection as its
httpx client keeps it, through the light client of bench/_light_http.py) holds the notification channel
as the desktop does (GET /api/v1/sync/notifications?changes=1, parsed and checked with the
desktop's own SseParser and feed_step): a step that starts at its cursor is taken as it comes
(the desktop applies it, no request), anything else makes it pull the change feed (GET
/api/v1/sync/changes from its own cursor, within a 0-0.5 s jitter as ConnectivityService does).
`--no-steps` holds the plain channel and pulls on every notification (the design before steps,
for comparison). The floor
pushes tickets and contact logs (POST /api/v1/sync/push, one mutation each) at `--rate` writes
per second in total, from random desktops. The server runs in its own process group on a fresh
schema of `--db` (dropped afterwards) seeded with `--customers` customers. The desktops run in
`--client-processes` processes (default 2, bench/_load_floor.py): on a real floor each desktop
is its own PC, and one process parsing 2,000 streams lagged behind every notification burst
and counted its own lag as the server's.

Reported: pull and push latency p50/p99/max (pulls answered before the first write, while every
desktop was still opening its stream, are reported apart as startup_pull_p99_ms); visible_ms
(from a push's start until EVERY other desktop has that change, by a step or a pull)
p50/p99/max; errors; the server's CPU per worker and the database's share of the server-side
CPU (postgres processes vs API workers, psutil); the load generator's own CPU; and the
API/direct ratio: the same feed query + head + session check run straight through psycopg in
the first share's process during the run, against the API's pull latency.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # central_serve: how the tests start `central serve` too

import psutil  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from _common import summary_ms, write_result  # noqa: E402
from _load_floor import ShareConfig, share_main  # noqa: E402
from central_serve import ServeFailed, free_port, start_serve, stop_group, wait_ready  # noqa: E402

from central.pool_defaults import DEFAULT_MAX_QUEUE, DEFAULT_QUEUE_WAIT_S, DEFAULT_THREADS  # noqa: E402


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


def stall_database(start_at: float, at_s: float, for_s: float) -> None:
    """Freeze every PostgreSQL process (SIGSTOP) `at_s` seconds into the writes for `for_s`
    seconds: a database that stops answering for a while (a storage hiccup, a failover), after
    which the API must drain what piled up and recover. Needs the right to signal them (root or
    the postgres user; PostgreSQL on this host)."""
    time.sleep(max(0.0, start_at + at_s - time.monotonic()))
    frozen = []
    try:
        for proc in postgres_processes():
            try:
                proc.suspend()
                frozen.append(proc)
            except psutil.Error as exc:
                print(f"stall: cannot suspend PostgreSQL process {proc.pid}: {exc}", file=sys.stderr)
        print(f"stall: {len(frozen)} PostgreSQL processes frozen for {for_s:g} s", file=sys.stderr)
        time.sleep(for_s)
    finally:
        for proc in frozen:
            with contextlib.suppress(psutil.Error):  # it ended meanwhile
                proc.resume()


def sample_host(
    start_at: float, stop: threading.Event, out: list[dict[str, float]], step_s: float = 10.0
) -> None:
    """The machine's CPU per `step_s` window of the writes, in % of all its cores: busy, and
    stolen by the hypervisor for other guests (steal). The slow spells of the long runs came with
    steal: the host took back part of the 2 cores the API, PostgreSQL and the generator share."""
    time.sleep(max(0.0, start_at - time.monotonic()))
    before, t = psutil.cpu_times(), 0.0
    while not stop.wait(max(0.0, start_at + t + step_s - time.monotonic())):
        now = psutil.cpu_times()
        delta = {field: getattr(now, field) - getattr(before, field) for field in now._fields}
        total = sum(v for k, v in delta.items() if k not in ("guest", "guest_nice")) or 1.0
        idle = delta.get("idle", 0.0) + delta.get("iowait", 0.0)
        steal = delta.get("steal", 0.0)
        out.append(
            {
                "from_s": t,
                "busy_pct": round(100 * (total - idle - steal) / total, 1),
                "steal_pct": round(100 * steal / total, 1),
            }
        )
        before, t = now, t + step_s


def timeline(
    result: dict[str, Any], seconds: float, step_s: float = 10.0, host: list[dict[str, float]] | None = None
) -> list[dict[str, Any]]:
    """Per `step_s` window of the writes: pushes begun, their p50/p99 (ms), shed answers, errors,
    and the machine's busy and stolen CPU (sample_host)."""
    host_at = {h["from_s"]: h for h in host or []}
    windows = []
    starts, durations = result["push_starts"], result["pushes_timed"]
    end = max([seconds, *starts, *result["shed_times"], *result["error_times"]])
    t = 0.0
    while t < end:
        took = sorted(d for s, d in zip(starts, durations, strict=True) if t <= s < t + step_s)
        windows.append(
            {
                "from_s": t,
                "pushes": len(took),
                "push_p50_ms": round(took[len(took) // 2] * 1000, 1) if took else None,
                "push_p99_ms": round(took[min(len(took) - 1, int(len(took) * 0.99))] * 1000, 1)
                if took
                else None,
                "shed": sum(1 for x in result["shed_times"] if t <= x < t + step_s),
                "errors": sum(1 for x in result["error_times"] if t <= x < t + step_s),
                "host_busy_pct": host_at.get(t, {}).get("busy_pct"),
                "host_steal_pct": host_at.get(t, {}).get("steal_pct"),
            }
        )
        t += step_s
    return [w for w in windows if w["pushes"] or w["shed"] or w["errors"]]


# ---- the floor, in shares (bench/_load_floor.py) ------------------------------------------


def run_floor(
    url: str, db_url: str, creds: list[tuple[str, str]], args: argparse.Namespace, head: int
) -> dict[str, Any]:
    """Start one process per share of the floor, start their writes at one moment, merge what
    they measured. A write is visible when every share had it on every desktop (but the
    writer's): the latest share's moment, minus the push's start."""
    shares = max(1, min(args.client_processes, len(creds)))
    spawn = mp.get_context("spawn")
    procs, links = [], []
    for k in range(shares):
        config = ShareConfig(
            url=url,
            db_url=db_url,
            creds=creds[k::shares],
            first_index=k,
            stride=shares,
            seconds=args.seconds,
            rate=args.rate / shares,
            head=head,
            poll_s=args.poll_s,
            steps=not args.no_steps,
            direct_baseline=k == 0,
        )
        parent, child = spawn.Pipe()
        procs.append(spawn.Process(target=share_main, args=(config, child), name=f"floor-share-{k}"))
        links.append(parent)
        procs[-1].start()
    try:
        for link in links:
            said = link.recv()
            if said != "ready":
                raise SystemExit(f"a share of the floor failed to start: {said}")
        start_at = time.monotonic() + 0.5
        for link in links:
            link.send(start_at)
        stall = (
            threading.Thread(target=stall_database, args=(start_at, *args.stall_db), daemon=True)
            if args.stall_db
            else None
        )
        if stall is not None:
            stall.start()
        host: list[dict[str, float]] = []
        host_stop = threading.Event()
        sampler = threading.Thread(target=sample_host, args=(start_at, host_stop, host), daemon=True)
        sampler.start()
        results = [link.recv() for link in links]
        host_stop.set()
        sampler.join()
        if stall is not None:
            stall.join()
    finally:
        for proc in procs:
            proc.join(60)
            if proc.is_alive():
                proc.kill()
    failed = [r["failed"] for r in results if "failed" in r]
    if failed:
        raise SystemExit(f"a share of the floor failed: {failed[0]}")
    return {**merge_shares(results), "host": host}


def merge_shares(results: list[dict[str, Any]]) -> dict[str, Any]:
    written: dict[str, float] = {}
    for result in results:
        written.update(result["written"])
    visible, unseen = [], 0
    for entity_id, t0 in written.items():
        moments = [result["complete"].get(entity_id) for result in results]
        if all(moment is not None for moment in moments):
            visible.append(max(m for m in moments if m is not None) - t0)
        else:
            unseen += 1
    errors: dict[str, int] = {}
    shed: dict[str, int] = {}
    for result in results:
        for kind, count in result["errors"].items():
            errors[kind] = errors.get(kind, 0) + count
        for kind, count in result["shed"].items():
            shed[kind] = shed.get(kind, 0) + count
    if unseen:
        errors["not_visible_everywhere_within_10s"] = unseen
    return {
        "pulls": [v for r in results for v in r["pulls"]],
        "startup_pulls": [v for r in results for v in r["startup_pulls"]],
        "pushes": [v for r in results for v in r["pushes"]],
        "push_starts": [v for r in results for v in r["push_starts"]],
        "pushes_timed": [v for r in results for v in r["pushes"]],  # in push_starts' order
        "shed_times": [v for r in results for v in r["shed_times"]],
        "error_times": [v for r in results for v in r["error_times"]],
        "visible": visible,
        "errors": errors,
        "shed": shed,
        "notifications": sum(r["notifications"] for r in results),
        "steps_taken": sum(r["steps_taken"] for r in results),
        "writes": sum(r["writes"] for r in results),
        "write_seconds": max(r["write_seconds"] for r in results),
        "direct": [v for r in results for v in r["direct"]],
        "client_cpu_s": round(sum(r["cpu_s"] for r in results), 2),
        "client_wall_s": max(r["wall_s"] for r in results),
        "client_processes": len(results),
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _stall(text: str) -> tuple[float, float]:
    try:
        at_s, for_s = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected AT,SECONDS (e.g. 40,15), not {text!r}") from None
    if not (at_s >= 0 and 0 < for_s <= 600):
        raise argparse.ArgumentTypeError(f"AT must be >= 0 and SECONDS 0..600, not {text!r}")
    return at_s, for_s


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
    parser.add_argument(
        "--threads", type=int, default=None, help="the server's --threads per worker (default: the server's)"
    )
    parser.add_argument(
        "--stall-db",
        type=_stall,
        default=None,
        metavar="AT,SECONDS",
        help="freeze PostgreSQL AT seconds into the writes for SECONDS (SIGSTOP; root or postgres)",
    )
    parser.add_argument(
        "--max-queue", type=int, default=None, help="the server's --max-queue (default: the server's)"
    )
    parser.add_argument(
        "--queue-wait",
        type=float,
        default=None,
        help="the server's --queue-wait, seconds (default: the server's)",
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--poll-s", type=float, default=120.0, help="each desktop's safety poll while its channel is up"
    )
    parser.add_argument(
        "--no-steps", action="store_true", help="plain notifications and a pull for each (the old design)"
    )
    parser.add_argument(
        "--client-processes", type=int, default=2, help="processes the simulated desktops run in (default 2)"
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
        if args.threads is not None:
            notify += ("--threads", str(args.threads))
        if args.queue_wait is not None:
            notify += ("--queue-wait", str(args.queue_wait))
        if args.max_queue is not None:
            notify += ("--max-queue", str(args.max_queue))
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
        result = run_floor(url, db_url, creds, args, head)
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
    worker_cpu = {str(pid): round(cpu_after[pid] - cpu_before.get(pid, 0), 2) for pid in cpu_after}
    api_cpu = sum(worker_cpu.values())
    db_cpu = sum(pg_after.get(pid, 0) - pg_before.get(pid, 0) for pid in pg_after)
    pulls, pushes, visible = (
        summary_ms(result["pulls"]),
        summary_ms(result["pushes"]),
        summary_ms(result["visible"]),
    )
    direct = summary_ms(result["direct"])
    payload = {
        "desktops": args.desktops,
        "workers": args.workers,
        "threads_per_worker": args.threads if args.threads is not None else DEFAULT_THREADS,
        "queue_wait_s": args.queue_wait if args.queue_wait is not None else DEFAULT_QUEUE_WAIT_S,
        "max_queue": args.max_queue if args.max_queue is not None else DEFAULT_MAX_QUEUE,
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
        # pulls answered before the first write, while 2,000 streams were opening at once
        "startup_pull_p99_ms": summary_ms(result["startup_pulls"])["p99_ms"],
        "startup_pulls": len(result["startup_pulls"]),
        "push_p50_ms": pushes["p50_ms"],
        "push_p99_ms": pushes["p99_ms"],
        "push_max_ms": pushes["max_ms"],
        "visible_p50_ms": visible["p50_ms"],
        "visible_p99_ms": visible["p99_ms"],
        "visible_max_ms": visible["max_ms"],
        "visible_writes": visible["n"],
        "design": "pull per notification" if args.no_steps else "changes in the stream (steps)",
        "notifications_received": result["notifications"],
        "steps_taken": result["steps_taken"],
        "errors": sum(result["errors"].values()),
        "error_kinds": result["errors"],
        # requests the server answered 503 (load shedding) and the desktop asked again after
        # Retry-After; push latency includes those waits
        "shed": sum(result["shed"].values()),
        "shed_kinds": result["shed"],
        "db_stall": {"at_s": args.stall_db[0], "for_s": args.stall_db[1]} if args.stall_db else None,
        "timeline": timeline(result, args.seconds, host=result["host"]),
        # the machine's CPU over the writes, % of all its cores: busy, and taken by the hypervisor
        "host_busy_pct": _mean([h["busy_pct"] for h in result["host"]]),
        "host_steal_pct": _mean([h["steal_pct"] for h in result["host"]]),
        "host_steal_max_pct": max((h["steal_pct"] for h in result["host"]), default=None),
        "server_cpu_s_per_worker": worker_cpu,
        "server_cpu_util_per_worker": {pid: round(s / wall, 3) for pid, s in worker_cpu.items()},
        "db_cpu_s": round(db_cpu, 2),
        "db_share_of_server_cpu": round(db_cpu / (db_cpu + api_cpu), 3) if db_cpu + api_cpu else None,
        "direct_query_p50_ms": direct["p50_ms"],
        "direct_query_p99_ms": direct["p99_ms"],
        "api_to_direct_pull_p50_ratio": round(pulls["p50_ms"] / direct["p50_ms"], 1) if direct["n"] else None,
        "client_processes": result["client_processes"],
        "client_cpu_s": result["client_cpu_s"],
        "client_cpu_util": round(result["client_cpu_s"] / result["client_wall_s"], 3),
        "fd_limit": fds,
        "note": "client and server share the machine's cores; the direct baseline runs in the client",
    }
    path = write_result(f"central_load_{args.desktops}", payload, args.out)
    print(json.dumps({k: v for k, v in payload.items() if not isinstance(v, dict | list)}, indent=1))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
