"""Push against the real central API on 127.0.0.1: idempotency, conflicts, merges, ordering,
rejections, and the cache side's handling of bad answers."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cache.merge_policy import merge_fields
from desktop.cache.outbox import new_id
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.push import PushSync
from desktop.services.sync import PullSync


def _mutation(client_id: str, entity: str, record_id: str, data: dict | None, base: int | None, op="upsert"):
    return {
        "client_id": client_id,
        "entity": entity,
        "id": record_id,
        "op": op,
        "base_version": base,
        "data": data,
    }


def _version(central, entity: str, record_id: str) -> int | None:
    rows = central._rows(
        "SELECT version FROM change_log WHERE entity = :e AND entity_id = :i", e=entity, i=record_id
    )
    return rows[0][0] if rows else None


def _server_customer(client, customer_id: str) -> dict:
    return client.get(f"/api/v1/customers/{customer_id}").json()["customer"]


# ---- the server contract --------------------------------------------------------------------


def test_replayed_idempotency_key_returns_the_stored_answer(seeded_central_sqlite):
    central = seeded_central_sqlite
    note = {"id": new_id(), "customer_id": central.sample_customer()["id"], "text": "回访"}
    body = {"mutations": [_mutation(new_id(), "note", note["id"], note, None)]}
    key = str(uuid.uuid4())
    with central.client() as client:
        first = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": key})
        again = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert first.json()["results"][0]["status"] == "applied"
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _version(central, "note", note["id"]) == 1


def test_a_client_id_is_applied_once_even_under_a_new_key(seeded_central_sqlite):
    central = seeded_central_sqlite
    customer = central.sample_customer()
    with central.client() as client:
        record = _server_customer(client, customer["id"])
        before = record["version"]
        record["city"] = "杭州"
        body = {"mutations": [_mutation(new_id(), "customer", record["id"], record, before)]}
        answers = [
            client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}).json()
            for _ in range(3)
        ]
        assert [a["results"][0]["status"] for a in answers] == ["applied"] * 3
        assert {a["results"][0]["version"] for a in answers} == {before + 1}
        assert _server_customer(client, customer["id"])["version"] == before + 1


def test_stale_base_version_is_a_conflict_with_the_server_copy(seeded_central_sqlite):
    central = seeded_central_sqlite
    customer = central.sample_customer()
    with central.client() as client:
        record = _server_customer(client, customer["id"])
        stale = record["version"] - 1 if record["version"] > 1 else record["version"] + 5
        record["city"] = "西安"
        body = {"mutations": [_mutation(new_id(), "customer", record["id"], record, stale)]}
        result = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": new_id()}).json()
    answer = result["results"][0]
    assert answer["status"] == "conflict"
    assert answer["server"]["id"] == customer["id"] and answer["server"]["city"] != "西安"
    assert answer["version"] == answer["server"]["version"]


@pytest.mark.parametrize(
    ("entity", "data", "field"),
    [
        ("customer", {"name": ""}, "name"),
        ("customer", {"name": "张三", "phones": [{"e164": "12"}]}, "phones"),
        ("customer", {"name": "张三", "tier": "gold"}, "tier"),
        ("note", {"customer_id": "C0000001", "text": ""}, "text"),
        ("planet", {"name": "x"}, "entity"),
    ],
)
def test_invalid_records_are_rejected_with_the_field(seeded_central_sqlite, entity, data, field):
    record_id = "LBAD" + uuid.uuid4().hex[:8]
    body = {"mutations": [_mutation(new_id(), entity, record_id, {**data, "id": record_id}, None)]}
    with seeded_central_sqlite.client() as client:
        response = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": new_id()})
    answer = response.json()["results"][0]
    assert (answer["status"], answer["field"]) == ("rejected", field)
    assert answer["message"]
    assert _version(seeded_central_sqlite, entity, record_id) is None


def test_push_without_idempotency_key_or_with_a_bad_body_is_refused(seeded_central_sqlite):
    with seeded_central_sqlite.client() as client:
        missing = client.post("/api/v1/sync/push", json={"mutations": []})
        bad = client.post(
            "/api/v1/sync/push", json={"mutations": [{"x": 1}]}, headers={"Idempotency-Key": "k"}
        )
        not_json = client.post(
            "/api/v1/sync/push",
            content=b"{",
            headers={"Idempotency-Key": "k2", "Content-Type": "application/json"},
        )
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "Idempotency-Key"
    assert bad.status_code == 422 and not_json.status_code == 422


# ---- desktop push ---------------------------------------------------------------------------


async def _desktop(central, path: Path) -> tuple[CacheStore, CentralApi]:
    api = CentralApi(central.url, token=central.token, max_retries=0)
    await PullSync(api, path).run()
    return CacheStore(path), api


async def test_offline_writes_reach_the_server_once_in_order(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    store, api = await _desktop(central, tmp_path / "a.sqlite3")
    customer_id = central.sample_customer()["id"]
    before = _version(central, "customer", customer_id)
    for city in ("一", "二", "三"):
        record = store.customer_detail(customer_id).customer.to_dict()
        record["city"] = city
        store.write_local("customer", record)
    note_id = new_id()
    store.write_local("note", {"id": note_id, "customer_id": customer_id, "text": "first"})
    store.write_local("note", {"id": note_id, "customer_id": customer_id, "text": "second"})
    assert store.outbox_count() == 5
    result = await PushSync(api, tmp_path / "a.sqlite3").run()
    assert (result.applied, result.remaining, result.conflicts) == (5, 0, 0)
    assert _version(central, "customer", customer_id) == before + 3
    with central.client() as client:
        assert _server_customer(client, customer_id)["city"] == "三"
    assert _version(central, "note", note_id) == 2
    await PullSync(api, tmp_path / "a.sqlite3").run()
    assert store.local_records("note")[0]["text"] == "second"
    assert store.customer_detail(customer_id).customer.version == before + 3
    store.close()
    await api.aclose()


async def test_non_overlapping_edits_merge_and_overlapping_ones_are_listed(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    store, api = await _desktop(central, tmp_path / "a.sqlite3")
    customer_id = central.sample_customer()["id"]
    # staff read the full numbers: these copies are written straight back into the database
    staff = {"Authorization": f"Bearer {central.token_for('super')}"}
    with httpx.Client(base_url=central.url, headers=staff, timeout=10) as client:
        server_copy = _server_customer(client, customer_id)
    # The server moves on (email), the desktop edits another field (city) offline: merged.
    central.write("customer", {**server_copy, "email": "merged@example.cn"})
    local = store.customer_detail(customer_id).customer.to_dict()
    store.write_local("customer", {**local, "city": "成都"})
    result = await PushSync(api, tmp_path / "a.sqlite3").run()
    assert (result.merged, result.applied, result.conflicts) == (1, 1, 0)
    with httpx.Client(base_url=central.url, headers=staff, timeout=10) as client:
        merged = _server_customer(client, customer_id)
    assert (merged["city"], merged["email"]) == ("成都", "merged@example.cn")

    # Now both change the city: the server wins, the agent's copy is listed.
    await PullSync(api, tmp_path / "a.sqlite3").run()
    central.write("customer", {**merged, "city": "服务器"})
    local = store.customer_detail(customer_id).customer.to_dict()
    store.write_local("customer", {**local, "city": "本地"})
    result = await PushSync(api, tmp_path / "a.sqlite3").run()
    assert result.conflicts == 1 and result.remaining == 0
    [conflict] = store.conflicts()
    assert (conflict.local["city"], conflict.server["city"]) == ("本地", "服务器")
    assert store.customer_detail(customer_id).customer.city == "服务器"  # server copy shown

    # Re-apply: queued on the server's current version, then it goes through.
    store.reapply_conflict(conflict.id)
    assert store.conflicts() == [] and store.outbox_count() == 1
    result = await PushSync(api, tmp_path / "a.sqlite3").run()
    assert result.applied == 1
    with central.client() as client:
        assert _server_customer(client, customer_id)["city"] == "本地"
    store.close()
    await api.aclose()


async def test_customer_created_offline_is_found_by_number_after_sync(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    store, api = await _desktop(central, tmp_path / "a.sqlite3")
    from desktop.cache.outbox import new_customer_id

    customer_id = new_customer_id()
    store.write_local(
        "customer", {"id": customer_id, "name": "来电新客", "phones": [{"e164": "139 0000 1111"}]}
    )
    assert [c.customer_id for c in store.lookup_phone("+8613900001111")] == [customer_id]
    await PushSync(api, tmp_path / "a.sqlite3").run()
    with central.client() as client:
        found = client.get("/api/v1/customers/lookup", params={"phone": "13900001111"}).json()["matches"]
    assert [c["id"] for c in found] == [customer_id]
    store.close()
    await api.aclose()


async def test_unreachable_server_keeps_rows_queued_with_the_error(tmp_path):
    store = CacheStore(tmp_path / "a.sqlite3")
    store.write_local("note", {"id": new_id(), "customer_id": "C1", "text": "x"})
    api = CentralApi("http://127.0.0.1:9", token="t", max_retries=0, timeout=1)
    with pytest.raises(ApiError):
        await PushSync(api, tmp_path / "a.sqlite3").run()
    [entry] = store.outbox_entries()
    assert entry.attempts == 1 and "reach" in (entry.last_error or "")
    store.close()
    await api.aclose()


# ---- the cache side on its own ----------------------------------------------------------------

answers = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.lists(
        st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(["client_id", "status", "version", "server"]),
                st.none() | st.text(max_size=4) | st.integers(),
            ),
        ),
        max_size=4,
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(results=answers)
def test_garbage_answers_never_lose_a_queued_write(tmp_path_factory, results):
    store = CacheStore(tmp_path_factory.mktemp("garbage") / "c.sqlite3")
    store.write_local("note", {"id": "n1", "customer_id": "C1", "text": "x"})
    entries = store.next_push_batch(10)
    report = store.apply_push_results(entries, results)
    assert store.outbox_count() == 1
    assert report.applied == report.merged == report.conflict == report.rejected == 0
    store.close()


def test_merge_fields_rules():
    base = {"id": "1", "a": 1, "b": 1, "version": 3}
    assert merge_fields(base, {**base, "a": 2}, {**base, "b": 5, "version": 4}) == {"id": "1", "a": 2, "b": 5}
    assert merge_fields(base, {**base, "a": 2}, {**base, "a": 3}) is None
    assert merge_fields(base, {**base, "a": 2}, {**base, "a": 2}) == {"id": "1", "a": 2, "b": 1}
    assert merge_fields(None, {"id": "1"}, {"id": "1"}) is None
    assert merge_fields(base, {**base, "a": 2}, None) is None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
fields = st.sampled_from(
    [
        "name",
        "phones",
        "tier",
        "tags",
        "points_balance",
        "churn_risk",
        "created_at",
        "text",
        "customer_id",
        "email",
        "city",
        "version",
        "id",
    ]
)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    entity=st.sampled_from(["customer", "note"]),
    data=st.dictionaries(fields, json_values, max_size=6),
    base=st.none() | st.integers(0, 5),
    op=st.sampled_from(["upsert", "delete"]),
)
def test_fuzzed_mutations_get_an_answer_never_a_server_error(seeded_central_sqlite, entity, data, base, op):
    record_id = "LFZ" + uuid.uuid4().hex[:10]
    body = {"mutations": [_mutation(new_id(), entity, record_id, data, base, op)]}
    with seeded_central_sqlite.client() as client:
        response = client.post("/api/v1/sync/push", json=body, headers={"Idempotency-Key": new_id()})
    assert response.status_code == 200, response.text
    [answer] = response.json()["results"]
    assert answer["status"] in ("applied", "conflict", "rejected")
    if answer["status"] == "rejected":
        assert answer["message"]
