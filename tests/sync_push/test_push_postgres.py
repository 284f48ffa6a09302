"""Push on PostgreSQL: a customer and a note created offline reach the central API exactly once,
and replaying the very request (same Idempotency-Key) or its mutations (new key) applies nothing
again. The real server on loopback over a PostgreSQL schema; the desktop's real cache file."""

from __future__ import annotations

import json

import httpx
import pytest

from desktop.cache.outbox import new_id
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.customers import customer_record, validate_new_customer
from desktop.services.push import PushSync
from desktop.services.sync import PullSync

pytestmark = pytest.mark.postgres


class RecordingTransport(httpx.AsyncHTTPTransport):
    """The real network transport, keeping each push request that got an answer."""

    def __init__(self) -> None:
        super().__init__()
        self.pushes: list[tuple[str, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = await super().handle_async_request(request)
        if request.url.path.endswith("/sync/push"):
            self.pushes.append((request.headers["Idempotency-Key"], body))
        return response


def _versions(central, entity: str, record_id: str) -> list[int]:
    rows = central._rows(
        "SELECT version FROM change_log WHERE entity = :e AND entity_id = :i", e=entity, i=record_id
    )
    return [r[0] for r in rows]


@pytest.mark.parametrize("seeded_central", ["postgresql"], indirect=True)
async def test_offline_creates_reach_postgresql_once_and_replays_apply_nothing(seeded_central, tmp_path):
    central = seeded_central
    assert central.engine.dialect.name == "postgresql"
    path = tmp_path / "cache.sqlite3"
    transport = RecordingTransport()
    api = CentralApi(central.url, token=central.token, max_retries=0, transport=transport)
    await PullSync(api, path).run()
    store = CacheStore(path)

    customer = customer_record(validate_new_customer("离线 新客", "13800138111"))
    store.write_local("customer", customer)
    note_id = new_id()
    store.write_local("note", {"id": note_id, "customer_id": customer["id"], "text": "离线时记录"})
    offline = CentralApi("http://127.0.0.1:9", token=central.token, max_retries=0, timeout=2)
    with pytest.raises(ApiError):
        await PushSync(offline, path).run()  # no network: both stay queued
    assert store.outbox_count() == 2

    result = await PushSync(api, path).run()
    assert (result.applied, result.remaining) == (2, 0)
    assert _versions(central, "customer", customer["id"]) == [1]
    assert _versions(central, "note", note_id) == [1]
    assert central._rows("SELECT count(*) FROM customers WHERE id = :i", i=customer["id"])[0][0] == 1
    phones = central._rows("SELECT e164 FROM customer_phones WHERE customer_id = :i", i=customer["id"])
    assert [p[0] for p in phones] == ["+8613800138111"]

    [(key, body)] = transport.pushes
    first = json.loads(body)
    with central.client() as client:
        same_key = client.post(
            "/api/v1/sync/push",
            content=body,
            headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        )
        new_key = client.post("/api/v1/sync/push", json=first, headers={"Idempotency-Key": new_id()})
    assert same_key.status_code == new_key.status_code == 200
    assert same_key.headers.get("Idempotent-Replayed") == "true"
    assert [r["status"] for r in same_key.json()["results"]] == ["applied", "applied"]
    assert new_key.json()["results"] == same_key.json()["results"]  # answered from push_results
    assert _versions(central, "customer", customer["id"]) == [1]
    assert _versions(central, "note", note_id) == [1]

    await PullSync(api, path).run()
    assert store.outbox_count() == 0 and store.conflicts() == []
    assert store.pop_card(customer["id"]).name == "离线 新客"
    store.close()
    await api.aclose()
    await offline.aclose()
