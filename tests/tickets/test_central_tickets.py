"""Central API: tickets (validation, server-side SLA clock, escalation, lists), contacts, knowledge base."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from calldesk_domain.models import format_ts, parse_ts
from calldesk_domain.tickets import new_ticket
from central.tickets import RecordInvalid, save_record


def _ticket(ticket_id: str, created: datetime, **changes) -> dict:
    ticket = new_ticket(ticket_id, "C0000001", "1001", created, category="fault")
    ticket.fault_description = "空调不制冷，卡号 4111 1111 1111 1111"
    ticket.product_model = "AC-35GW"
    data = ticket.to_dict()
    data.update(changes)
    return data


def _push(client, entity: str, data: dict, base_version: int | None = None) -> dict:
    mutation = {
        "client_id": str(uuid.uuid4()),
        "entity": entity,
        "id": data["id"],
        "op": "upsert",
        "base_version": base_version,
        "data": data,
    }
    reply = client.post(
        "/api/v1/sync/push", json={"mutations": [mutation]}, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["results"][0]


def test_pushed_ticket_gets_the_sla_clock_server_side_and_is_redacted(seeded_central_sqlite):
    future = datetime.now(UTC) + timedelta(hours=2)  # a client clock running ahead
    with seeded_central_sqlite.client() as client:
        result = _push(client, "ticket", _ticket("T1", future, sla_due_at=format_ts(future)))
        assert result["status"] == "applied", result
        saved = client.get("/api/v1/tickets/T1").json()["ticket"]
        due = parse_ts(saved["sla_due_at"])
        assert due - parse_ts(saved["created_at"]) == timedelta(minutes=15)
        assert due < future  # the server clock wins
        assert "4111" not in saved["fault_description"].replace("****1111", "")
        # a later client write cannot move the clock
        again = _push(client, "ticket", {**saved, "sla_due_at": format_ts(future)}, base_version=1)
        assert again["status"] == "applied" and again["version"] == 2
        got = client.get("/api/v1/tickets/T1").json()["ticket"]
        assert got["sla_due_at"] == saved["sla_due_at"] and got["version"] == 2
        assert client.get("/api/v1/tickets/nope").status_code == 404


def test_pushed_ticket_validation_names_the_field(seeded_central_sqlite):
    with seeded_central_sqlite.client() as client:
        empty = _push(client, "ticket", _ticket("T2", datetime.now(UTC), fault_description=" "))
        assert (empty["status"], empty["field"]) == ("rejected", "fault_description")
        bad = _push(client, "ticket", _ticket("T2", datetime.now(UTC), priority="whenever"))
        assert (bad["status"], bad["field"]) == ("rejected", "priority")
        wrong_type = _push(client, "ticket", _ticket("T2", datetime.now(UTC), escalated="yes", created_at=5))
        assert wrong_type["status"] == "rejected" and wrong_type["field"] in ("created_at", "escalated")
        assert client.get("/api/v1/tickets/T2").status_code == 404


def test_overdue_tickets_are_escalated_and_listed(seeded_central_sqlite):
    now = datetime.now(UTC)
    with seeded_central_sqlite.engine.begin() as conn:
        save_record(conn, "ticket", _ticket("OLD", now - timedelta(minutes=16)), now - timedelta(minutes=16))
        save_record(conn, "ticket", _ticket("FRESH", now), now)
        mine = _ticket("MINE", now, status="assigned", assignee_group="L2", assignee_agent="1001")
        save_record(conn, "ticket", mine, now)
        save_record(conn, "ticket", _ticket("TEAM", now, status="assigned", assignee_group="L2"), now)
    with seeded_central_sqlite.client() as client:
        overdue = client.get("/api/v1/tickets", params={"view": "overdue"}).json()["tickets"]
        assert [t["id"] for t in overdue] == ["OLD"]
        assert overdue[0]["escalated"] and overdue[0]["history"][-1]["action"] == "escalate"
        mine_ids = {t["id"] for t in client.get("/api/v1/tickets", params={"view": "mine"}).json()["tickets"]}
        assert mine_ids == {"OLD", "FRESH", "MINE"}
        team = client.get("/api/v1/tickets", params={"view": "team", "group": "L2"}).json()["tickets"]
        assert [t["id"] for t in team] == ["TEAM"]
        assert client.get("/api/v1/tickets", params={"view": "bogus"}).status_code == 422
        changes = client.get("/api/v1/sync/changes", params={"since": 0, "limit": 5000}).json()["changes"]
    feed = [c for c in changes if c["entity"] == "ticket"]
    assert sorted(c["id"] for c in feed) == ["FRESH", "MINE", "OLD", "TEAM"]
    assert next(c for c in feed if c["id"] == "OLD")["data"]["escalated"] is True


def test_contact_put_and_list(seeded_central_sqlite):
    contact = {
        "id": "K1",
        "call_id": "call-9",
        "agent_id": "1001",
        "customer_id": "C0000001",
        "direction": "inbound",
        "channel": "phone",
        "disposition": "resolved",
        "notes": "客户报卡号 4111 1111 1111 1111",
        "satisfaction": 5,
        "started_at": "2026-11-23T08:00:00Z",
        "ended_at": "2026-11-23T08:03:00Z",
    }
    with seeded_central_sqlite.client() as client:
        assert _push(client, "contact", {**contact, "satisfaction": 6})["field"] == "satisfaction"
        assert _push(client, "contact", contact)["status"] == "applied"
        found = client.get("/api/v1/contacts", params={"call_id": "call-9"}).json()["contacts"]
    assert len(found) == 1 and found[0]["satisfaction"] == 5
    assert found[0]["notes"] == "客户报卡号 [card ****1111]"


def test_save_record_refuses_invalid_without_writing(seeded_central_sqlite):
    with seeded_central_sqlite.engine.begin() as conn:
        try:
            save_record(conn, "contact", {"id": "K2"})
        except RecordInvalid as exc:
            assert {i.field for i in exc.issues} >= {"call_id", "agent_id", "disposition"}
        else:
            raise AssertionError("accepted an empty contact")
        assert conn.execute(sa.text("SELECT COUNT(*) FROM contacts")).scalar_one() == 0


def test_knowledge_base_search(seeded_central_sqlite):
    with seeded_central_sqlite.client() as client:
        everything = client.get("/api/v1/kb/search", params={"limit": 100}).json()["articles"]
        assert len(everything) == 30
        hits = client.get("/api/v1/kb/search", params={"q": "空调 制冷"}).json()["articles"]
        assert hits[0]["id"] == "KB002"
        assert all("空调" in a["title"] + a["body"] + "".join(a["tags"]) for a in hits)
        assert client.get("/api/v1/kb/search", params={"q": "zzzz"}).json()["articles"] == []
        assert client.get("/api/v1/kb/articles/KB019").json()["article"]["title"] == "投诉处理流程"
        assert client.get("/api/v1/kb/articles/KB999").status_code == 404
        assert client.get("/api/v1/kb/search", params={"q": "a\x00"}).status_code == 422
