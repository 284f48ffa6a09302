"""OMS order webhook and the ticket-system sync, on a real central API on loopback, with a real
HTTP receiver standing in for the external ticket system."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from calldesk_domain.tickets import new_ticket
from central.integrations.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers, verify
from central.seed import seed_database
from central.server import start_in_thread

OMS_SECRET = "oms-test-secret"
TICKET_SECRET = "ticket-test-secret"


class Receiver:
    """An external ticket system: records each POST, answers with the next scripted status."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), json.loads(body)))
                verify(TICKET_SECRET, dict(self.headers), body)  # a wrong signature fails the test
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver([503, 503])  # the ticket system is down for the first two tries
    yield found
    found.close()


@pytest.fixture
def central(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> Iterator[tuple[str, str]]:
    db = f"sqlite:///{tmp_path / 'central.db'}"
    seed_database(db, 5, 2)
    monkeypatch.setenv("CALLDESK_OMS_SECRET", OMS_SECRET)
    monkeypatch.setenv("CALLDESK_TICKET_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("CALLDESK_TICKET_WEBHOOK_SECRET", TICKET_SECRET)
    monkeypatch.setenv("CALLDESK_TICKET_WEBHOOK_ATTEMPTS", "3")
    server = start_in_thread(db)
    try:
        yield server.url, db
    finally:
        server.stop()


def _token(url: str, username: str) -> str:
    reply = httpx.post(f"{url}/api/v1/auth/token", json={"username": username, "password": "demo"})
    return reply.json()["access_token"]


ORDER = {
    "order_no": "OMS-77",
    "customer_id": "C0000001",
    "created_at": "2026-12-01T09:00:00+08:00",
    "status": "paid",
    "amount": "59.90",
    "items": [{"name": "滤芯", "qty": 1, "price": "59.90"}],
    "version": 3,
}


def _signed_post(url: str, data: dict, secret: str, *, now: float | None = None) -> httpx.Response:
    body = json.dumps(data).encode()
    headers = {"Content-Type": "application/json", **signed_headers(secret, body, now)}
    return httpx.post(url, content=body, headers=headers)


def test_an_oms_order_shows_on_the_card_and_replays_and_old_versions_change_nothing(central) -> None:
    url, _ = central
    hook = f"{url}/api/v1/integrations/orders"
    first = _signed_post(hook, ORDER, OMS_SECRET)
    assert first.status_code == 200 and first.json()["status"] == "written", first.text
    assert _signed_post(hook, ORDER, OMS_SECRET).json()["status"] == "stale"  # a replay
    older = _signed_post(hook, {**ORDER, "status": "shipped", "version": 2}, OMS_SECRET)
    assert older.json()["status"] == "stale"
    newer = _signed_post(hook, {**ORDER, "status": "shipped", "version": 4}, OMS_SECRET)
    assert newer.json()["status"] == "written"
    headers = {"Authorization": f"Bearer {_token(url, '1001')}"}
    card = httpx.get(f"{url}/api/v1/customers/C0000001", headers=headers).json()
    mine = [o for o in card["orders"] if o["order_no"] == "OMS-77"]
    assert [(o["status"], o["amount_fen"], o["version"]) for o in mine] == [("shipped", 5990, 2)]


def test_oms_webhook_refuses_bad_signatures_stale_timestamps_and_bad_orders(central) -> None:
    url, _ = central
    hook = f"{url}/api/v1/integrations/orders"
    assert _signed_post(hook, ORDER, "wrong-secret").status_code == 401
    stale = _signed_post(hook, ORDER, OMS_SECRET, now=time.time() - 3600)
    assert stale.status_code == 401 and "replay window" in stale.json()["error"]["message"]
    assert httpx.post(hook, json=ORDER).status_code == 401  # unsigned
    bad = _signed_post(hook, {**ORDER, "amount": "x"}, OMS_SECRET)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "amount"
    unknown = _signed_post(hook, {**ORDER, "customer_id": "C9999999"}, OMS_SECRET)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_customer"
    huge = httpx.post(hook, content=b"x" * (300 * 1024), headers=signed_headers(OMS_SECRET, b"x"))
    assert huge.status_code == 413
    # "\ud800" is valid JSON but no database can store the string it decodes to: refused, not a 500.
    body = json.dumps({**ORDER, "channel": "\ud800"}).encode()
    surrogate = httpx.post(
        hook, content=body, headers={"Content-Type": "application/json", **signed_headers(OMS_SECRET, body)}
    )
    assert surrogate.status_code == 400 and "lone surrogate" in surrogate.json()["error"]["message"]


def _push_ticket(url: str, token: str, ticket_id: str) -> None:
    ticket = new_ticket(ticket_id, "C0000001", "1001", datetime.now(UTC), category="fault")
    ticket.fault_description = "不制冷"
    ticket.product_model = "AC-35GW"
    mutation = {
        "client_id": str(uuid.uuid4()),
        "entity": "ticket",
        "id": ticket_id,
        "op": "upsert",
        "base_version": None,
        "data": ticket.to_dict(),
    }
    reply = httpx.post(
        f"{url}/api/v1/sync/push",
        json={"mutations": [mutation]},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
    )
    assert reply.json()["results"][0]["status"] == "applied", reply.text


def _wait(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_ticket_changes_reach_the_ticket_system_after_retries_and_come_back_without_echo(
    central, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = central
    monkeypatch.setattr("central.integrations.ticket_sync.retry_delay", lambda *_: 0.2)
    _push_ticket(url, _token(url, "1001"), "T-ext-1")
    _wait(lambda: len(receiver.received) == 3)  # 503, 503, then delivered
    headers, payload = receiver.received[-1]
    assert payload["event"] == "ticket.upserted" and payload["ticket"]["id"] == "T-ext-1"
    assert headers[SIGNATURE_HEADER].startswith("sha256=") and headers[TIMESTAMP_HEADER].isdigit()
    # the ticket system starts work on it: applied, not sent back
    action = f"{url}/api/v1/integrations/tickets/T-ext-1/actions"
    reply = _signed_post(
        action,
        {"action": "assign", "note": "engineer assigned", "by": "张工", "assignee_group": "second-line"},
        TICKET_SECRET,
    )
    assert reply.status_code == 200 and reply.json()["status"] == "assigned", reply.text
    time.sleep(2.5)
    assert len(receiver.received) == 3
    refused = _signed_post(action, {"action": "assign"}, TICKET_SECRET)
    assert refused.status_code == 409
    unassigned = _signed_post(
        f"{url}/api/v1/integrations/tickets/T-ext-1/actions", {"action": "unknown-action"}, TICKET_SECRET
    )
    assert unassigned.status_code == 409
    assert (
        _signed_post(
            f"{url}/api/v1/integrations/tickets/none/actions", {"action": "start"}, TICKET_SECRET
        ).status_code
        == 404
    )


def test_a_delivery_that_keeps_failing_is_dead_and_an_admin_replays_it(
    central, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = central
    monkeypatch.setattr("central.integrations.ticket_sync.retry_delay", lambda *_: 0.2)
    receiver.statuses[:] = [500, 500, 500]
    _push_ticket(url, _token(url, "1001"), "T-ext-2")
    admin = {"Authorization": f"Bearer {_token(url, 'admin')}"}
    dead_list = f"{url}/api/v1/admin/integrations/deliveries"
    _wait(lambda: httpx.get(dead_list, headers=admin).json()["deliveries"])
    (dead,) = httpx.get(dead_list, headers=admin).json()["deliveries"]
    assert dead["attempts"] == 3 and "HTTP 500" in dead["last_error"]
    agent = {"Authorization": f"Bearer {_token(url, '1001')}"}
    assert httpx.get(dead_list, headers=agent).status_code == 403
    assert httpx.post(f"{dead_list}/{dead['id']}/replay", headers=agent).status_code == 403
    assert httpx.post(f"{dead_list}/{dead['id']}/replay", headers=admin).status_code == 200
    _wait(lambda: len(receiver.received) == 4)
    delivered = httpx.get(dead_list, params={"status": "delivered"}, headers=admin).json()["deliveries"]
    assert [d["id"] for d in delivered] == [dead["id"]]
