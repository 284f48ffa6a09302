"""Feed order on PostgreSQL with per-record writer locks (central/writes.py, migration 0014).

Writers of different records no longer wait for each other; a change row takes its final seq at
commit, so a feed reader that has moved its cursor past every committed seq still finds a write
that was in flight at the time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from central.tables import change_log
from central.writes import write_records


@pytest.fixture
def pg_central(seeded_central):
    if seeded_central.engine.dialect.name != "postgresql":
        pytest.skip("the commit-time seq is PostgreSQL's (SQLite has one writer at a time)")
    return seeded_central


def _customer(central, customer_id: str) -> dict[str, Any]:
    with central.client() as client:
        return client.get(f"/api/v1/customers/{customer_id}").json()["customer"]


def _feed_after(central, since: int) -> list[dict[str, Any]]:
    with central.engine.connect() as conn:
        rows = conn.execute(
            sa.select(change_log.c.seq, change_log.c.entity_id, change_log.c.version)
            .where(change_log.c.seq > since)
            .order_by(change_log.c.seq)
        )
        return [row._asdict() for row in rows]


def test_a_write_in_flight_is_found_past_a_cursor_that_moved_beyond_later_commits(pg_central) -> None:
    first, second = _customer(pg_central, "C0000004"), _customer(pg_central, "C0000005")
    head = pg_central.max_seq()
    slow = pg_central.engine.connect()
    slow_tx = slow.begin()
    write_records(slow, "customer", [{**first, "city": "慢"}])  # written, not committed

    finished = threading.Event()

    def other_writer() -> None:
        pg_central.write("customer", {**second, "city": "快"})
        finished.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        # a writer of another record does not wait for the one in flight
        assert finished.wait(10), "a write of another record waited for an uncommitted one"
        seen = _feed_after(pg_central, head)
        assert [row["entity_id"] for row in seen] == ["C0000005"]
        cursor = seen[-1]["seq"]
        slow_tx.commit()
    finally:
        thread.join(10)
        slow.close()
    after = _feed_after(pg_central, cursor)
    assert [(row["entity_id"], row["version"]) for row in after] == [("C0000004", first["version"] + 1)]


def test_the_notification_carries_the_seq_the_write_committed_with(pg_central) -> None:
    import psycopg

    customer = _customer(pg_central, "C0000006")
    url = pg_central.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        schema = listener.execute("SELECT current_schema()").fetchone()[0]
        listener.execute(f'LISTEN "calldesk_feed_{schema}"')
        pg_central.write("customer", {**customer, "city": "通知"})
        payloads = [note.payload for note in listener.notifies(timeout=5, stop_after=1)]
    committed = pg_central.max_seq()
    assert payloads == [str(committed)]
    assert _feed_after(pg_central, committed - 1)[0]["entity_id"] == "C0000006"


def test_a_reader_polling_during_concurrent_writes_sees_every_records_last_version(pg_central) -> None:
    ids = [f"C{n:07d}" for n in range(10, 30)]
    customers = {customer_id: _customer(pg_central, customer_id) for customer_id in ids}
    head = pg_central.max_seq()
    last_version: dict[str, int] = {}
    lock = threading.Lock()
    writing = threading.Event()
    writing.set()
    errors: list[BaseException] = []

    def writer(mine: list[str]) -> None:
        try:
            for round_no in range(5):
                for customer_id in mine:
                    record = {**customers[customer_id], "city": f"城{round_no}"}
                    version = pg_central.write("customer", record)
                    with lock:
                        last_version[customer_id] = max(version, last_version.get(customer_id, 0))
        except BaseException as exc:  # reported below
            errors.append(exc)

    seen: dict[str, int] = {}

    def reader() -> None:
        cursor = head
        while writing.is_set() or cursor < pg_central.max_seq():
            for row in _feed_after(pg_central, cursor):
                seen[row["entity_id"]] = max(row["version"], seen.get(row["entity_id"], 0))
                cursor = row["seq"]
            time.sleep(0.002)

    writers = [threading.Thread(target=writer, args=(ids[n::4],)) for n in range(4)]
    poller = threading.Thread(target=reader)
    poller.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    writing.clear()
    poller.join(60)
    assert not errors
    assert seen == last_version
