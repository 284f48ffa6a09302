"""The local history store (desktop/cache/history.py through AgentHistory and CacheOps, on a real
SQLite file): a closed interval is queued for push in the same transaction, the open one is not,
a change of reason splits, a damaged row costs only that row, and old pushed rows are pruned."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from calldesk_domain.agent_intervals import AgentState
from desktop.cache.store import CacheStore
from desktop.services.agent_history import AgentHistory, TodayCall
from desktop.services.ops import CacheOps
from desktop.services.worker import shutdown_worker

SH = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=SH).timestamp()


def _outbox(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT entity, entity_id FROM outbox ORDER BY rowid"))


async def test_closed_intervals_are_queued_and_the_open_one_is_not(tmp_path):
    path = tmp_path / "cache.sqlite3"
    CacheStore(path).close()
    history = AgentHistory(CacheOps(path), SH, clock=lambda: NOON)
    try:
        first = history.change(NOON - 600, AgentState.NOT_READY, "break")
        assert first is not None and first[0] is None
        await history.store(first)
        assert _outbox(path) == []
        second = history.change(NOON - 300, AgentState.NOT_READY, "lunch")
        assert history.change(NOON - 200, AgentState.NOT_READY, "lunch") is None  # a repeat
        assert second is not None and second[0] is not None
        await history.store(second)
        assert _outbox(path) == [("agent_interval", first[1]["id"])]  # the break, closed, by its id
        closed = second[0]
        assert (closed["state"], closed["reason"], closed["end_ts"]) == ("not_ready", "break", NOON - 300)
        await history.record_call(TodayCall("c-1", NOON - 100, caller="138 0013 8000"))
        assert _outbox(path)[-1] == ("agent_call", "c-1")
        reloaded = AgentHistory(CacheOps(path), SH, clock=lambda: NOON)
        calls = await reloaded.load_today()
        assert [c.call_id for c in calls] == ["c-1"]
        assert [(i.reason, i.end is None) for i in reloaded.log.intervals] == [
            ("break", False),
            ("lunch", True),
        ]
        assert reloaded.total(AgentState.NOT_READY, "lunch").total_seconds() == 300
        # the next change closes "lunch" under the id it was stored with (one row, not two)
        change = reloaded.change(NOON, AgentState.READY)
        assert change is not None and change[0] is not None and change[0]["id"] == second[1]["id"]
    finally:
        shutdown_worker()


async def test_a_damaged_row_is_skipped_with_a_log_line(tmp_path, caplog):
    path = tmp_path / "cache.sqlite3"
    store = CacheStore(path)
    opened = {"id": "i-1", "start": "2026-12-01T09:00:00+08:00", "end": None, "state": "ready",
              "reason": "", "call_id": None, "start_ts": NOON - 3 * 3600, "end_ts": None}  # fmt: skip
    store.record_interval_change(None, opened)
    store.record_call({"id": "c-1", "ended_ts": NOON - 60, "caller": ""})
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO agent_intervals (id, start_ts, end_ts, data) VALUES (?, ?, NULL, ?)",
            ("i-bad", NOON - 100, json.dumps({"id": "i-bad", "start": "not a time", "state": "ready"})),
        )
        conn.execute(
            "INSERT INTO call_log (id, ended_ts, data) VALUES (?, ?, ?)",
            ("c-bad", NOON - 50, json.dumps({"id": "c-bad", "ended_ts": "later"})),
        )
    store.close()
    history = AgentHistory(CacheOps(path), SH, clock=lambda: NOON)
    try:
        with caplog.at_level(logging.WARNING):
            calls = await history.load_today()
        assert [c.call_id for c in calls] == ["c-1"]
        assert [i.state for i in history.log.intervals] == [AgentState.READY]
        assert "stored interval i-bad skipped" in caplog.text and "stored call c-bad skipped" in caplog.text
    finally:
        shutdown_worker()


async def test_old_pushed_rows_are_pruned_and_queued_ones_kept(tmp_path):
    path = tmp_path / "cache.sqlite3"
    store = CacheStore(path)
    week_ago = NOON - 8 * 86_400
    store.record_call({"id": "old-pushed", "ended_ts": week_ago})
    store.record_call({"id": "old-queued", "ended_ts": week_ago})
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM outbox WHERE entity_id = 'old-pushed'")  # its push went out
    assert store.prune_history(NOON - 7 * 86_400) == 1
    assert [c["id"] for c in store.calls_since(0)] == ["old-queued"]
    store.close()
