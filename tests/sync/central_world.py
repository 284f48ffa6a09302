"""A private central API for sync tests whose data the test may change (seed, serve, write, inspect)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import httpx
import sqlalchemy as sa

from central.seed import seed_database
from central.server import RunningServer, start_in_thread
from central.writes import apply_changes as central_apply

TABLES = {
    "customers": "customers",
    # Phones of live customers only: the central API (at the time of writing) leaves a deleted
    # customer's phone rows behind, which the feed rightly never sends.
    "phones": "customer_phones p JOIN customers c ON c.id = p.customer_id",
    "orders": "orders",
    "points_entries": "points_entries",
    "service_records": "service_records",
    "marketing_touches": "marketing_touches",
}


class CentralWorld:
    def __init__(self, directory: Path, customers: int, seed: int = 11) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.db_url = f"sqlite:///{directory / 'central.sqlite3'}"
        seed_database(self.db_url, customers, seed)
        self.server: RunningServer = start_in_thread(self.db_url)
        self.url = self.server.url
        self.engine = sa.create_engine(self.db_url)
        response = httpx.post(f"{self.url}/api/v1/auth/token", json={"username": "1001", "password": "demo"})
        self.token = response.json()["access_token"]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for name, table in TABLES.items()
            }

    def owners_by_phone(self) -> dict[str, set[str]]:
        owners: dict[str, set[str]] = defaultdict(set)
        with self.engine.connect() as conn:
            for customer_id, e164 in conn.execute(
                sa.text(
                    "SELECT customer_id, e164 FROM customer_phones p JOIN customers c ON c.id = p.customer_id"
                )
            ):
                owners[e164].add(customer_id)
        return owners

    def max_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT COALESCE(MAX(seq), 0) FROM change_log")).scalar_one())

    def write(self, entity: str, upserts: list[dict] = (), deletes: list[str] = ()) -> None:  # type: ignore[assignment]
        with self.engine.begin() as conn:
            central_apply(conn, entity, upserts=upserts, deletes=deletes)

    def stop(self) -> None:
        self.server.stop()
        self.engine.dispose()
