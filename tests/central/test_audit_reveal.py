"""Data minimisation and audit on the API: masked numbers for agents, the audited reveal, record
views in the audit log, and the admin's audit query and CSV export."""

from __future__ import annotations

import csv
import io

import httpx


def _get(seeded, path: str, username: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {seeded.token_for(username)}"}
    return httpx.get(seeded.url + path, headers=headers, timeout=10, **kwargs)


def test_agents_get_masked_numbers_in_search_and_summary_staff_in_full(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    sample = seeded.sample_customer()
    mobile = sample["mobile"]
    for username, full in (("1001", False), ("super", True), ("admin", True)):
        results = _get(seeded, "/api/v1/customers/search", username, params={"q": sample["id"]}).json()[
            "results"
        ]
        summary = _get(seeded, f"/api/v1/customers/{sample['id']}/summary", username).json()["customer"]
        for customer in (results[0], summary):
            numbers = [phone["e164"] for phone in customer["phones"]]
            assert (mobile in numbers) is full, (username, numbers)
            if not full:
                assert all("****" in number for number in numbers)
                assert mobile[-4:] in " ".join(numbers)


def test_reveal_is_audited_and_the_audit_is_admin_only(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    sample = seeded.sample_customer()
    headers = {"Authorization": f"Bearer {seeded.token_for('1001')}"}
    revealed = httpx.post(
        f"{seeded.url}/api/v1/customers/{sample['id']}/reveal", json={"call_id": "call-42"}, headers=headers
    )
    assert revealed.status_code == 200, revealed.text
    assert sample["mobile"] in [phone["e164"] for phone in revealed.json()["phones"]]
    missing = httpx.post(f"{seeded.url}/api/v1/customers/NOPE/reveal", json={}, headers=headers)
    assert missing.status_code == 404
    assert (
        _get(seeded, f"/api/v1/customers/{sample['id']}", "1002", params={"call_id": "call-7"}).status_code
        == 200
    )

    events = _get(seeded, "/api/v1/admin/audit", "admin", params={"customer_id": sample["id"]}).json()[
        "events"
    ]
    assert [(e["username"], e["action"], e["call_id"]) for e in events] == [
        ("1002", "view", "call-7"),
        ("1001", "reveal", "call-42"),
    ]
    assert all(e["at"].endswith("Z") for e in events)
    only_1001 = _get(seeded, "/api/v1/admin/audit", "admin", params={"username": "1001"}).json()["events"]
    assert {e["username"] for e in only_1001} == {"1001"}
    exported = _get(seeded, "/api/v1/admin/audit.csv", "admin", params={"customer_id": sample["id"]})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["username"], r["action"]) for r in rows] == [("1002", "view"), ("1001", "reveal")]
    assert _get(seeded, "/api/v1/admin/audit", "1001").status_code == 403
    assert _get(seeded, "/api/v1/admin/audit.csv", "super").status_code == 403
