"""Sync figures with the central API on loopback (its own process), each against a baseline
measured in the same run.

    .venv/bin/python bench/bench_sync.py                      # 20,000 customers (about 1 min)
    .venv/bin/python bench/bench_sync.py --customers 100000 --db /tmp/central_100k.sqlite3
                                                              # a seeded file, copied first

1. Initial sync (the bootstrap, 180-day detail window) of N customers (PullSync: paging,
   validation, pinyin keys, apply on the worker) vs raw sqlite3 `executemany` of the same
   pop-index rows into the same schema. Goal: 1M <= 60 s and <= 3x raw (bench_initial_sync.py
   times its phases).
2. Incremental sync of 1,000 server-side changes (PullSync.run_incremental) vs raw
   `executemany` of the same customer rows. Goal: <= 1 s.
3. Push of 1,000 outbox rows (PushSync: batches of 100, idempotency stores, one transaction per
   mutation on the server, answers recorded in the cache) vs writing the same 1,000 records
   straight into the central database through `central.writes` in one transaction.
Writes bench/results/sync.json.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from _common import bench_parser, write_result  # noqa: E402
from bench_initial_sync import (  # noqa: E402
    POP_INDEX_TABLES,
    _copy_rows,
    _desktop_sign_in,
    _serve_in_subprocess,
    _timed_sync,
    seed_central,
)

from central.db import make_engine  # noqa: E402
from central.tables import change_log  # noqa: E402
from central.writes import write_records  # noqa: E402
from desktop.cache.outbox import new_id  # noqa: E402
from desktop.cache.store import CacheStore  # noqa: E402
from desktop.services.api import CentralApi  # noqa: E402
from desktop.services.push import PushSync  # noqa: E402
from desktop.services.sync import PullSync  # noqa: E402
from desktop.services.worker import shutdown_worker  # noqa: E402


def _server_edits(db_url: str, count: int) -> list[str]:
    """`count` customer edits on the server (one transaction), as another desktop would make."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        found = conn.execute(
            sa.select(change_log.c.entity_id, change_log.c.data)
            .where(change_log.c.entity == "customer", change_log.c.op == "upsert")
            .limit(count)
        ).all()
        records = [dict(data) for _, data in found]
        for record in records:
            record["city"] = "基准市"
        write_records(conn, "customer", records)
    engine.dispose()
    return [entity_id for entity_id, _ in found]


def _raw_customer_upsert(cache: Path, ids: list[str], target: Path) -> float:
    """Baseline for incremental: raw executemany of the same customer rows into a copy."""
    with sqlite3.connect(cache) as src:
        marks = ", ".join("?" for _ in ids)
        rows = src.execute(f"SELECT * FROM customers WHERE id IN ({marks})", ids).fetchall()
    conn = sqlite3.connect(target, isolation_level=None)
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT OR REPLACE INTO customers VALUES ({', '.join('?' for _ in rows[0])})", rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


async def _incremental(url: str, token: str, cache: Path) -> tuple[float, int]:
    async with CentralApi(url, token=token, timeout=60.0) as api:
        started = time.perf_counter()
        result = await PullSync(api, cache).run_incremental()
        return time.perf_counter() - started, result.applied


async def _push(url: str, token: str, cache: Path, customer_id: str, count: int) -> tuple[float, object]:
    store = CacheStore(cache)
    for n in range(count):
        store.write_local("note", {"id": new_id(), "customer_id": customer_id, "text": f"bench note {n}"})
    store.close()
    async with CentralApi(url, token=token, timeout=60.0) as api:
        started = time.perf_counter()
        result = await PushSync(api, cache, batch_size=100).run()
        return time.perf_counter() - started, result


def _direct_writes(db_url: str, customer_id: str, count: int) -> float:
    engine = make_engine(db_url)
    notes = [{"id": new_id(), "customer_id": customer_id, "text": f"direct {n}"} for n in range(count)]
    started = time.perf_counter()
    with engine.begin() as conn:
        write_records(conn, "note", notes)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--db", type=Path, default=None, help="an already seeded central SQLite file (copied)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="calldesk-bench-sync-") as tmp:
        workdir = Path(tmp)
        db_url = f"sqlite:///{workdir / 'central.sqlite3'}"
        if args.db is not None:  # the bench writes to the server: work on a copy
            shutil.copyfile(args.db, workdir / "central.sqlite3")
            print(f"copied the seeded central database {args.db}", flush=True)
        else:
            print(f"seeding central with {args.customers:,} customers ...", flush=True)
            seed_central(db_url, args.customers, args.seed)
        server, url = _serve_in_subprocess(db_url)
        cache = workdir / "cache.sqlite3"
        try:
            token = _desktop_sign_in(url)
            total_s, initial, stalls, phase_ends = asyncio.run(_timed_sync(url, token, cache, 5000, 180))
            initial_s = phase_ends.get("pop_index", total_s)  # the pop index: what the goal is about
            baseline_pop_s = _copy_rows(cache, workdir / "baseline_pop.sqlite3", POP_INDEX_TABLES)
            ids = _server_edits(db_url, args.changes)
            incremental_s, incremental_applied = asyncio.run(_incremental(url, token, cache))
            baseline_inc_s = _raw_customer_upsert(cache, ids, workdir / "baseline_pop.sqlite3")
            push_s, pushed = asyncio.run(_push(url, token, cache, ids[0], args.pushes))
            direct_s = _direct_writes(db_url, ids[0], args.pushes)
        finally:
            server.terminate()
            server.wait(10)
            shutdown_worker()

    customers = args.customers
    figures = {
        "customers": customers,
        "initial_sync_seconds": initial_s,  # pop-index phase of the bootstrap
        "initial_sync_total_seconds_with_detail_window": total_s,
        "initial_changes_applied": initial.applied,  # type: ignore[attr-defined]
        "initial_max_event_loop_stall_ms": max(stalls, default=0.0) * 1000,
        "baseline_raw_executemany_pop_index_seconds": baseline_pop_s,
        "ratio_initial_vs_raw_pop_index": initial_s / baseline_pop_s,
        "incremental_changes": incremental_applied,
        "incremental_seconds": incremental_s,
        "baseline_raw_executemany_incremental_seconds": baseline_inc_s,
        "ratio_incremental_vs_raw": incremental_s / baseline_inc_s,
        "push_rows": args.pushes,
        "push_seconds": push_s,
        "push_rows_per_s": args.pushes / push_s,
        "push_applied": pushed.applied,  # type: ignore[attr-defined]
        "baseline_direct_central_writes_seconds": direct_s,
        "ratio_push_vs_direct_writes": push_s / direct_s,
    }
    f = figures
    print(
        f"initial sync: {customers:,} customers' pop index in {initial_s:.2f}s (with the 180-day detail "
        f"window {total_s:.2f}s); raw executemany of the pop index "
        f"{baseline_pop_s:.2f}s -> ratio {f['ratio_initial_vs_raw_pop_index']:.1f}x "
        f"(goal for 1M: <= 60 s and <= 3x); "
        f"max event-loop stall {f['initial_max_event_loop_stall_ms']:.1f} ms"
    )
    print(
        f"incremental: {incremental_applied:,} changes in {incremental_s * 1000:.0f} ms (goal <= 1 s); "
        f"raw executemany {baseline_inc_s * 1000:.1f} ms -> ratio {f['ratio_incremental_vs_raw']:.1f}x"
    )
    print(
        f"push: {args.pushes:,} outbox rows in {push_s:.2f}s = {f['push_rows_per_s']:,.0f} rows/s "
        f"({pushed.applied} applied); direct central.writes of the same {direct_s * 1000:.0f} ms "  # type: ignore[attr-defined]
        f"-> ratio {f['ratio_push_vs_direct_writes']:.1f}x"
    )
    name = "sync" if customers == 20_000 else f"sync_{customers}"
    print(f"wrote {write_result(name, figures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
