"""Audit events pushed by desktops (entity "audit", central/audit_push.py) on the real API: the
server writes them as the token's user, refuses forged users, changes and deletes, records a
replayed event once, and the admin's audit query / CSV show them with their source."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from calldesk_domain.models import format_ts


def _push(seeded, username: str, mutation: dict, client_id: str | None = None) -> dict:
    mutation = {"client_id": client_id or str(uuid.uuid4()), "entity": "audit", "op": "upsert", **mutation}
    return seeded.push_one(username, mutation)


def _event(customer: str, **extra) -> dict:
    event_id = str(uuid.uuid4())
    at = format_ts(datetime.now(UTC) - timedelta(hours=3))
    data = {"id": event_id, "action": "view", "customer_id": customer, "call_id": "call-9", "at": at}
    return {"id": event_id, "data": {**data, **extra}}


def _audit(seeded, **params) -> list[dict]:
    headers = {"Authorization": f"Bearer {seeded.token_for('admin')}"}
    response = httpx.get(f"{seeded.url}/api/v1/admin/audit", params=params, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["events"]


def test_a_pushed_view_is_recorded_as_the_tokens_user_with_the_desktops_time(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    customer_id = seeded.sample_customer()["id"]
    event = _event(customer_id)
    client_id = str(uuid.uuid4())
    assert _push(seeded, "1001", event, client_id)["status"] == "applied"
    # the same client_id again: the stored answer, no second row
    assert _push(seeded, "1001", event, client_id)["status"] == "applied"
    # the same event under a new client_id (an outbox row re-queued): still one row
    again = _push(seeded, "1001", event)
    assert (again["status"], again["message"]) == ("applied", "already recorded")
    events = _audit(seeded, customer_id=customer_id)
    desktop = [e for e in events if e["source"] == "desktop"]
    assert [(e["username"], e["action"], e["call_id"]) for e in desktop] == [("1001", "view", "call-9")]
    assert desktop[0]["at"] == event["data"]["at"]  # when the agent saw it, not when it arrived
    assert desktop[0]["received_at"] > desktop[0]["at"]


@pytest.mark.parametrize(
    ("forged", "field"),
    [
        ({"username": "1002"}, "username"),
        ({"agent_id": "9000"}, "agent_id"),
        ({"user_id": 987654}, "user_id"),
    ],
)
def test_an_event_naming_another_user_is_refused(seeded_central_sqlite, forged, field):
    seeded = seeded_central_sqlite
    customer_id = seeded.sample_customer()["id"]
    result = _push(seeded, "1001", _event(customer_id, **forged))
    assert (result["status"], result["message"], result["field"]) == ("rejected", "forbidden", field)
    assert [e for e in _audit(seeded, customer_id=customer_id) if e["source"] == "desktop"] == []
    # naming oneself is allowed (and changes nothing)
    mine = _push(seeded, "1001", _event(customer_id, username="1001"))
    assert mine["status"] == "applied"


def test_another_users_event_id_is_not_taken_over(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    event = _event(seeded.sample_customer()["id"])
    assert _push(seeded, "1001", event)["status"] == "applied"
    stolen = _push(seeded, "1002", event)
    assert (stolen["status"], stolen["message"], stolen["field"]) == ("rejected", "forbidden", "id")


def test_audit_events_cannot_be_deleted_by_anyone(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    event = _event(seeded.sample_customer()["id"])
    assert _push(seeded, "1001", event)["status"] == "applied"
    for username in ("1001", "super", "admin"):
        result = _push(seeded, username, {"id": event["id"], "op": "delete", "data": None})
        assert (result["status"], result["message"]) == ("rejected", "forbidden"), username
    assert len([e for e in _audit(seeded) if e["source"] == "desktop"]) == 1


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"action": "delete_everything"}, "action"),
        ({"customer_id": ""}, "customer_id"),
        ({"customer_id": "C" * 40}, "customer_id"),
        ({"call_id": "x\x00y"}, "call_id"),
        ({"at": "yesterday"}, "at"),
        ({"at": 12345}, "at"),
        ({"at": "0001-01-01T00:00:00+14:00"}, "at"),
        ({"at": format_ts(datetime.now(UTC) + timedelta(days=7))}, "at"),
    ],
)
def test_bad_events_are_rejected_naming_the_field(seeded_central_sqlite, bad, field):
    seeded = seeded_central_sqlite
    result = _push(seeded, "1001", _event("C0000001", **bad))
    assert (result["status"], result["field"]) == ("rejected", field), result
    assert result["message"] != "forbidden"


def test_the_audit_query_filters_and_the_csv_carries_source_and_receipt(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    customer_id = seeded.sample_customer()["id"]
    assert _push(seeded, "1001", _event(customer_id, action="reveal", call_id="c-r"))["status"] == "applied"
    assert _push(seeded, "1002", _event(customer_id, call_id="c-v"))["status"] == "applied"
    headers = {"Authorization": f"Bearer {seeded.token_for('super')}"}
    httpx.get(f"{seeded.url}/api/v1/customers/{customer_id}", params={"call_id": "c-s"}, headers=headers)
    assert {e["call_id"] for e in _audit(seeded, customer_id=customer_id, action="reveal")} == {"c-r"}
    assert {e["username"] for e in _audit(seeded, customer_id=customer_id, call_id="c-v")} == {"1002"}
    recent = _audit(seeded, customer_id=customer_id, since=format_ts(datetime.now(UTC) - timedelta(hours=1)))
    assert {e["call_id"] for e in recent} == {"c-s"}  # the desktop events happened 3 hours ago
    older = _audit(seeded, customer_id=customer_id, until=format_ts(datetime.now(UTC) - timedelta(hours=1)))
    assert {e["call_id"] for e in older} == {"c-r", "c-v"}
    admin = {"Authorization": f"Bearer {seeded.token_for('admin')}"}
    exported = httpx.get(
        f"{seeded.url}/api/v1/admin/audit.csv", params={"customer_id": customer_id}, headers=admin
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {(r["username"], r["action"], r["source"]) for r in rows} == {
        ("1001", "reveal", "desktop"),
        ("1002", "view", "desktop"),
        ("super", "view", "server"),
    }
    assert all(r["received_at"] for r in rows)
    bad = httpx.get(f"{seeded.url}/api/v1/admin/audit", params={"action": "drop"}, headers=admin)
    assert bad.status_code == 422
    bad_until = httpx.get(
        f"{seeded.url}/api/v1/admin/audit", params={"until": "0001-01-01T00:00:00+14:00"}, headers=admin
    )
    assert bad_until.status_code == 422 and bad_until.json()["error"]["field"] == "until"


def test_a_reveal_recorded_by_the_server_is_not_recorded_again_when_the_desktop_pushes_it(
    seeded_central_sqlite,
):
    seeded = seeded_central_sqlite
    customer_id = seeded.sample_customer()["id"]
    event = _event(customer_id, action="reveal", call_id="c-rv")

    def reveal(username: str, event_id: str) -> httpx.Response:
        return httpx.post(
            f"{seeded.url}/api/v1/customers/{customer_id}/reveal",
            json={"call_id": "c-rv", "event_id": event_id},
            headers={"Authorization": f"Bearer {seeded.token_for(username)}"},
            timeout=10,
        )

    assert reveal("1001", event["id"]).status_code == 200
    assert reveal("1001", event["id"]).status_code == 200  # a retry after a lost answer: still one row
    pushed = _push(seeded, "1001", event)  # the desktop's outbox copy, same event id
    assert (pushed["status"], pushed["message"]) == ("applied", "already recorded")
    rows = _audit(seeded, customer_id=customer_id, action="reveal")
    assert [(r["username"], r["call_id"], r["source"]) for r in rows] == [("1001", "c-rv", "server")]
    taken = reveal("1002", event["id"])  # another user cannot claim (or hide behind) that event
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "event_id"
    bad = reveal("1001", "not an id!")
    assert bad.status_code == 422
    assert len(_audit(seeded, customer_id=customer_id, action="reveal")) == 1
