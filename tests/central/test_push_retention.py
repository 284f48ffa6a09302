"""Push idempotency records are purged after their retention, and a replay older than that
still creates nothing twice (real central API on loopback, SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from central.push import PushRetention, purge_push_records, scoped_key
from central.tables import idempotency_keys, push_results


def _note_push(central) -> tuple[str, dict]:
    note_id = str(uuid.uuid4())
    note = {"id": note_id, "customer_id": central.sample_customer()["id"], "text": "七天后重放"}
    mutation = {
        "client_id": str(uuid.uuid4()),
        "entity": "note",
        "id": note_id,
        "op": "upsert",
        "base_version": None,
        "data": note,
    }
    return note_id, {"mutations": [mutation]}


def _note_versions(central, note_id: str) -> list[int]:
    rows = central._rows("SELECT version FROM change_log WHERE entity = 'note' AND entity_id = :i", i=note_id)
    return [r[0] for r in rows]


def _count(central, table: str) -> int:
    return central._rows(f"SELECT count(*) FROM {table}")[0][0]


def test_a_replay_after_the_purge_creates_no_second_record(seeded_central):
    central = seeded_central
    note_id, body = _note_push(central)
    key = str(uuid.uuid4())
    with central.client() as client:
        first = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": key})
        assert first.json()["results"][0]["status"] == "applied"
        # Inside the retention the key is replayed verbatim.
        kept = purge_push_records(central.engine, timedelta(days=7))
        assert (kept.idempotency_keys, kept.push_results) == (0, 0)
        again = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": key})
        assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()

        later = datetime.now(UTC) + timedelta(days=8)
        purged = purge_push_records(central.engine, timedelta(days=7), now=later)
        assert (purged.idempotency_keys, purged.push_results) == (1, 1)
        late = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": key})

    assert late.status_code == 200 and "Idempotent-Replayed" not in late.headers
    result = late.json()["results"][0]
    assert result["status"] == "conflict", result  # met the record it made 8 days ago
    assert result["server"]["text"] == "七天后重放" and result["version"] == 1
    assert _note_versions(central, note_id) == [1]
    assert central._rows("SELECT count(*) FROM notes WHERE id = :i", i=note_id)[0][0] == 1


def test_the_push_route_purges_old_rows_and_keeps_recent_ones(seeded_central):
    central = seeded_central
    old = datetime.now(UTC) - timedelta(days=10)
    with central.engine.begin() as conn:
        conn.execute(
            idempotency_keys.insert().values(key="old-key", response={"results": []}, created_at=old)
        )
        conn.execute(
            push_results.insert().values(
                client_id="old-client", entity="note", entity_id="n", result={}, created_at=old
            )
        )
    note_id, body = _note_push(central)
    with central.client() as client:
        response = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": "new-key"})
    assert response.status_code == 200
    keys = {r[0] for r in central._rows("SELECT key FROM idempotency_keys")}
    clients = {r[0] for r in central._rows("SELECT client_id FROM push_results")}
    user_id = central._rows("SELECT id FROM users WHERE username = '1001'")[0][0]
    assert "old-key" not in keys and scoped_key(user_id, "new-key") in keys  # stored per user
    assert "old-client" not in clients and body["mutations"][0]["client_id"] in clients
    assert _note_versions(central, note_id) == [1]


def test_retention_purges_at_most_once_per_interval(central_sqlite_url):
    from central.db import make_engine
    from central.migrate import upgrade

    upgrade(central_sqlite_url)
    engine = make_engine(central_sqlite_url)
    now = [1000.0]
    retention = PushRetention(engine, days=7, interval_s=3600, clock=lambda: now[0])

    def add_old(key: str) -> None:
        with engine.begin() as conn:
            conn.execute(
                idempotency_keys.insert().values(
                    key=key, response={}, created_at=datetime.now(UTC) - timedelta(days=9)
                )
            )

    try:
        add_old("a")
        assert retention.maybe_purge().idempotency_keys == 1
        add_old("b")
        now[0] += 60
        assert retention.maybe_purge() is None  # too soon: "b" stays until the next hour
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(idempotency_keys)).scalar() == 1
        now[0] += 3600
        assert retention.maybe_purge().idempotency_keys == 1
    finally:
        engine.dispose()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", "central", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("days", ["0", "-1", "nan"])
def test_purge_cli_refuses_a_retention_that_is_not_positive(central_sqlite_url, days):
    done = _cli("purge-push", "--db", central_sqlite_url, "--days", days)
    assert done.returncode == 2
    assert "--days must be a number of days above 0" in done.stderr


def test_purge_cli_deletes_old_rows(central_sqlite_url):
    from central.db import make_engine
    from central.migrate import upgrade

    upgrade(central_sqlite_url)
    engine = make_engine(central_sqlite_url)
    with engine.begin() as conn:
        for key, age in (("old", 3), ("new", 0)):
            conn.execute(
                idempotency_keys.insert().values(
                    key=key, response={}, created_at=datetime.now(UTC) - timedelta(days=age, hours=1)
                )
            )
    done = _cli("purge-push", "--db", central_sqlite_url, "--days", "2")
    assert done.returncode == 0, done.stderr
    assert "purged 1 idempotency keys and 0 push results older than 2 days" in done.stdout
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(sa.select(idempotency_keys.c.key))] == ["new"]
    engine.dispose()
