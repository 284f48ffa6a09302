"""Initial sync (bootstrap) into a fresh cache, and pop-index lookups, each against a raw sqlite3 baseline.

    .venv/bin/python bench/bench_initial_sync.py                 # 20,000 customers (< 1 min)
    .venv/bin/python bench/bench_initial_sync.py --customers 1000000 --db /tmp/central_1m.sqlite3

1. Seeds a central API (SQLite) with N customers (or takes an already seeded `--db` file: seeding
   1M takes ~15 min) and serves it on 127.0.0.1 in its own process.
2. Times PullSync's bootstrap into a fresh cache (HTTP paging + validation + pinyin keys + apply
   on the worker thread): the pop-index phase (pops answer from the cache from its end), the
   search-index build that follows it (name, pinyin, phone-suffix and substring search), the
   detail-window phase (`--window-days`, default 180 like Settings.detail_window_days) and the
   total, while a ticker on the event loop records the longest stall (the UI-thread budget is
   16 ms per frame).
3. Baseline, same run: raw sqlite3 `executemany` of the very same pop-index rows (customers,
   phones and name_grams, read back from the synced cache) into a fresh file with the same schema,
   every index present, and the bootstrap's page cache size; the ratios are pop-index phase /
   baseline and pop-index phase + search-index build / baseline. Also customers + phones alone,
   and all rows (detail tables too) against the total.
4. `CacheStore.lookup_phone` p50/p99 vs a raw indexed sqlite3 SELECT on the same file.
Writes bench/results/initial_sync.json (or --out). CALLDESK_BENCH_STALLS=1 also lists every
event-loop stall over 16 ms with the sync phase it fell in.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from _common import bench_parser  # noqa: E402

from desktop import interpreter  # noqa: E402
from desktop.cache.migrate import upgrade  # noqa: E402
from desktop.cache.store import BULK_CACHE_KIB, CacheStore  # noqa: E402
from desktop.services import heap  # noqa: E402
from desktop.services.api import CentralApi  # noqa: E402
from desktop.services.sync import PullSync, SyncProgress  # noqa: E402
from desktop.services.worker import shutdown_worker  # noqa: E402

TABLES = ("customers", "phones", "orders", "points_entries", "service_records", "marketing_touches")


POP_INDEX_TABLES = ("customers", "phones", "name_grams")


async def _timed_sync(
    url: str, token: str, cache: Path, page_size: int, window_days: int | None
) -> tuple[float, object, list[float], dict[str, float]]:
    stalls: list[float] = []
    done = asyncio.Event()
    phase_ends: dict[str, float] = {}

    current = {"phase": "start"}
    late: list[tuple[float, str, float]] = []

    async def ticker() -> None:
        interval = 0.005
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(interval)
            stall = time.perf_counter() - before - interval
            stalls.append(stall)
            if stall > 0.016:
                late.append((before - t0, current["phase"], stall * 1000))

    t0 = time.perf_counter()
    tick = asyncio.create_task(ticker())
    async with CentralApi(url, token=token, timeout=60.0) as api:
        started = time.perf_counter()

        def progress(value: SyncProgress) -> None:  # the last report of a phase marks its end
            current["phase"] = value.phase
            phase_ends[value.phase] = time.perf_counter() - started
            phase_ends.setdefault(f"{value.phase}_first", phase_ends[value.phase])

        sync = PullSync(api, cache, bootstrap_page_size=page_size, detail_window_days=window_days)
        result = await sync.run(progress=progress)
        seconds = time.perf_counter() - started
    done.set()
    await tick
    if os.environ.get("CALLDESK_BENCH_STALLS"):
        for at, phase, ms in late:
            print(f"  stall {ms:6.1f} ms at {at:7.2f} s, after a {phase} report", flush=True)
    return seconds, result, stalls, phase_ends


def seed_central(db_url: str, customers: int, seed: int) -> None:
    """`calldesk central seed` in its own process, timed (its generator state stays out of our heap)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "desktop.cli", "central", "seed", "--db", db_url,
         "--customers", str(customers), "--seed", str(seed)],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"  seeded in {time.perf_counter() - started:.1f}s", flush=True)


def _desktop_sign_in(url: str) -> str:
    """The demo agent's access token, and from here on the desktop's interpreter settings
    (desktop/interpreter.py: 1 ms switch interval, no automatic collection, its start-up heap
    frozen), so the figures that follow are the desktop's."""
    token = httpx.post(f"{url}/api/v1/auth/token", json={"username": "1001", "password": "demo"}).json()[
        "access_token"
    ]
    interpreter.configure(automatic_gc=False)
    heap.settle()
    return str(token)


def _serve_in_subprocess(db_url: str) -> tuple[subprocess.Popen, str]:
    """The central API in its own process, as in production: it must not share our GIL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop.cli", "central", "serve", "--db", db_url, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the central API did not start")


def _copy_rows(source: Path, target: Path, tables: tuple[str, ...]) -> float:
    """Raw executemany of `tables`' rows from `source` into a fresh migrated `target`; seconds."""
    with sqlite3.connect(source) as src:
        rows = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    upgrade(target)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")  # the page cache the bootstrap has too
    started = time.perf_counter()
    conn.execute("BEGIN")
    for table, table_rows in rows.items():
        if table_rows:
            marks = ", ".join("?" for _ in table_rows[0])
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _lookups(cache: Path, count: int, seed: int) -> dict[str, float]:
    raw = sqlite3.connect(cache)
    phones = [r[0] for r in raw.execute("SELECT e164 FROM phones")]
    picks = random.Random(seed).choices(phones, k=count)
    store = CacheStore(cache)
    raw_query = (
        "SELECT c.id, c.name, c.tier, c.membership_level, c.points_balance, c.churn_risk, c.churn_reasons,"
        " c.tags FROM phones p JOIN customers c ON c.id = p.customer_id WHERE p.e164 = ?"
    )
    for e164 in picks[:200]:  # warm both paths equally
        store.lookup_phone(e164)
        raw.execute(raw_query, (e164,)).fetchall()
    ours, baseline = [], []
    for e164 in picks:
        t0 = time.perf_counter()
        cards = store.lookup_phone(e164)
        t1 = time.perf_counter()
        rows = raw.execute(raw_query, (e164,)).fetchall()
        t2 = time.perf_counter()
        assert len(cards) == len(rows) >= 1
        ours.append((t1 - t0) * 1000)
        baseline.append((t2 - t1) * 1000)
    store.close()
    raw.close()
    return {
        "lookup_phone_p50_ms": statistics.median(ours),
        "lookup_phone_p99_ms": _percentile(ours, 0.99),
        "raw_select_p50_ms": statistics.median(baseline),
        "raw_select_p99_ms": _percentile(baseline, 0.99),
    }


def _searches(cache: Path, seed: int, per_kind: int = 200) -> dict[str, float]:
    """`CacheStore.search` p50/max per kind of query, against a naive `name LIKE '%q%'` scan."""
    rng = random.Random(seed)
    raw = sqlite3.connect(cache)
    people = raw.execute("SELECT id, name, name_initials FROM customers").fetchall()
    phones = [r[0] for r in raw.execute("SELECT e164 FROM phones")]
    order_nos = [r[0] for r in raw.execute("SELECT order_no FROM orders")] or ["none"]
    picks = rng.sample(people, min(per_kind, len(people)))
    queries = {
        "name": [name for _, name, _ in picks],
        "pinyin_initials": [initials for _, _, initials in picks],
        "phone_last4": [e164[-4:] for e164 in rng.sample(phones, min(per_kind, len(phones)))],
        "order_no": rng.sample(order_nos, min(per_kind, len(order_nos))),
        "customer_id": [cid for cid, _, _ in picks],
        "no_match": ["不存在的人"] * 20,
    }
    store = CacheStore(cache)
    figures: dict[str, float] = {}
    for kind, texts in queries.items():
        times = []
        for text in texts:
            t0 = time.perf_counter()
            store.search(text, 20)
            times.append((time.perf_counter() - t0) * 1000)
        figures[f"search_{kind}_p50_ms"] = statistics.median(times)
        figures[f"search_{kind}_max_ms"] = max(times)
    for kind in ("name", "no_match"):
        times = []
        for text in queries[kind]:
            t0 = time.perf_counter()
            raw.execute("SELECT id FROM customers WHERE name LIKE ? LIMIT 20", (f"%{text}%",)).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        figures[f"raw_like_{kind}_p50_ms"] = statistics.median(times)
    store.close()
    raw.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=5000, help="bootstrap page size")
    parser.add_argument("--window-days", type=int, default=180, help="detail window; -1 = every record")
    parser.add_argument(
        "--db", type=Path, default=None, help="central SQLite file, seeded if it does not exist"
    )
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "initial_sync.json")
    args = parser.parse_args(argv)

    window_days = None if args.window_days < 0 else args.window_days
    with tempfile.TemporaryDirectory(prefix="calldesk-bench-") as tmp:
        workdir = Path(tmp)
        db_path = args.db if args.db is not None else workdir / "central.sqlite3"
        db_url = f"sqlite:///{db_path}"
        if not db_path.exists():
            print(f"seeding central with {args.customers:,} customers ...", flush=True)
            # Seeding runs in its own process too: its generator state must not sit in our heap,
            # where every full garbage collection during the sync would have to walk it.
            seed_central(db_url, args.customers, args.seed)
        else:
            print(f"using the seeded central database {db_path}", flush=True)
        server, url = _serve_in_subprocess(db_url)
        try:
            token = _desktop_sign_in(url)
            cache = workdir / "cache.sqlite3"
            sync_s, result, stalls, phase_ends = asyncio.run(
                _timed_sync(url, token, cache, args.page_size, window_days)
            )
        finally:
            server.terminate()
            server.wait(10)
        shutdown_worker()

        with CacheStore(cache) as store:
            counts = store.counts()
            cache_bytes = store.file_size_bytes()
        baseline_pop_s = _copy_rows(cache, workdir / "baseline_pop.sqlite3", POP_INDEX_TABLES)
        baseline_cp_s = _copy_rows(cache, workdir / "baseline_cp.sqlite3", ("customers", "phones"))
        baseline_all_s = _copy_rows(cache, workdir / "baseline_all.sqlite3", (*TABLES, "name_grams"))
        lookups = _lookups(cache, args.lookups, args.seed)
        searches = _searches(cache, args.seed)

    customers = counts["customers"]
    pop_s = phase_ends.get("pop_index", sync_s)  # pops answer from the cache from here on
    indexed_s = phase_ends.get("search_index", pop_s)  # ... and name/pinyin/suffix search too
    details_s = phase_ends.get("details", indexed_s) - indexed_s
    figures = {
        "customers": customers,
        "detail_window_days": window_days,
        "changes_applied": result.applied,  # type: ignore[attr-defined]
        "pages": result.pages,  # type: ignore[attr-defined]
        "page_size": args.page_size,
        "pop_index_phase_seconds": pop_s,
        "search_index_build_seconds": indexed_s - pop_s,
        "pop_and_search_index_seconds": indexed_s,
        "detail_window_phase_seconds": details_s,
        "sync_seconds": sync_s,
        "pop_index_customers_per_s": customers / pop_s,
        "sync_changes_per_s": result.applied / sync_s,  # type: ignore[attr-defined]
        "max_event_loop_stall_ms": max(stalls, default=0.0) * 1000,
        "p99_event_loop_stall_ms": _percentile(stalls, 0.99) * 1000 if stalls else 0.0,
        "event_loop_ticks": len(stalls),
        "baseline_raw_executemany_pop_index_seconds": baseline_pop_s,
        "baseline_pop_index_customers_per_s": customers / baseline_pop_s,
        "baseline_raw_executemany_customers_phones_seconds": baseline_cp_s,
        "baseline_raw_executemany_all_rows_seconds": baseline_all_s,
        "ratio_pop_index_phase_vs_raw_pop_index": pop_s / baseline_pop_s,
        "ratio_pop_and_search_index_vs_raw_pop_index": indexed_s / baseline_pop_s,
        "ratio_pop_index_phase_vs_raw_customers_phones": pop_s / baseline_cp_s,
        "ratio_sync_vs_raw_all_rows": sync_s / baseline_all_s,
        **lookups,
        "ratio_lookup_p50_vs_raw": lookups["lookup_phone_p50_ms"] / lookups["raw_select_p50_ms"],
        **searches,
        "ratio_search_name_p50_vs_raw_like": searches["search_name_p50_ms"]
        / searches["raw_like_name_p50_ms"],
        "cache_bytes": cache_bytes,
        "counts": counts,
        # other jobs on the machine inflate absolute times; the raw baseline runs under the same load
        "load_average_1m_at_end": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(),
    }
    f = figures
    print(
        f"initial sync (bootstrap): {customers:,} customers, {f['changes_applied']:,} records in "
        f"{f['pages']} pages, total {sync_s:.2f}s"
    )
    print(
        f"  pop-index phase {pop_s:.2f}s = {f['pop_index_customers_per_s']:,.0f} customers/s; "
        f"search indexes built by {indexed_s:.2f}s (+{indexed_s - pop_s:.2f}s); "
        f"detail window ({window_days if window_days is not None else 'all'} days) phase {details_s:.2f}s"
    )
    print(
        f"  baseline raw executemany, pop index (customers+phones+name_grams): {baseline_pop_s:.2f}s "
        f"-> ratio {f['ratio_pop_index_phase_vs_raw_pop_index']:.2f}x "
        f"({f['ratio_pop_and_search_index_vs_raw_pop_index']:.2f}x with the search indexes built)"
    )
    print(
        f"  baseline raw executemany, customers+phones only: {baseline_cp_s:.2f}s "
        f"-> ratio {f['ratio_pop_index_phase_vs_raw_customers_phones']:.2f}x"
    )
    print(
        f"  baseline raw executemany, all rows: {baseline_all_s:.2f}s "
        f"-> total ratio {f['ratio_sync_vs_raw_all_rows']:.2f}x"
    )
    print(
        f"  event-loop stall during sync: p99 {f['p99_event_loop_stall_ms']:.1f} ms, "
        f"max {f['max_event_loop_stall_ms']:.1f} ms over {f['event_loop_ticks']:,} ticks (frame: 16 ms)"
    )
    print(
        f"lookup_phone p50 {f['lookup_phone_p50_ms']:.3f} ms, p99 {f['lookup_phone_p99_ms']:.3f} ms; "
        f"raw SELECT p50 {f['raw_select_p50_ms']:.3f} ms, p99 {f['raw_select_p99_ms']:.3f} ms "
        f"-> ratio {f['ratio_lookup_p50_vs_raw']:.1f}x"
    )
    print(
        "search p50 / max (ms): "
        + ", ".join(
            f"{kind} {f[f'search_{kind}_p50_ms']:.2f}/{f[f'search_{kind}_max_ms']:.2f}"
            for kind in ("name", "pinyin_initials", "phone_last4", "order_no", "customer_id", "no_match")
        )
    )
    print(
        f"  baseline raw name LIKE '%q%' p50: hit {f['raw_like_name_p50_ms']:.2f} ms, "
        f"miss {f['raw_like_no_match_p50_ms']:.2f} ms -> name search ratio "
        f"{f['ratio_search_name_p50_vs_raw_like']:.2f}x"
    )
    print(f"cache file: {cache_bytes / 1e6:.1f} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
