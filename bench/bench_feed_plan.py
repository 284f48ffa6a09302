"""The change feed's page queries on PostgreSQL at a big log (default 100M change rows).

    .venv/bin/python bench/bench_feed_plan.py \
        --db postgresql://calldesk:calldesk@127.0.0.1:5432/calldesk_test --rows 100000000

Builds `change_log` as central/tables.py defines it (primary key, uq_change_log_entity_id,
ix_change_log_entity_seq) in a scratch schema of `--db`, fills it with `--rows` changes in
batches (the indexes other than the key are built after the fill, as a bulk load would), then
VACUUM ANALYZE. Then it runs the API's own feed functions (central/queries.py: `changes_page`
at the head and in the middle of the log, `entity_changes_page`) and EXPLAIN (ANALYZE, BUFFERS)s
each statement they send, exactly as sent. Reported per statement: the plan's scan nodes, whether
any node reads the whole table (a Seq Scan or an aggregate over the log), rows and buffers read,
and the execution time; against it the baseline, the count(*) of the rest of the log that the
feed's `remaining` used to be, timed in the same run. The schema is dropped at the end unless
`--keep`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from _common import write_result  # noqa: E402

from central import queries  # noqa: E402
from central.db import make_engine  # noqa: E402
from central.tables import change_log  # noqa: E402

BATCH = 5_000_000
PAGE = 1000
ENTITIES = ("ticket", "contact", "customer", "note")
WHOLE_LOG_NODES = ("Seq Scan", "Parallel Seq Scan", "Aggregate")


def scratch_engine(db_url: str, schema: str) -> sa.Engine:
    return make_engine(sa.make_url(db_url).update_query_dict({"options": f"-csearch_path={schema}"}))


def build(engine: sa.Engine, rows: int) -> dict[str, float]:
    """change_log with `rows` rows; seconds taken by the fill, the indexes and the vacuum."""
    later = [c for c in change_log.constraints if isinstance(c, sa.UniqueConstraint)]
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateTable(change_log, include_foreign_key_constraints=[]))
        for constraint in later:  # built after the fill, as a bulk load would
            conn.execute(sa.schema.DropConstraint(constraint))
    started = time.perf_counter()
    done = 0
    while done < rows:
        n = min(BATCH, rows - done)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO change_log (entity, entity_id, op, version, data, changed_at) "
                "SELECT (ARRAY['ticket','contact','customer','note'])[1 + mod(g, 4)], "
                "'E-' || g, 'upsert', 1, "
                "jsonb_build_object('id', 'E-' || g, 'status', 'open', 'notes', 'bench'), "
                "now() FROM generate_series(%(first)s, %(last)s) g",
                {"first": done + 1, "last": done + n},
            )
        done += n
        rate = done / (time.perf_counter() - started)
        print(f"filled {done:,} of {rows:,} rows ({rate:,.0f} rows/s)", file=sys.stderr, flush=True)
    fill_s = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        for constraint in later:
            conn.execute(sa.schema.AddConstraint(constraint))
        for index in change_log.indexes:
            conn.execute(sa.schema.CreateIndex(index))
    index_s = time.perf_counter() - started
    print(f"indexes built in {index_s:.0f} s", file=sys.stderr, flush=True)
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE change_log")
    vacuum_s = time.perf_counter() - started
    return {"fill_s": round(fill_s, 1), "index_s": round(index_s, 1), "vacuum_s": round(vacuum_s, 1)}


def statements_of(engine: sa.Engine, call: Any) -> list[tuple[str, Any]]:
    """The statements `call(conn)` sends, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            call(conn)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return sent


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found


def _rows_read(node: dict[str, Any]) -> int:
    produced = int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
    return produced * int(node.get("Actual Loops", 1))


def explain(engine: sa.Engine, statement: str, parameters: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        conn.exec_driver_sql(statement, parameters).all()  # warm, as a serving API is
        raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
        top = raw.scalar_one()
    top = top[0] if isinstance(top, list) else json.loads(top)[0]
    plan_nodes = nodes(top["Plan"])
    return {
        "statement": " ".join(statement.split()),
        "execution_ms": round(top["Execution Time"], 3),
        "scans": [
            f"{n['Node Type']} using {n['Index Name']}" if "Index Name" in n else n["Node Type"]
            for n in plan_nodes
            if "Scan" in n["Node Type"]
        ],
        "reads_whole_log": any(n["Node Type"] in WHOLE_LOG_NODES for n in plan_nodes),
        # rows a node produced plus those its filter dropped: what it had to read
        "rows_read": max(_rows_read(n) for n in plan_nodes),
        "buffers": sum(int(top["Plan"].get(f"Shared {kind} Blocks", 0)) for kind in ("Hit", "Read")),
        "heap_fetches": sum(int(n.get("Heap Fetches", 0)) for n in plan_nodes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL")
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--out", type=Path, help="JSON result (default bench/results/feed_plan_<rows>.json)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch schema")
    args = parser.parse_args()
    if args.rows < 10 * PAGE:
        raise SystemExit(f"--rows must be at least {10 * PAGE}")
    url = args.db.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"bench_feed_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = scratch_engine(url, schema)
    try:
        timings = build(engine, args.rows)
        with engine.connect() as conn:
            head = queries.feed_head(conn)
            size = conn.exec_driver_sql("SELECT pg_total_relation_size('change_log')").scalar_one()
        middle = head // 2
        cases = {
            "page_at_head": lambda c: queries.changes_page(c, head - PAGE // 2, PAGE),
            "page_mid_log": lambda c: queries.changes_page(c, middle, PAGE),
            "entity_page_mid_log": lambda c: queries.entity_changes_page(c, "ticket", middle, PAGE),
        }
        measured: dict[str, list[dict[str, Any]]] = {}
        for name, call in cases.items():
            measured[name] = [explain(engine, s, p) for s, p in statements_of(engine, call)]
        baseline = explain(engine, "SELECT count(*) FROM change_log WHERE seq > %(since)s", {"since": middle})
    finally:
        engine.dispose()
        if not args.keep:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
    page_ms = sum(s["execution_ms"] for s in measured["page_mid_log"])
    payload = {
        "rows": args.rows,
        "table_and_indexes_gb": round(size / 1e9, 2),
        **timings,
        "page_size": PAGE,
        "queries": measured,
        "any_reads_whole_log": any(s["reads_whole_log"] for ss in measured.values() for s in ss),
        "baseline_count_rest_of_log": baseline,
        "page_mid_log_ms": round(page_ms, 3),
        "old_remaining_count_ms": baseline["execution_ms"],
        "count_to_page_ratio": round(baseline["execution_ms"] / page_ms, 1) if page_ms else None,
        "schema_kept": schema if args.keep else None,
    }
    path = write_result(f"feed_plan_{args.rows}", payload, args.out)
    print(json.dumps(payload, indent=1))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
