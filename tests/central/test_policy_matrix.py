"""Role x endpoint x mutation matrix, generated from central.policy (the one policy table).

Every (entity, kind) row of policy.MUTATIONS is pushed through the real API by each role, on a
record the caller owns and on one owned by an agent outside every caller's reach; the expected
answer (applied, or per-item `rejected` with message "forbidden") is derived from the table's
scope. Every route of the app must be in the table, and each role gets 403 where it is not let in.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from calldesk_domain.models import format_ts
from calldesk_domain.tickets import new_ticket
from central import policy

USERS = {
    policy.AGENT: ("1001", "1001"),
    policy.SUPERVISOR: ("super", "9001"),
    policy.ADMIN: ("admin", "9000"),
}
OUTSIDER = "2001"  # an agent id no demo user reaches (no shared queue or team)


def _ticket(ticket_id: str, owner: str) -> dict[str, Any]:
    ticket = new_ticket(ticket_id, "C0000001", owner, datetime.now(UTC), category="consultation")
    ticket.fault_description = "咨询保修"
    data = ticket.to_dict()
    data.update(created_by=owner, assignee_agent=owner, assignee_group="outside-" + owner)
    return data


def _contact(contact_id: str, owner: str) -> dict[str, Any]:
    return {
        "id": contact_id,
        "call_id": "call-" + contact_id,
        "agent_id": owner,
        "customer_id": "C0000001",
        "direction": "inbound",
        "channel": "phone",
        "disposition": "resolved",
        "notes": "",
        "ticket_id": "",
        "started_at": format_ts(datetime.now(UTC)),
    }


def _customer(customer_id: str) -> dict[str, Any]:
    return {
        "id": customer_id,
        "name": "测试客户",
        "tier": "ordinary",
        "membership_level": "普通会员",
        "points_balance": 0,
        "lifetime_value_fen": 0,
        "city": "北京",
        "tags": [],
        "churn_risk": 0.0,
        "churn_reasons": [],
        "phones": [{"e164": "+8613800138000", "kind": "mobile", "label": ""}],
    }


def _note(note_id: str, owner: str) -> dict[str, Any]:
    return {"id": note_id, "customer_id": "C0000001", "text": "备注", "author_agent_id": owner}


def _attachment(attachment_id: str, ticket_id: str) -> dict[str, Any]:
    return {
        "id": attachment_id,
        "ticket_id": ticket_id,
        "name": "photo.jpg",
        "size": 3,
        "sha256": hashlib.sha256(b"abc").hexdigest(),
        "mime": "image/jpeg",
    }


def _new(entity: str, record_id: str, owner: str, parent: str) -> dict[str, Any]:
    return {
        "customer": lambda: _customer(record_id),
        "ticket": lambda: _ticket(record_id, owner),
        "contact": lambda: _contact(record_id, owner),
        "note": lambda: _note(record_id, owner),
        "attachment": lambda: _attachment(record_id, parent),
        "audit": lambda: {
            "id": record_id,
            "action": "view",
            "customer_id": "C0000001",
            "call_id": "call-" + record_id,
            "at": format_ts(datetime.now(UTC)),
        },
    }[entity]()


def _expected(scope: policy.Scope | None, mine: bool) -> str:
    if scope is None:
        return "forbidden"
    if scope in (policy.Scope.OWN, policy.Scope.TEAM):
        return "applied" if mine else "forbidden"
    return "applied"


def _changed(entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """A change every scope that reaches the record allows (contact fields, an appended note)."""
    if entity == "customer":
        return {**record, "email": "new@example.com"}
    if entity == "ticket":
        return {**record, "priority": "high"}
    if entity == "contact":
        return {**record, "notes": "回访已完成"}
    if entity == "note":
        return {**record, "text": "改过的备注"}
    return {**record, "mime": "image/png"}


@pytest.mark.parametrize(("entity", "kind"), sorted(policy.MUTATIONS))
def test_pushed_mutation_matrix_follows_the_policy_table(seeded_central_sqlite, entity, kind):
    seeded = seeded_central_sqlite
    outcomes: dict[tuple[str, bool], str] = {}
    expected: dict[tuple[str, bool], str] = {}
    for role, (username, agent_id) in USERS.items():
        for mine in (True, False):
            owner = agent_id if mine else OUTSIDER
            tag = uuid.uuid4().hex[:10]
            parent = f"TP{tag}"
            seeded.write("ticket", _ticket(parent, owner))
            record_id = f"X{tag}" if entity != "customer" else f"N{tag[:9]}"
            record = _new(entity, record_id, owner, parent)
            if kind == "create":
                mutation = {
                    "entity": entity,
                    "id": record_id,
                    "op": "upsert",
                    "base_version": None,
                    "data": record,
                }
            else:
                version = seeded.write(entity, record)
                if kind == "update":
                    data = _changed(entity, record)
                    mutation = {
                        "entity": entity,
                        "id": record_id,
                        "op": "upsert",
                        "base_version": version,
                        "data": data,
                    }
                else:
                    mutation = {"entity": entity, "id": record_id, "op": "delete", "base_version": version}
            result = seeded.push_one(username, mutation)
            if result["status"] == "rejected":
                assert result["message"] == "forbidden", result
                assert result["field"], result
                outcomes[(role, mine)] = "forbidden"
            else:
                outcomes[(role, mine)] = result["status"]
            expected[(role, mine)] = _expected(policy.scope_for(entity, kind, role), mine)
    assert outcomes == expected


def _customer_update(seeded, username: str, change: dict[str, Any]) -> dict[str, Any]:
    customer_id = f"N{uuid.uuid4().hex[:9]}"
    version = seeded.write("customer", _customer(customer_id))
    data = {**_customer(customer_id), **change}
    mutation = {
        "entity": "customer",
        "id": customer_id,
        "op": "upsert",
        "base_version": version,
        "data": data,
    }
    return seeded.push_one(username, mutation)


@pytest.mark.parametrize(
    ("change", "refused_for"),
    [
        ({"email": "a@example.com", "city": "上海"}, set()),
        ({"name": "改名"}, {policy.AGENT}),
        ({"tier": "high_end"}, {policy.AGENT}),
        ({"points_balance": 99999}, {policy.AGENT, policy.SUPERVISOR}),
        ({"lifetime_value_fen": 10**9}, {policy.AGENT, policy.SUPERVISOR}),
    ],
)
def test_customer_field_rules(seeded_central_sqlite, change, refused_for):
    for role, (username, _agent) in USERS.items():
        result = _customer_update(seeded_central_sqlite, username, change)
        if role in refused_for:
            assert (result["status"], result["message"]) == ("rejected", "forbidden"), (role, result)
            assert result["field"] in change
        else:
            assert result["status"] == "applied", (role, result)


def test_leaving_money_fields_out_keeps_them(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    customer_id = f"N{uuid.uuid4().hex[:9]}"
    version = seeded.write("customer", {**_customer(customer_id), "points_balance": 500})
    partial = {k: v for k, v in _customer(customer_id).items() if k != "points_balance"}
    partial["email"] = "x@example.com"
    mutation = {
        "entity": "customer",
        "id": customer_id,
        "op": "upsert",
        "base_version": version,
        "data": partial,
    }
    result = seeded.push_one("1001", mutation)
    assert result["status"] == "applied"
    assert result["server"]["points_balance"] == 500


def test_contact_logs_are_written_as_the_caller_and_tickets_keep_their_author(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    forged = _contact("CL-forged", "1002")
    result = seeded.push_one("1001", {"entity": "contact", "id": "CL-forged", "op": "upsert", "data": forged})
    assert result["status"] == "applied" and result["server"]["agent_id"] == "1001"
    ticket = {**_ticket("T-author", "1002"), "assignee_agent": "", "assignee_group": ""}
    result = seeded.push_one("1001", {"entity": "ticket", "id": "T-author", "op": "upsert", "data": ticket})
    assert result["status"] == "applied" and result["server"]["created_by"] == "1001"


def test_ticket_history_cannot_be_rewritten_below_admin(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    ticket = _ticket("T-history", "1001")
    version = seeded.write("ticket", ticket)
    forged = {**ticket, "history": []}
    for username, status in (("1001", "rejected"), ("admin", "applied")):
        result = seeded.push_one(
            username,
            {"entity": "ticket", "id": "T-history", "op": "upsert", "base_version": version, "data": forged},
        )
        assert result["status"] == status, result
    appended = {**ticket, "history": [*ticket["history"], {**ticket["history"][0], "action": "note"}]}
    result = seeded.push_one(
        "1001",
        {"entity": "ticket", "id": "T-history", "op": "upsert", "base_version": version, "data": appended},
    )
    assert result["status"] in ("applied", "conflict"), result  # allowed by policy (admin moved the version)


def test_idempotency_keys_and_client_ids_are_scoped_per_user(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    key, client_id = str(uuid.uuid4()), str(uuid.uuid4())
    mutation = {
        "client_id": client_id,
        "entity": "note",
        "id": "N-scope",
        "op": "upsert",
        "data": _note("N-scope", "1001"),
    }

    def push_as(username: str, body_mutation: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{seeded.url}/api/v1/sync/push",
            json={"mutations": [body_mutation]},
            headers={"Authorization": f"Bearer {seeded.token_for(username)}", "Idempotency-Key": key},
            timeout=20,
        )

    first = push_as("1001", mutation)
    assert first.json()["results"][0]["status"] == "applied"
    # 1002 reuses the key and the client_id: gets neither 1001's stored response nor result
    other = push_as("1002", mutation)
    assert other.headers.get("idempotent-replayed") != "true"
    assert other.json()["results"][0] == {
        **other.json()["results"][0], "status": "rejected", "message": "forbidden", "field": "client_id"
    }  # fmt: skip
    again = push_as("1001", mutation)
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()


def test_every_route_is_in_the_policy_table(seeded_central_sqlite):
    from central.app import create_app

    app = create_app(seeded_central_sqlite.db_url)
    declared = set(policy.ENDPOINTS) | policy.PUBLIC_ENDPOINTS
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods:
            assert f"{method} {route.path}" in declared, f"{method} {route.path} missing from central.policy"


ADMIN_CALLS = [
    ("GET", "/api/v1/admin/users", "/api/v1/admin/users", None),
    ("GET", "/api/v1/admin/audit", "/api/v1/admin/audit", None),
    ("GET", "/api/v1/admin/audit.csv", "/api/v1/admin/audit.csv", None),
    ("PATCH", "/api/v1/admin/users/{username}", "/api/v1/admin/users/1002", {"team": "north"}),
    ("GET", "/api/v1/customers/{customer_id}", "/api/v1/customers/C0000001", None),
]


@pytest.mark.parametrize(("method", "template", "path", "body"), ADMIN_CALLS)
def test_endpoint_roles_follow_the_policy_table(seeded_central_sqlite, method, template, path, body):
    for role, (username, _agent) in USERS.items():
        response = httpx.request(
            method,
            seeded_central_sqlite.url + path,
            json=body,
            headers={"Authorization": f"Bearer {seeded_central_sqlite.token_for(username)}"},
            timeout=10,
        )
        allowed = policy.endpoint_allowed(method, template, role)
        assert response.status_code == (200 if allowed else 403), (role, response.text)
        if not allowed:
            assert response.json()["error"]["code"] == "forbidden"


def test_ticket_and_contact_reads_stop_at_the_callers_reach(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    seeded.write("ticket", _ticket("T-other", OUTSIDER))
    seeded.write("ticket", _ticket("T-mine", "1001"))
    seeded.write("contact", _contact("C-other", OUTSIDER))
    seeded.write("contact", _contact("C-mine", "1001"))
    for username, sees_other in (("1001", False), ("super", False), ("admin", True)):
        headers = {"Authorization": f"Bearer {seeded.token_for(username)}"}
        got = httpx.get(f"{seeded.url}/api/v1/tickets/T-other", headers=headers, timeout=10)
        assert got.status_code == (200 if sees_other else 404)
        listed = httpx.get(f"{seeded.url}/api/v1/tickets?view=all", headers=headers, timeout=10).json()
        assert ("T-other" in {t["id"] for t in listed["tickets"]}) is sees_other
        contacts = httpx.get(
            f"{seeded.url}/api/v1/contacts?customer_id=C0000001", headers=headers, timeout=10
        )
        assert ("C-other" in {c["id"] for c in contacts.json()["contacts"]}) is sees_other
    mine = httpx.get(f"{seeded.url}/api/v1/tickets/T-mine", headers=seeded.headers, timeout=10)
    assert mine.status_code == 200


def test_the_table_says_what_issue_17_asks():
    """The rows the issue names, pinned: the matrix above checks the server obeys the table, this
    checks the table itself."""
    agent, supervisor = policy.AGENT, policy.SUPERVISOR
    for entity in ("customer", "ticket", "contact", "attachment"):
        assert policy.scope_for(entity, "delete", agent) is None
        assert policy.scope_for(entity, "delete", supervisor) is None
    assert policy.scope_for("note", "delete", agent) is policy.Scope.OWN  # only their own notes
    assert policy.scope_for("customer", "create", agent) is policy.Scope.NO_MONEY
    assert policy.scope_for("customer", "update", agent) is policy.Scope.CONTACT_FIELDS
    assert policy.scope_for("ticket", "create", agent) is policy.Scope.SELF
    assert policy.scope_for("ticket", "update", agent) is policy.Scope.OWN
    assert policy.scope_for("ticket", "update", supervisor) is policy.Scope.TEAM
    assert policy.scope_for("contact", "create", agent) is policy.Scope.SELF
    assert policy.scope_for("contact", "update", agent) is policy.Scope.OWN
    assert not policy.can_see_phones(agent) and policy.can_see_phones(policy.ADMIN)
    assert all(agent not in roles for path, roles in policy.ENDPOINTS.items() if "/admin/" in path)
