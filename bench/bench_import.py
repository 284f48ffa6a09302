"""`calldesk central import orders` throughput against a bare executemany / COPY of the same rows.

    .venv/bin/python bench/bench_import.py --orders 1000000                      # SQLite, the issue's figure
    .venv/bin/python bench/bench_import.py --orders 1000000 \
        --pg postgresql+psycopg://calldesk:calldesk@127.0.0.1:5432/calldesk_test   # PostgreSQL
    .venv/bin/python bench/bench_import.py --orders 20000 --customers 2000        # a quick check

Both sides run in this process, on the same machine state, against the same database server:
SQLite files in one temporary folder, or (--pg URL) a fresh schema in that PostgreSQL database,
dropped afterwards.
1. import: a JSON-lines file of N orders (contract shape) through `central.importing.run_import`:
   parse + validate each line, resolve customers, compare with the stored record, write the order
   table AND the change feed (a version, a feed row), checkpoint after each batch;
2. baseline: the same N rows already converted, into a copy of the orders table alone (no
   validation, no feed), one transaction: `executemany` INSERT on SQLite, COPY on PostgreSQL.
   The floor any import of these rows pays; `ratio_to_raw` = import time / baseline time.
Also timed: a second run of the same file (every row unchanged: the idempotent path), and the
read + validate work alone (`parse_only_s`: no database at all), which says how much of the
ratio is the per-line JSON and validation the baseline skips. `import_peak_rss_mb` is the process's
peak memory after both imports (before the baseline loads every row): the import streams.
The JSON goes to bench/results/import_<N>.json (import_pg_<N>.json for PostgreSQL).
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench._common import write_result
from central.db import make_engine, parse_db_url
from central.importing.reader import read_jsonl
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


def converted_rows(source: Path) -> list[tuple]:
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
    return rows


def parse_only(source: Path) -> float:
    """Read + validate every line as the import does, nothing stored."""
    started = time.perf_counter()
    with source.open("rb") as stream:
        for _line, _offset, row in read_jsonl(stream):
            assert isinstance(row, dict)
            parse_order(row)
    return time.perf_counter() - started


def baseline_sqlite(db: Path, rows: list[tuple]) -> float:
    """executemany of the already-converted rows into a copy of the orders table, one transaction."""
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


def baseline_pg(db_url: str, rows: list[tuple]) -> float:
    """COPY of the already-converted rows into a copy of the orders table, one transaction."""
    engine = make_engine(db_url)
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE orders_raw (id varchar(16) PRIMARY KEY, customer_id varchar(16),"
                " order_no varchar(32) UNIQUE, placed_at timestamptz, status varchar(24),"
                " amount_fen bigint, channel varchar(32), logistics_status varchar(64), items jsonb,"
                " version integer)"
            )
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy("COPY orders_raw FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started
    finally:
        raw.close()
        engine.dispose()


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    base = parse_db_url(base_url)
    schema = f"bench_import_{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def run(db_url: str, root: Path, args: argparse.Namespace, rng: random.Random) -> dict:
    print(f"seeding {args.customers} customers ...", flush=True)
    seed_database(db_url, args.customers, args.seed)
    source = root / "orders.jsonl"
    make_file(source, args.orders, args.customers, rng)
    print(f"{args.orders} orders, {source.stat().st_size / 1e6:.0f} MB of JSON lines", flush=True)
    engine = make_engine(db_url)
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        first = run_import(engine, "orders", source)
        import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        print(first.summary(), flush=True)
        started = time.perf_counter()
        second = run_import(engine, "orders", source)
        again_s = time.perf_counter() - started
        print(second.summary(), flush=True)
    finally:
        engine.dispose()
    assert first.written == args.orders and not first.rejected, first.summary()
    assert second.written == 0 and second.unchanged == args.orders, second.summary()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if resource else None
    parse_s = parse_only(source)
    rows = converted_rows(source)
    cpu_started = time.process_time()
    raw_s = baseline_pg(db_url, rows) if args.pg else baseline_sqlite(root / "raw.db", rows)
    raw_cpu_s = time.process_time() - cpu_started
    return {
        "database": "postgresql" if args.pg else "sqlite",
        "orders": args.orders,
        "customers": args.customers,
        "import_s": round(import_s, 2),
        "import_rows_per_s": round(args.orders / import_s),
        "reimport_unchanged_s": round(again_s, 2),
        "reimport_rows_per_s": round(args.orders / again_s),
        "parse_only_s": round(parse_s, 2),
        "baseline": "COPY" if args.pg else "executemany",
        "raw_s": round(raw_s, 2),
        "raw_rows_per_s": round(args.orders / raw_s),
        "ratio_to_raw": round(import_s / raw_s, 2),
        "ratio_to_parse_plus_raw": round(import_s / (parse_s + raw_s), 2),
        # This process's CPU seconds (the database server's not included): steadier than wall
        # time on a busy machine; on SQLite, where the database runs in-process, the cost itself.
        "import_cpu_s": round(import_cpu_s, 2),
        "raw_cpu_s": round(raw_cpu_s, 2),
        "cpu_ratio_to_raw": round(import_cpu_s / max(raw_cpu_s, 1e-9), 2),
        "import_peak_rss_mb": round(peak_mb) if peak_mb else None,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL: run there, in a new schema")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="calldesk-bench-import-") as folder:
        root = Path(folder)
        if args.pg:
            with pg_schema(args.pg) as db_url:
                result = run(db_url, root, args, rng)
        else:
            result = run(f"sqlite:///{root / 'central.db'}", root, args, rng)
    print(json.dumps(result, indent=2))
    path = write_result(f"import_{'pg_' if args.pg else ''}{args.orders}", result)
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
