"""`calldesk central import orders` throughput against a bare executemany of the same rows.

    .venv/bin/python bench/bench_import.py --orders 1000000          # the issue's figure
    .venv/bin/python bench/bench_import.py --orders 20000 --customers 2000   # a quick check

Both sides run in this process on SQLite files in one temporary folder, on the same machine state:
1. import: a JSON-lines file of N orders (contract shape) through `central.importing.run_import`:
   parse + validate each line, resolve customers, compare with the stored record, write the order
   table AND the change feed (a version, a feed row), checkpoint after each batch;
2. baseline: the same N rows already converted, `executemany` INSERT into the orders table alone
   (no validation, no feed), one transaction: the floor any import of these rows pays.
The JSON goes to bench/results/import_<N>.json. Also timed: a second run of the same file (every
row unchanged: the idempotent path).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import write_result
from central.db import make_engine
from central.importing.rows import parse_order
from central.importing.run import run_import
from central.seed import seed_database

STATUSES = ("paid", "shipped", "completed", "cancelled")


def make_file(path: Path, orders: int, customers: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(orders):
            price = rng.randint(100, 99_999)
            qty = rng.randint(1, 3)
            order = {
                "order_no": f"OMS{n:012d}",
                "customer_id": f"C{rng.randint(1, customers):07d}",
                "created_at": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T10:00:00+08:00",
                "status": rng.choice(STATUSES),
                "amount": f"{price * qty / 100:.2f}",
                "items": [{"name": "净水器滤芯", "qty": qty, "price": f"{price / 100:.2f}"}],
            }
            out.write(json.dumps(order, ensure_ascii=False) + "\n")


def baseline(db: Path, source: Path) -> float:
    """executemany of the already-parsed rows into a copy of the orders table, one transaction."""
    rows = []
    with source.open("rb") as stream:
        for line in stream:
            record = parse_order(json.loads(line)).record
            rows.append(
                (
                    record["id"],
                    record["customer_id"],
                    record["order_no"],
                    record["placed_at"],
                    record["status"],
                    record["amount_fen"],
                    "",
                    "",
                    json.dumps(record["items"], ensure_ascii=False),
                    1,
                )
            )
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE orders_raw (id TEXT PRIMARY KEY, customer_id TEXT, order_no TEXT UNIQUE,"
        " placed_at TEXT, status TEXT, amount_fen INTEGER, channel TEXT, logistics_status TEXT,"
        " items TEXT, version INTEGER)"
    )
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO orders_raw VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="calldesk-bench-import-") as folder:
        root = Path(folder)
        db_url = f"sqlite:///{root / 'central.db'}"
        print(f"seeding {args.customers} customers ...", flush=True)
        seed_database(db_url, args.customers, args.seed)
        source = root / "orders.jsonl"
        make_file(source, args.orders, args.customers, rng)
        print(f"{args.orders} orders, {source.stat().st_size / 1e6:.0f} MB of JSON lines", flush=True)
        engine = make_engine(db_url)
        try:
            started = time.perf_counter()
            first = run_import(engine, "orders", source)
            import_s = time.perf_counter() - started
            started = time.perf_counter()
            second = run_import(engine, "orders", source)
            again_s = time.perf_counter() - started
        finally:
            engine.dispose()
        assert first.written == args.orders and not first.rejected, first.summary()
        assert second.written == 0 and second.unchanged == args.orders, second.summary()
        raw_s = baseline(root / "raw.db", source)
    result = {
        "orders": args.orders,
        "customers": args.customers,
        "import_s": round(import_s, 2),
        "import_rows_per_s": round(args.orders / import_s),
        "reimport_unchanged_s": round(again_s, 2),
        "raw_executemany_s": round(raw_s, 2),
        "raw_rows_per_s": round(args.orders / raw_s),
        "ratio_to_raw": round(import_s / raw_s, 2),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    print(json.dumps(result, indent=2))
    path = write_result(f"import_{args.orders}", result)
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
