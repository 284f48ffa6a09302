"""`calldesk central import` on a real, migrated SQLite database: change feed, idempotence, resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from central.db import make_engine
from central.importing.run import run_import
from central.seed import seed_database
from central.tables import change_log, orders

CUSTOMERS = 20


@pytest.fixture
def seeded_db(central_db_url: str) -> str:
    seed_database(central_db_url, CUSTOMERS, 3)
    return central_db_url


def _order(number: int, customer: str = "C0000001", amount: str = "10.00") -> dict:
    return {
        "order_no": f"OMS{number:06d}",
        "customer_id": customer,
        "created_at": "2026-11-30T10:00:00+08:00",
        "status": "paid",
        "amount": amount,
        "items": [{"name": "滤芯", "qty": 1, "price": amount}],
    }


def _write_jsonl(path: Path, rows: list) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)
    )
    return path


def _feed(db_url: str) -> list[tuple]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.select(change_log.c.seq, change_log.c.entity_id, change_log.c.version).where(
                    change_log.c.entity == "order"
                )
            ).all()
    finally:
        engine.dispose()


def test_import_writes_the_change_feed_and_a_second_run_adds_nothing(seeded_db: str, tmp_path: Path) -> None:
    file = _write_jsonl(tmp_path / "orders.jsonl", [_order(n) for n in range(25)])
    before = len(_feed(seeded_db))
    engine = make_engine(seeded_db)
    try:
        first = run_import(engine, "orders", file, batch_rows=10)
        feed = _feed(seeded_db)
        second = run_import(engine, "orders", file, batch_rows=10)
    finally:
        engine.dispose()
    assert (first.written, first.unchanged, first.rejected) == (25, 0, [])
    assert len(feed) == before + 25
    assert (second.written, second.unchanged) == (0, 25)
    assert _feed(seeded_db) == feed  # not one new change row, not one new version


def test_a_changed_row_writes_the_next_version(seeded_db: str, tmp_path: Path) -> None:
    engine = make_engine(seeded_db)
    try:
        run_import(engine, "orders", _write_jsonl(tmp_path / "a.jsonl", [_order(1)]))
        again = run_import(engine, "orders", _write_jsonl(tmp_path / "b.jsonl", [_order(1, amount="12.50")]))
        with engine.connect() as conn:
            row = conn.execute(sa.select(orders).where(orders.c.order_no == "OMS000001")).one()
    finally:
        engine.dispose()
    assert again.written == 1
    assert (row.amount_fen, row.version) == (1250, 2)


def test_bad_rows_and_unknown_customers_are_reported_by_line(seeded_db: str, tmp_path: Path) -> None:
    rows = [
        _order(1),
        "{broken",
        _order(2, customer="C9999999"),
        {**_order(3), "amount": "x"},
        [1, 2],
        _order(4),
    ]
    engine = make_engine(seeded_db)
    try:
        report = run_import(engine, "orders", _write_jsonl(tmp_path / "o.jsonl", rows))
    finally:
        engine.dispose()
    assert report.written == 2
    assert [(r.line, r.field) for r in report.rejected] == [(2, ""), (4, "amount"), (5, "")]
    assert [(r.line, r.field) for r in report.review] == [(3, "customer_id")]
    assert "unknown customer C9999999" in report.review[0].reason


def test_orders_named_by_phone_are_matched_to_the_one_customer(seeded_db: str, tmp_path: Path) -> None:
    engine = make_engine(seeded_db)
    with engine.connect() as conn:
        phones = conn.execute(sa.text("SELECT e164, customer_id FROM customer_phones")).all()
    owners: dict[str, set[str]] = {}
    for e164, customer in phones:
        owners.setdefault(e164, set()).add(customer)
    unique = next(e for e, who in owners.items() if len(who) == 1)
    row = {k: v for k, v in _order(7).items() if k != "customer_id"} | {"customer_phone": unique}
    unknown = {k: v for k, v in _order(8).items() if k != "customer_id"} | {
        "customer_phone": "+8613000000000"
    }
    try:
        report = run_import(engine, "orders", _write_jsonl(tmp_path / "p.jsonl", [row, unknown]))
        with engine.connect() as conn:
            stored = conn.execute(
                sa.select(orders.c.customer_id).where(orders.c.order_no == "OMS000007")
            ).scalar()
    finally:
        engine.dispose()
    assert stored == next(iter(owners[unique]))
    assert report.written == 1 and [r.line for r in report.review] == [2]


class _Interrupt(Exception):
    pass


class _StopAfter:
    """A progress sink that interrupts the import once it has read `rows` rows (like Ctrl+C)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def show(self, offset: int, rows: int, *, final: bool = False) -> None:
        if rows >= self.rows:
            raise _Interrupt


def test_an_interrupted_import_resumes_after_its_last_batch_without_duplicates(
    seeded_db: str, tmp_path: Path
) -> None:
    file = _write_jsonl(
        tmp_path / "big.jsonl", [_order(n, customer=f"C{1 + n % CUSTOMERS:07d}") for n in range(100)]
    )
    before = len(_feed(seeded_db))
    engine = make_engine(seeded_db)
    try:
        with pytest.raises(_Interrupt):
            run_import(engine, "orders", file, batch_rows=15, progress=_StopAfter(52))  # type: ignore[arg-type]
        partial = len(_feed(seeded_db)) - before
        resumed = run_import(engine, "orders", file, batch_rows=15)
    finally:
        engine.dispose()
    assert partial == 45  # three committed batches; the fourth was under way
    assert resumed.resumed_from_line == 45
    assert resumed.rows == 55 and resumed.written == 55
    feed = _feed(seeded_db)
    assert len(feed) == before + 100
    assert len({entity_id for _, entity_id, _ in feed}) == len(feed)
    assert not (tmp_path / "big.jsonl.import-state.json").exists()


def test_csv_import(seeded_db: str, tmp_path: Path) -> None:
    file = tmp_path / "orders.csv"
    file.write_text(
        "order_no,customer_id,created_at,status,amount,items\n"
        "C1,C0000002,2026-11-01T08:00:00Z,shipped,5.5,"
        '"[{""name"": ""杯子"", ""qty"": 2, ""price"": ""2.75""}]"\n'
        "C2,C0000002,2026-11-01T08:00:00Z,shipped\n",
        encoding="utf-8",
    )
    engine = make_engine(seeded_db)
    try:
        report = run_import(engine, "orders", file)
    finally:
        engine.dispose()
    assert report.written == 1
    assert [(r.line, r.reason) for r in report.rejected] == [(3, "4 columns, the header has 6")]


def test_the_cli_contract(seeded_db: str, tmp_path: Path) -> None:
    file = _write_jsonl(tmp_path / "o.jsonl", [_order(1), "nope", _order(2)])
    command = [
        sys.executable,
        "-m",
        "desktop.cli",
        "central",
        "import",
        "orders",
        str(file),
        "--db",
        seeded_db,
    ]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120)
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "rejected line 2: not JSON" in first.stderr
    assert "2 written" in first.stdout
    assert second.returncode == 0 and "0 written, 2 unchanged" in second.stdout
    missing = subprocess.run(
        [*command[:6], str(tmp_path / "none.jsonl"), *command[7:]], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_source_versions_decide_and_a_stale_row_changes_nothing(seeded_db: str, tmp_path: Path) -> None:
    engine = make_engine(seeded_db)
    try:
        first = run_import(engine, "orders", _write_jsonl(tmp_path / "a.jsonl", [_order(5) | {"version": 2}]))
        feed = _feed(seeded_db)
        older = {**_order(5, amount="99.00"), "version": 1}
        same = {**_order(5, amount="98.00"), "version": 2}
        stale = run_import(engine, "orders", _write_jsonl(tmp_path / "b.jsonl", [older, same]))
        unchanged_feed = _feed(seeded_db)
        newest = _order(5, amount="12.00") | {"version": 3}
        newer = run_import(engine, "orders", _write_jsonl(tmp_path / "c.jsonl", [newest]))
        with engine.connect() as conn:
            row = conn.execute(sa.select(orders).where(orders.c.order_no == "OMS000005")).one()
    finally:
        engine.dispose()
    assert first.written == 1
    assert (stale.written, stale.unchanged) == (0, 2) and unchanged_feed == feed
    assert newer.written == 1 and (row.amount_fen, row.version) == (1200, 2)


def test_a_file_of_many_bad_rows_is_counted_and_streamed_not_kept(
    seeded_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from central.importing import run as run_module

    monkeypatch.setattr(run_module, "KEPT_ROWS", 5)
    rows = ["{bad"] * 12 + [_order(n, customer="C9999999") for n in range(8)] + [_order(99)]
    seen: list[str] = []
    engine = make_engine(seeded_db)
    try:
        report = run_import(
            engine,
            "orders",
            _write_jsonl(tmp_path / "bad.jsonl", rows),
            batch_rows=3,
            on_rejected=lambda row: seen.append(f"rejected {row.line}"),
            on_review=lambda row: seen.append(f"review {row.line}"),
        )
    finally:
        engine.dispose()
    assert (report.rejected_count, report.review_count, report.written) == (12, 8, 1)
    assert [r.line for r in report.rejected] == [1, 2, 3, 4, 5]
    assert [r.line for r in report.review] == [13, 14, 15, 16, 17]
    assert seen == [f"rejected {n}" for n in range(1, 13)] + [f"review {n}" for n in range(13, 21)]
    assert "12 rejected, 8 for review" in report.summary()


def test_the_cli_writes_rejected_and_review_rows_to_the_rejects_file(seeded_db: str, tmp_path: Path) -> None:
    file = _write_jsonl(tmp_path / "o.jsonl", [_order(1), "nope", _order(2, customer="C9999999")])
    rejects = tmp_path / "rejects.txt"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop.cli",
            "central",
            "import",
            "orders",
            str(file),
            "--db",
            seeded_db,
            "--rejects",
            str(rejects),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("rejected line 2: not JSON")
    assert lines[1] == "review line 3: customer_id: unknown customer C9999999"
    assert "review line 3" in done.stderr and "1 written" in done.stdout
