"""Benchmark: `central.seed.seed_database` throughput on SQLite.

Seeds N customers (default 100,000) with all their records into a temporary SQLite file and
prints customers/s. Baseline, measured in the same run: a raw `sqlite3.executemany` of the same
customer rows (read back from the seeded file) into the same, freshly migrated `customers`
table: the floor cost of just storing the customers, without generating them, their phones,
orders, points, service and marketing records, and the change log.

Usage: .venv/bin/python bench/bench_seed.py [--customers N] [--seed S]
Writes bench/results/seed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from central.migrate import upgrade  # noqa: E402
from central.seed import seed_database  # noqa: E402


def baseline_customer_insert(seeded: Path, target: Path) -> tuple[int, float]:
    """Raw sqlite3 executemany of the seeded customer rows into an empty migrated table."""
    upgrade(f"sqlite:///{target}")
    with sqlite3.connect(seeded) as source:
        cursor = source.execute("SELECT * FROM customers ORDER BY id")
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    connection = sqlite3.connect(target)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        placeholders = ", ".join("?" for _ in columns)
        started = time.perf_counter()
        with connection:
            connection.executemany(
                f"INSERT INTO customers ({', '.join(columns)}) VALUES ({placeholders})", rows
            )
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    return len(rows), elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "seed.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="calldesk-bench-seed-") as tmp:
        seeded = Path(tmp) / "seeded.db"
        summary = seed_database(f"sqlite:///{seeded}", args.customers, args.seed)
        size_mb = seeded.stat().st_size / 1e6
        baseline_rows, baseline_s = baseline_customer_insert(seeded, Path(tmp) / "baseline.db")

    seed_rate = summary.customers / summary.seconds
    baseline_rate = baseline_rows / baseline_s
    rows_total = (
        summary.customers * 2  # customer row + its change-log row
        + summary.phones
        + 2 * (summary.orders + summary.points + summary.service + summary.marketing)
    )
    result = {
        "benchmark": "seed",
        "customers": summary.customers,
        "seed": args.seed,
        "seconds": round(summary.seconds, 3),
        "customers_per_s": round(seed_rate, 1),
        "rows_written": rows_total,
        "rows_per_s": round(rows_total / summary.seconds, 1),
        "records": {
            "phones": summary.phones,
            "orders": summary.orders,
            "points": summary.points,
            "service": summary.service,
            "marketing": summary.marketing,
        },
        "db_size_mb": round(size_mb, 1),
        "baseline": "raw sqlite3 executemany of the same customer rows into the same table",
        "baseline_customers_per_s": round(baseline_rate, 1),
        "ratio_vs_baseline": round(seed_rate / baseline_rate, 4),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        # other work on the machine skews the figure; recorded where the OS reports it
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    print(
        f"seed: {summary.customers} customers in {summary.seconds:.1f} s = {seed_rate:,.0f} customers/s "
        f"({rows_total:,} rows, {rows_total / summary.seconds:,.0f} rows/s, {size_mb:.0f} MB)"
    )
    print(
        f"baseline (raw executemany of the customer rows only): {baseline_rate:,.0f} customers/s; "
        f"ratio seed/baseline = {seed_rate / baseline_rate:.3f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
