"""ConflictsDialog driven with real clicks on a real cache; ConnectivityService against a real
server and a dead port; a cache made at the previous schema keeps its outbox through upgrade."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.cache.migrate import current_revision, upgrade
from desktop.cache.outbox import OutboxEntry, add_conflict, new_id
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.conflicts import ConflictService
from desktop.services.connectivity import Backoff, ConnectivityService
from desktop.services.ops import CacheOps, CacheUnavailable
from desktop.services.push import PushSync
from desktop.services.sync import PullSync
from desktop.views.conflicts_dialog import ConflictsDialog, compare_rows


def _listed_conflict(store: CacheStore) -> int:
    """A conflict in the list exactly as the push leaves one (server won)."""
    entry = OutboxEntry(
        client_id=new_id(),
        entity="note",
        entity_id="n1",
        op="upsert",
        payload={"id": "n1", "customer_id": "C1", "text": "mine"},
        base_version=1,
        base_payload=None,
        created_at="2026-11-23T08:00:00.000000Z",
        attempts=0,
        last_error=None,
    )
    conn = store._conn
    conn.execute("BEGIN IMMEDIATE")
    conflict_id = add_conflict(
        conn, entry, {"id": "n1", "customer_id": "C1", "text": "theirs", "version": 2}, "conflict: x"
    )
    conn.execute(
        "INSERT INTO local_records (entity, id, data, version, updated_at) VALUES"
        ' (\'note\', \'n1\', \'{"id": "n1", "customer_id": "C1", "text": "theirs"}\', 2, \'now\')'
    )
    conn.execute("COMMIT")
    return conflict_id


def test_compare_lists_differing_fields_first():
    rows = compare_rows({"a": 1, "b": "x", "version": 1}, {"a": 1, "b": "y", "version": 2})
    assert rows[0] == ("b", "x", "y", True)
    assert ("a", "1", "1", False) in rows
    assert all(row[0] != "version" for row in rows)


def _dialog(path: Path) -> tuple[ConflictsDialog, ConflictService]:
    """The dialog as the sync desk opens it: the list as data, the actions on the worker."""
    service = ConflictService(CacheOps(path))
    with CacheStore(path) as store:
        listed = store.conflicts()
    return ConflictsDialog(listed, reapply=service.reapply, dismiss=service.dismiss), service


async def test_reapply_from_the_dialog_requeues_my_copy_on_the_server_version(qtbot, tmp_path):
    path = tmp_path / "c.sqlite3"
    with CacheStore(path) as store:
        _listed_conflict(store)
    dialog, _service = _dialog(path)
    qtbot.addWidget(dialog)
    assert dialog.list.rowCount() == 1
    cells = {
        dialog.compare.item(r, 0).text(): dialog.compare.item(r, 1).text()
        for r in range(dialog.compare.rowCount())
    }
    assert cells["text"] == "mine"
    assert dialog.compare.item(0, 0).text() == "text"  # the differing field comes first
    changed: list[bool] = []
    dialog.changed.connect(lambda: changed.append(True))
    qtbot.mouseClick(dialog.reapply_button, Qt.MouseButton.LeftButton)
    await _eventually(lambda: changed == [True])
    assert dialog.list.rowCount() == 0 and not dialog.reapply_button.isEnabled()
    with CacheStore(path) as store:
        [entry] = store.outbox_entries()
        assert (entry.payload["text"], entry.base_version) == ("mine", 2)
        assert store.local_record("note", "n1")["text"] == "mine"


async def test_keep_server_version_resolves_without_queueing(qtbot, tmp_path):
    path = tmp_path / "c.sqlite3"
    with CacheStore(path) as store:
        _listed_conflict(store)
    dialog, _service = _dialog(path)
    qtbot.addWidget(dialog)
    changed: list[bool] = []
    dialog.changed.connect(lambda: changed.append(True))
    qtbot.mouseClick(dialog.dismiss_button, Qt.MouseButton.LeftButton)
    await _eventually(lambda: changed == [True])
    with CacheStore(path) as store:
        assert store.conflicts() == [] and store.outbox_count() == 0
        assert store.local_record("note", "n1")["text"] == "theirs"


async def test_a_failed_reapply_is_said_in_the_dialog_and_the_conflict_stays(qtbot, tmp_path):
    path = tmp_path / "c.sqlite3"
    with CacheStore(path) as store:
        _listed_conflict(store)
        listed = store.conflicts()

    async def broken(conflict_id: int) -> list:
        raise CacheUnavailable("The local cache could not be written (disk I/O error).")

    dialog = ConflictsDialog(listed, reapply=broken, dismiss=broken)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.reapply_button, Qt.MouseButton.LeftButton)
    await _eventually(lambda: "disk I/O error" in dialog.summary.text())
    assert dialog.list.rowCount() == 1 and dialog.reapply_button.isEnabled()


def test_unreadable_conflict_list_is_reported_not_fatal(qtbot):
    async def unused(conflict_id: int) -> list:
        raise AssertionError

    dialog = ConflictsDialog([], reapply=unused, dismiss=unused, error="disk I/O error")
    qtbot.addWidget(dialog)
    assert "disk I/O error" in dialog.summary.text()
    assert dialog.list.rowCount() == 0


async def _eventually(check, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


# ---- connectivity ---------------------------------------------------------------------------


async def test_connectivity_reports_online_with_the_outbox_and_offline_with_backoff(
    seeded_central_sqlite, tmp_path
):
    central = seeded_central_sqlite
    path = tmp_path / "c.sqlite3"
    store = CacheStore(path)
    store.write_local("note", {"id": new_id(), "customer_id": central.sample_customer()["id"], "text": "hi"})
    states: list[str] = []
    counts: list[int] = []
    api = CentralApi(central.url, token=central.token, max_retries=0)
    service = ConnectivityService(
        PushSync(api, path).run,
        PullSync(api, path).run_incremental,
        store.outbox_count,
        on_state=states.append,
        on_outbox=counts.append,
    )
    assert await service.cycle() is True
    assert states == ["syncing", "online"] and counts[-1] == 0
    assert store.last_seq() > 0

    dead = CentralApi("http://127.0.0.1:9", token="t", max_retries=0, timeout=1)
    store.write_local("note", {"id": new_id(), "customer_id": "C1", "text": "offline"})
    offline = ConnectivityService(
        PushSync(dead, path).run,
        PullSync(dead, path).run_incremental,
        store.outbox_count,
        on_state=states.append,
        on_outbox=counts.append,
        backoff=Backoff(base_s=2.0, cap_s=60.0),
    )
    assert await offline.cycle() is False
    assert await offline.cycle() is False
    assert states[-1] == "offline" and counts[-1] == 1
    assert offline.failures == 2 and "reach" in (offline.last_error or "")
    assert 2.0 <= offline.next_delay() <= 4.0  # 2 s * 2**1, jittered into [50 %, 100 %]
    assert Backoff(1.0, 60.0).delay(30, rand=lambda: 1.0) == 60.0
    store.close()
    await api.aclose()
    await dead.aclose()


# ---- schema migration -------------------------------------------------------------------------


@pytest.mark.parametrize("previous", ["0002", "0003"])
def test_cache_from_the_previous_revision_keeps_its_outbox(tmp_path: Path, previous: str):
    path = tmp_path / "old.sqlite3"
    upgrade(path, previous)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO outbox (id, entity, entity_id, op, payload, base_version, created_at, attempts)"
            " VALUES ('o1', 'note', 'n1', 'upsert', '{\"id\": \"n1\", \"text\": \"kept\"}', NULL,"
            " '2026-11-23T08:00:00.000000Z', 2)"
        )
    store = CacheStore(path)  # migrates to head
    assert current_revision(path) == "0007_security17b_masked_phones"
    [entry] = store.outbox_entries()
    assert (entry.client_id, entry.payload["text"], entry.attempts, entry.base_payload) == (
        "o1",
        "kept",
        2,
        None,
    )
    assert store.next_push_batch(10)[0].client_id == "o1"
    store.close()
