"""Data minimisation on the real API (central/pop_key.py): an agent reads every number masked
with its keyed hash (lookup, search, detail, summary, feed, bootstrap pages, push results),
staff read them in full, and an agent's push of the masked phones keeps the full numbers."""

from __future__ import annotations

import base64

import httpx
import pytest

from calldesk_domain.phone import mask, phone_key


def _get(seeded, path: str, username: str, **params) -> dict:
    headers = {"Authorization": f"Bearer {seeded.token_for(username)}"}
    response = httpx.get(seeded.url + path, params=params, headers=headers, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def _pop_key(seeded, username: str = "1001") -> bytes:
    document = _get(seeded, "/api/v1/auth/pop-key", username)
    assert document["alg"] == "HMAC-SHA256" and len(document["kid"]) == 16
    return base64.b64decode(document["key"])


def _customers_seen(seeded, username: str, sample: dict) -> list[dict]:
    feed = _get(seeded, "/api/v1/sync/changes", username, since=0, limit=5000)["changes"]
    boot = _get(seeded, "/api/v1/sync/bootstrap/changes", username, entity="customer", limit=5000)["changes"]
    return [
        *_get(seeded, "/api/v1/customers/lookup", username, phone=sample["mobile"])["matches"],
        *_get(seeded, "/api/v1/customers/search", username, q=sample["id"])["results"],
        _get(seeded, f"/api/v1/customers/{sample['id']}", username)["customer"],
        _get(seeded, f"/api/v1/customers/{sample['id']}/summary", username)["customer"],
        *(c["data"] for c in feed if c["entity"] == "customer" and c["id"] == sample["id"]),
        *(c["data"] for c in boot if c["id"] == sample["id"]),
    ]


def test_an_agent_reads_masked_keyed_numbers_everywhere_staff_in_full(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    sample = seeded.sample_customer()
    key = _pop_key(seeded)
    assert _pop_key(seeded, "admin") == key  # one key per deployment
    agent_views = _customers_seen(seeded, "1001", sample)
    assert len(agent_views) == 6
    for customer in agent_views:
        phones = sorted((p["e164"], p["key"]) for p in customer["phones"])
        assert phones == sorted((mask(n), phone_key(key, n)) for n in sample["phones"])
    for username in ("super", "admin"):
        for customer in _customers_seen(seeded, username, sample):
            assert sorted(p["e164"] for p in customer["phones"]) == sorted(sample["phones"])
            assert all("key" not in p for p in customer["phones"])


def _push(seeded, username: str, record: dict, base: int) -> dict:
    return seeded.push_upsert(username, "customer", record, base)


def test_an_agents_edit_with_masked_phones_keeps_the_full_numbers(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    sample = seeded.sample_customer()
    record = _get(seeded, f"/api/v1/customers/{sample['id']}", "1001")["customer"]
    result = _push(seeded, "1001", {**record, "email": "new@example.com"}, record["version"])
    assert result["status"] == "applied", result
    assert all("****" in p["e164"] for p in result["server"]["phones"])  # answered masked
    full = _get(seeded, f"/api/v1/customers/{sample['id']}", "super")["customer"]
    assert full["email"] == "new@example.com"
    assert sorted(p["e164"] for p in full["phones"]) == sorted(sample["phones"])


@pytest.mark.parametrize("bad_key", ["0" * 32, "", None])
def test_a_masked_number_that_is_not_the_customers_is_refused(seeded_central_sqlite, bad_key):
    seeded = seeded_central_sqlite
    sample = seeded.sample_customer()
    record = _get(seeded, f"/api/v1/customers/{sample['id']}", "1001")["customer"]
    phones = [{**record["phones"][0], "key": bad_key}, *record["phones"][1:]]
    result = _push(seeded, "1001", {**record, "phones": phones}, record["version"])
    assert (result["status"], result["field"]) == ("rejected", "phones"), result
    full = _get(seeded, f"/api/v1/customers/{sample['id']}", "super")["customer"]
    assert sorted(p["e164"] for p in full["phones"]) == sorted(sample["phones"])
