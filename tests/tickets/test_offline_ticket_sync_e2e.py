"""Offline create -> sync -> the ticket appears on the central API exactly once.

Real parts only: a cache file, TicketService writing through write_local, PushSync against a
port where nothing listens (offline: the write stays queued), then against the real central
API on loopback; replays of the same outbox row never create a second copy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calldesk_domain.models import parse_ts
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.contacts import ContactService
from desktop.services.push import PushSync, mutation
from desktop.services.tickets import TicketService


async def _push(url: str, token: str, path) -> object:
    api = CentralApi(url)
    api.token = token
    try:
        return await PushSync(api, path).run()
    finally:
        await api.aclose()


async def test_offline_ticket_and_contact_reach_the_server_exactly_once(
    dead_url, seeded_central_sqlite, tmp_path
):
    path = tmp_path / "cache.sqlite3"
    created = datetime.now(UTC) - timedelta(minutes=2)  # written 2 minutes ago, offline
    with CacheStore(path) as store:
        tickets = TicketService(store, "1001", clock=lambda: created)
        ticket = tickets.draft("C0000001", call_id="call-77", category="fault")
        ticket.product_model = "WM-7KG"
        ticket.fault_description = "洗衣机 E21，客户报卡号 4111 1111 1111 1111"
        await tickets.save(ticket)
        contact = ContactService(store, "1001", clock=lambda: created).open_for("call-77", "C0000001")
        contact.disposition = "ticket_created"
        contact.ticket_id = ticket.id
        await ContactService(store, "1001").save(contact)

    with pytest.raises(ApiError):
        await _push(dead_url, seeded_central_sqlite.token, path)
    with CacheStore(path) as store:
        assert store._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 2

    result = await _push(seeded_central_sqlite.url, seeded_central_sqlite.token, path)
    assert (result.applied, result.rejected, result.remaining) == (2, 0, 0)
    again = await _push(seeded_central_sqlite.url, seeded_central_sqlite.token, path)
    assert (again.batches, again.remaining) == (0, 0)

    with seeded_central_sqlite.client() as client:
        mine = client.get("/api/v1/tickets", params={"view": "all"}).json()["tickets"]
        assert [t["id"] for t in mine] == [ticket.id]
        server = mine[0]
        changes = client.get("/api/v1/sync/changes", params={"since": 0, "limit": 5000}).json()["changes"]
        contacts = client.get("/api/v1/contacts", params={"call_id": "call-77"}).json()["contacts"]
    assert [c["id"] for c in changes if c["entity"] == "ticket"] == [ticket.id]
    assert [c["id"] for c in contacts] == [contact.id] and contacts[0]["ticket_id"] == ticket.id
    assert server["call_id"] == "call-77" and server["version"] == 1
    assert "4111 1111" not in server["fault_description"]
    # The server owns the SLA clock: due 15 minutes after the (offline) creation.
    assert parse_ts(server["sla_due_at"]) - parse_ts(server["created_at"]) == timedelta(minutes=15)

    # A replay of the very same outbox row (answer lost, crash before recording) is not applied twice.
    with CacheStore(path) as store:
        store.write_local("ticket", {**store.local_record("ticket", ticket.id), "priority": "high"})
        [entry] = store.next_push_batch(10)
    api = CentralApi(seeded_central_sqlite.url)
    api.token = seeded_central_sqlite.token
    try:
        first = await api.push([mutation(entry)], "key-a")
        second = await api.push([mutation(entry)], "key-b")
    finally:
        await api.aclose()
    assert first["results"][0]["status"] == "applied"
    assert second["results"][0] == first["results"][0]
    with seeded_central_sqlite.client() as client:
        final = client.get(f"/api/v1/tickets/{ticket.id}").json()["ticket"]
    assert final["version"] == 2 and final["priority"] == "high"
    assert final["sla_due_at"] == server["sla_due_at"]


async def test_server_rejection_names_the_field(seeded_central_sqlite, tmp_path):
    path = tmp_path / "cache.sqlite3"
    with CacheStore(path) as store:
        # A record that skipped the client's checks (older client, hand edit) is refused with the field.
        store.write_local(
            "ticket",
            {
                "id": "TBAD",
                "customer_id": "C0000001",
                "category": "fault",
                "priority": "normal",
                "status": "new",
                "service_mode": "phone",
                "fault_description": "",
                "product_model": "X",
            },
        )
    result = await _push(seeded_central_sqlite.url, seeded_central_sqlite.token, path)
    assert result.rejected == 1
    with CacheStore(path) as store:
        [conflict] = store.conflicts()
    assert conflict.reason.startswith("rejected: fault_description")


async def test_server_sla_clock_and_escalation_come_back_with_the_pull(seeded_central_sqlite, tmp_path):
    from desktop.services.sync import PullSync

    path = tmp_path / "cache.sqlite3"
    skewed = datetime.now(UTC) + timedelta(hours=1)  # this desktop's clock runs an hour fast
    with CacheStore(path) as store:
        service = TicketService(store, "1001", clock=lambda: skewed)
        ticket = service.draft("C0000001")
        ticket.fault_description = "咨询"
        await service.save(ticket)
    await _push(seeded_central_sqlite.url, seeded_central_sqlite.token, path)
    # The server escalates it once it is overdue (here: its due time moved into the past).
    with seeded_central_sqlite.engine.begin() as conn:
        from central.tables import tickets as table

        conn.execute(
            table.update()
            .where(table.c.id == ticket.id)
            .values(sla_due_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    with seeded_central_sqlite.client() as client:
        assert [
            t["id"] for t in client.get("/api/v1/tickets", params={"view": "overdue"}).json()["tickets"]
        ] == [ticket.id]
    api = CentralApi(seeded_central_sqlite.url)
    api.token = seeded_central_sqlite.token
    try:
        await PullSync(api, path).run()
    finally:
        await api.aclose()
    with CacheStore(path) as store:
        local = TicketService(store, "1001").get(ticket.id)
        assert local.escalated and local.history[-1].action == "escalate"
        assert local.sla_due_at < datetime.now(UTC) < skewed  # the server's clock, not the desktop's
        assert [t.id for t in TicketService(store, "1001").list("overdue")] == [ticket.id]
