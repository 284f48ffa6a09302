"""The outbox copy in `<cache>.unsent.sqlite3` (desktop/cache/unsent.py): every change of the
outbox and conflict list reaches it, and `reconcile` repairs the drift a crash between the
two files' commits (or a flipped bit in the cache) leaves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.cache.store import CacheStore
from desktop.cache.unsent import unsent_path


def _kept(path: Path, table: str = "kept_outbox") -> list[tuple]:
    conn = sqlite3.connect(unsent_path(path))
    try:
        return conn.execute(f"SELECT id, payload, attempts FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def _main(store: CacheStore) -> list[tuple]:
    return store._conn.execute("SELECT id, payload, attempts FROM main.outbox ORDER BY id").fetchall()


def test_writes_failures_and_acknowledgements_reach_the_copy(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with CacheStore(path) as store:
        first = store.write_local("ticket", {"id": "T1", "title": "a"})
        second = store.write_local("note", {"id": "N1", "text": "b"})
        assert {r[0] for r in _kept(path)} == {first, second}
        store.note_push_failure([first], "timeout")
        assert _kept(path) == _main(store)
        store._conn.execute("DELETE FROM outbox WHERE id = ?", (second,))  # as an applied answer does
        assert [r[0] for r in _kept(path)] == [first] == [r[0] for r in _main(store)]


def test_reconcile_keeps_the_union_and_the_copy_wins_on_content(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with CacheStore(path) as store:
        kept_only = store.write_local("ticket", {"id": "T1", "title": "delete not copied"})
        main_only = store.write_local("ticket", {"id": "T2", "title": "insert not copied"})
        flipped = store.write_local("ticket", {"id": "T3", "title": "original"})
    # the drift a crash between the two commits leaves, and a bit flipped in the cache's row
    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM outbox WHERE id = ?", (kept_only,))
    raw.execute(
        "UPDATE outbox SET payload = replace(payload, 'original', 'origimal') WHERE id = ?", (flipped,)
    )
    raw.commit()
    raw.close()
    copy = sqlite3.connect(unsent_path(path))
    copy.execute("DELETE FROM kept_outbox WHERE id = ?", (main_only,))
    copy.commit()
    copy.close()
    with CacheStore(path) as store:
        report = store.reconcile_unsent()
        assert (report.copied, report.restored, report.corrected) == (1, 1, 1)
        assert _main(store) == _kept(path)
        assert {r[0] for r in _main(store)} == {kept_only, main_only, flipped}
        [entry] = [e for e in store.outbox_entries() if e.client_id == flipped]
        assert entry.payload["title"] == "original"
        assert not store.reconcile_unsent().changed
