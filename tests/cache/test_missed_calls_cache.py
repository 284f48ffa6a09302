"""Missed calls in the cache file (issue #14): stored once, a replay keeps the seen mark, today's
and the older unseen ones come back, old rows are pruned; stored rows round-trip to the domain
object and a damaged row is refused with a ValueError (the service logs and skips it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk_domain.missed_calls import MissedCall, MissedCause
from desktop.cache.store import CacheStore

DAY = 86_400.0


def _call(call_id: str, ended: float, cause: MissedCause = MissedCause.ABANDONED) -> MissedCall:
    return MissedCall(call_id, "support", "+8613900001111", ended, 42.0, cause)


def test_a_missed_call_is_stored_once_and_a_replay_keeps_its_seen_mark(store: CacheStore) -> None:
    assert store.record_missed(_call("m1", 1000.0).to_record())
    assert store.mark_missed_seen(["m1", "unknown"], 1010.0) == 1
    assert not store.record_missed(_call("m1", 1000.0).to_record())  # replayed event
    [row] = store.missed_since(0.0, 0.0)
    assert row["id"] == "m1" and row["seen"] is True
    assert store.mark_missed_seen(["m1"], 1020.0) == 0  # seen once is seen


def test_today_and_older_unseen_come_back_oldest_first_and_old_rows_are_pruned(store: CacheStore) -> None:
    midnight = 10 * DAY
    for call_id, ended in (("old-seen", midnight - 3600), ("old-unseen", midnight - 7200),
                           ("today-2", midnight + 60), ("today-1", midnight + 30),
                           ("ancient", midnight - 9 * DAY)):  # fmt: skip
        store.record_missed(_call(call_id, ended).to_record())
    store.mark_missed_seen(["old-seen", "today-1"], midnight + 100)
    rows = store.missed_since(midnight, midnight - 7 * DAY)
    assert [(r["id"], r["seen"]) for r in rows] == [
        ("old-unseen", False),
        ("today-1", True),
        ("today-2", False),
    ]
    assert store.prune_missed(midnight - 7 * DAY) == 1
    assert "ancient" not in {r["id"] for r in store.missed_since(0.0, 0.0)}


def test_the_rows_are_in_the_file(cache_path: Path, store: CacheStore) -> None:
    store.record_missed(_call("m1", 5.0, MissedCause.UNANSWERED).to_record())
    with sqlite3.connect(cache_path) as conn:
        assert conn.execute("SELECT id, ended_ts, seen_ts FROM missed_calls").fetchall() == [
            ("m1", 5.0, None)
        ]
    with CacheStore(cache_path) as again:
        [row] = again.missed_since(0.0, 0.0)
    call = MissedCall.from_record(row)
    assert call == _call("m1", 5.0, MissedCause.UNANSWERED)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["id", "queue", "caller", "ended_ts", "wait_s", "cause", "seen"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=300)),
    )
)
def test_a_damaged_stored_row_is_a_value_error_never_another_exception(record: dict) -> None:
    try:
        call = MissedCall.from_record(record)
    except ValueError:
        return
    assert call.call_id and call.queue and call.wait_s >= 0.0


@pytest.mark.parametrize("bad", [None, [], "x", {"id": "a", "queue": "q", "ended_ts": 1.0, "cause": "lost"}])
def test_a_record_that_is_not_a_missed_call_is_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        MissedCall.from_record(bad)
