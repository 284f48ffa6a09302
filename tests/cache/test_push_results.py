"""desktop/cache/push_results.py carries out what merge_policy decides, on a real SQLite file:
the server's answers are written by hand here (the loopback-server path is tests/sync_push)."""

from __future__ import annotations

from typing import Any

from desktop.cache.store import CacheStore, PushReport

BASE = {"id": "T1", "title": "printer", "status": "open", "version": 3}
SERVER = {**BASE, "status": "closed", "version": 4}


def _trail(store: CacheStore) -> list[tuple[str, str, str | None]]:
    return list(store._conn.execute("SELECT outbox_id, reason, resolved_at FROM conflicts ORDER BY id"))


def _two_edits_then_a_conflict(
    store: CacheStore, first: dict[str, Any], second: dict[str, Any]
) -> tuple[str, str, PushReport]:
    """T1 pulled at version 3, edited twice; the server answers the first push: conflict at 4."""
    store.apply_changes_report([{"seq": 1, "entity": "ticket", "id": "T1", "op": "upsert", "data": BASE}])
    one, two = store.write_local("ticket", {**BASE, **first}), store.write_local("ticket", {**BASE, **second})
    answer = {"client_id": one, "status": "conflict", "version": 4, "server": SERVER}
    return one, two, store.apply_push_results(store.next_push_batch(10), [answer])


def test_a_mergeable_conflict_requeues_the_merge_and_leaves_a_trail(store: CacheStore) -> None:
    first, second, report = _two_edits_then_a_conflict(
        store, {"title": "printer jam"}, {"title": "printer jam, tray 2"}
    )
    assert report.merged == 1
    [queued] = store.outbox_entries()
    assert queued.client_id not in (first, second)
    assert queued.payload == {"id": "T1", "title": "printer jam, tray 2", "status": "closed"}
    assert (queued.base_version, queued.base_payload) == (4, SERVER)
    assert store.local_record("ticket", "T1") == {**queued.payload, "version": 4}
    merged_into = f"merged into {queued.client_id}"
    assert [(o, r) for o, r, _ in _trail(store)] == [(first, merged_into), (second, merged_into)]
    assert all(resolved for _, _, resolved in _trail(store)) and store.conflicts() == []


def test_a_clashing_conflict_lists_the_newest_copy_and_the_server_copy_wins(store: CacheStore) -> None:
    first, second, report = _two_edits_then_a_conflict(store, {"status": "pending"}, {"status": "waiting"})
    assert report.conflict == 1 and store.outbox_count() == 0
    [listed] = store.conflicts()
    assert (listed.outbox_id, listed.local["status"], listed.server) == (second, "waiting", SERVER)
    assert (first, f"superseded by conflict #{listed.id}") in [(o, r) for o, r, _ in _trail(store)]
    assert store.local_record("ticket", "T1") == SERVER


def test_a_refused_create_is_dropped_locally_but_kept_in_the_conflict_list(store: CacheStore) -> None:
    sent = store.write_local("ticket", {"id": "T9", "title": "new"})
    answer = {"client_id": sent, "status": "rejected", "field": "customer_id", "message": "unknown"}
    report = store.apply_push_results(store.next_push_batch(10), [answer])
    assert report.rejected == 1 and store.outbox_count() == 0
    assert store.local_record("ticket", "T9") is None
    [listed] = store.conflicts()
    assert (listed.local, listed.reason) == ({"id": "T9", "title": "new"}, "rejected: customer_id: unknown")
