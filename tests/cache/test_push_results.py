"""desktop/cache/push_results.py carries out what merge_policy decides, on a real SQLite file:
the server's answers are written by hand here (the loopback-server path is tests/sync_push)."""

from __future__ import annotations

from desktop.cache.store import CacheStore


def _conflicts(store: CacheStore) -> list[tuple[str, str, str | None]]:
    return [
        (outbox_id, reason, resolved)
        for outbox_id, reason, resolved in store._conn.execute(
            "SELECT outbox_id, reason, resolved_at FROM conflicts ORDER BY id"
        )
    ]


def _pulled(store: CacheStore, record: dict) -> None:
    store.apply_changes_report(
        [{"seq": 1, "entity": "ticket", "id": record["id"], "op": "upsert", "data": record}]
    )


BASE = {"id": "T1", "title": "printer", "status": "open", "version": 3}


def test_a_mergeable_conflict_requeues_the_merge_and_leaves_a_trail(store: CacheStore) -> None:
    _pulled(store, BASE)
    first = store.write_local("ticket", {**BASE, "title": "printer jam"})
    second = store.write_local("ticket", {**BASE, "title": "printer jam, tray 2"})
    server = {**BASE, "status": "closed", "version": 4}
    report = store.apply_push_results(
        store.next_push_batch(10),
        [{"client_id": first, "status": "conflict", "version": 4, "server": server}],
    )
    assert report.merged == 1
    [queued] = store.outbox_entries()
    assert queued.client_id not in (first, second)
    assert queued.payload == {"id": "T1", "title": "printer jam, tray 2", "status": "closed"}
    assert (queued.base_version, queued.base_payload) == (4, server)
    assert store.local_record("ticket", "T1") == {**queued.payload, "version": 4}
    trail = _conflicts(store)
    assert [(o, r) for o, r, _ in trail] == [
        (first, f"merged into {queued.client_id}"),
        (second, f"merged into {queued.client_id}"),
    ]
    assert all(resolved for _, _, resolved in trail) and store.conflicts() == []


def test_a_clashing_conflict_lists_the_newest_copy_and_the_server_copy_wins(store: CacheStore) -> None:
    _pulled(store, BASE)
    first = store.write_local("ticket", {**BASE, "status": "pending"})
    second = store.write_local("ticket", {**BASE, "status": "waiting"})
    server = {**BASE, "status": "closed", "version": 4}
    report = store.apply_push_results(
        store.next_push_batch(10),
        [{"client_id": first, "status": "conflict", "version": 4, "server": server}],
    )
    assert report.conflict == 1 and store.outbox_count() == 0
    [listed] = store.conflicts()
    assert (listed.outbox_id, listed.local["status"], listed.server) == (second, "waiting", server)
    assert (first, f"superseded by conflict #{listed.id}") in [(o, r) for o, r, _ in _conflicts(store)]
    assert store.local_record("ticket", "T1") == server


def test_a_refused_create_is_dropped_locally_but_kept_in_the_conflict_list(store: CacheStore) -> None:
    sent = store.write_local("ticket", {"id": "T9", "title": "new"})
    report = store.apply_push_results(
        store.next_push_batch(10),
        [{"client_id": sent, "status": "rejected", "field": "customer_id", "message": "unknown"}],
    )
    assert report.rejected == 1 and store.outbox_count() == 0
    assert store.local_record("ticket", "T9") is None
    [listed] = store.conflicts()
    assert (listed.local, listed.reason) == ({"id": "T9", "title": "new"}, "rejected: customer_id: unknown")
