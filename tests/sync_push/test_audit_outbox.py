"""Desktop audit events (views, reveals) against the real central API and a real cache file:
written locally, pushed through the outbox, seen by the admin as the signed-in user."""

from __future__ import annotations

import httpx
import pytest

from desktop.cache.outbox import OutboxError
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.audit import AuditService, RevealUnavailable
from desktop.services.ops import CacheOps
from desktop.services.push import PushSync


def _admin_events(central, customer_id: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {central.token_for('admin')}"}
    response = httpx.get(
        f"{central.url}/api/v1/admin/audit", params={"customer_id": customer_id}, headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["events"]


async def test_views_are_queued_offline_once_per_call_and_pushed_as_the_signed_in_user(
    seeded_central_sqlite, tmp_path
):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    CacheStore(path).close()
    customer_id = central.sample_customer()["id"]
    audit = AuditService(CacheOps(path))  # no API: the desktop is offline
    for _ in range(3):  # the card repainted during one call is one view
        audit.record_view(customer_id, "call-1")
    audit.record_view(customer_id, "call-2")
    audit.record_view(customer_id, "")
    audit.record_view(None, "call-3")
    await audit.close()
    with CacheStore(path) as store:
        events = store.pending_audit_events()
    assert [(e["action"], e["customer_id"], e["call_id"]) for e in events] == [
        ("view", customer_id, "call-1"),
        ("view", customer_id, "call-2"),
        ("view", customer_id, ""),
    ]
    assert all("username" not in e and "agent_id" not in e for e in events)
    assert _admin_events(central, customer_id) == []

    api = CentralApi(central.url, token=central.token_for("1002"), max_retries=0)
    result = await PushSync(api, path).run()
    await api.aclose()
    assert (result.applied, result.remaining, result.conflicts) == (3, 0, 0)
    seen = _admin_events(central, customer_id)
    assert sorted((e["username"], e["call_id"], e["source"]) for e in seen) == [
        ("1002", "", "desktop"),
        ("1002", "call-1", "desktop"),
        ("1002", "call-2", "desktop"),
    ]
    assert {e["at"] for e in seen} == {e["at"] for e in events}  # when the agent saw it
    with CacheStore(path) as store:
        assert store.pending_audit_events() == []


async def test_reveal_online_is_audited_by_the_server_offline_only_from_full_cached_numbers(
    seeded_central_sqlite, tmp_path
):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    CacheStore(path).close()
    sample = central.sample_customer()
    api = CentralApi(central.url, token=central.token_for("1001"), max_retries=0)
    audit = AuditService(CacheOps(path), api)
    numbers = await audit.reveal(sample["id"], "call-5")
    assert sample["mobile"] in numbers
    with pytest.raises(RevealUnavailable, match="does not exist"):
        await audit.reveal("NOSUCH", "call-5")
    events = _admin_events(central, sample["id"])
    assert [(e["username"], e["action"], e["call_id"], e["source"]) for e in events] == [
        ("1001", "reveal", "call-5", "server")
    ]
    # the desktop queued the same event (same id) in its outbox: pushed, it is recorded once
    with CacheStore(path) as store:
        [queued] = store.pending_audit_events()
        assert (queued["action"], queued["customer_id"], queued["call_id"]) == (
            "reveal",
            sample["id"],
            "call-5",
        )
    cached = b"".join(f.read_bytes() for f in tmp_path.glob("cache.sqlite3*"))
    assert sample["mobile"][3:].encode() not in cached  # the revealed number is never cached
    result = await PushSync(api, path).run()
    assert (result.applied, result.remaining) == (1, 0)
    assert len(_admin_events(central, sample["id"])) == 1
    await api.aclose()

    central.go_offline()
    offline_api = CentralApi(central.url, token="t", max_retries=0, timeout=1)
    offline = AuditService(CacheOps(path), offline_api)
    with pytest.raises(RevealUnavailable, match="connected"):
        await offline.reveal(sample["id"], "call-6", cached=["138****8000"])
    assert await offline.reveal(sample["id"], "call-6", cached=[sample["mobile"]]) == [sample["mobile"]]
    await offline_api.aclose()
    with CacheStore(path) as store:
        pending = store.pending_audit_events()
    assert [(e["action"], e["call_id"]) for e in pending] == [("reveal", "call-6")]


def test_bad_audit_events_are_refused_before_they_reach_the_outbox(tmp_path):
    with CacheStore(tmp_path / "c.sqlite3") as store:
        with pytest.raises(OutboxError):
            store.record_audit("erase", "C1")
        with pytest.raises(OutboxError):
            store.record_audit("view", "")
        assert store.outbox_count() == 0
