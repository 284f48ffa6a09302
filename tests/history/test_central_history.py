"""Central history (issues #14, #15) against the REAL central API on loopback: agent intervals and
calls are stored under the token's agent (never another's), queue calls only from supervisors,
the day's statistics and CSV exports match hand-computed figures, and every new route follows
the role table."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from central import policy

SH = ZoneInfo("Asia/Shanghai")
DAY = "2026-12-01"


def at(hour: int, minute: int, second: int = 0, day: int = 1) -> float:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SH).timestamp()


def iso(hour: int, minute: int, day: int = 1) -> str:
    return datetime(2026, 12, day, hour, minute, tzinfo=SH).isoformat()


def push(seeded, username: str, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
    body = {"mutations": [{"client_id": str(uuid.uuid4()), "op": "upsert", **m} for m in mutations]}
    response = httpx.post(
        f"{seeded.url}/api/v1/sync/push",
        json=body,
        headers={
            "Authorization": f"Bearer {seeded.token_for(username)}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]


def get(seeded, username: str, path: str, **params: Any) -> httpx.Response:
    return httpx.get(
        f"{seeded.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {seeded.token_for(username)}"},
        timeout=20,
    )


def interval(record_id: str, start: str, end: str | None, state: str, reason: str = "", **extra: Any) -> dict:
    data = {"id": record_id, "start": start, "end": end, "state": state, "reason": reason, "call_id": None}
    return {"entity": "agent_interval", "id": record_id, "data": {**data, **extra}}


def queue_call(call_id: str, join_ts: float, outcome: str | None, wait: float | None, **extra: Any) -> dict:
    data = {"id": call_id, "queue": "sales", "join_ts": join_ts, "outcome": outcome, "wait_s": wait}
    return {"entity": "queue_call", "id": call_id, "data": {**data, **extra}}


def rows_of(seeded, table: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(seeded.db_url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).mappings()]
    finally:
        engine.dispose()


def test_intervals_are_stored_under_the_tokens_agent_and_never_anothers(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    mine = interval("I-1", iso(9, 0), iso(9, 30), "ready")
    forged = interval("I-2", iso(9, 30), iso(9, 45), "not_ready", "break", agent_id="1002")
    results = push(seeded, "1001", mine, forged)
    assert results[0]["status"] == "applied"
    assert (results[1]["status"], results[1]["message"], results[1]["field"]) == (
        "rejected", "forbidden", "agent_id",
    )  # fmt: skip
    # 1002 pushes the same id: its own row, 1001's is untouched
    push(seeded, "1002", interval("I-1", iso(10, 0), iso(10, 5), "not_ready", "lunch"))
    stored = {(r["agent_id"], r["id"]): r for r in rows_of(seeded, "agent_intervals")}
    assert set(stored) == {("1001", "I-1"), ("1002", "I-1")}
    assert stored[("1001", "I-1")]["state"] == "ready"
    assert stored[("1002", "I-1")]["reason"] == "lunch"
    # the same interval again (a re-sent outbox row): one row, replaced
    push(seeded, "1001", interval("I-1", iso(9, 0), iso(9, 31), "ready"))
    assert len([r for r in rows_of(seeded, "agent_intervals") if r["agent_id"] == "1001"]) == 1
    # nothing of it reached the change feed (no desktop replicates another's day)
    assert not [r for r in rows_of(seeded, "change_log") if r["entity"] == "agent_interval"]


def test_a_replayed_client_id_is_answered_from_the_store(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    mutation = {
        "client_id": str(uuid.uuid4()),
        "op": "upsert",
        **interval("I-r", iso(8, 0), iso(8, 1), "ready"),
    }
    headers = {"Authorization": f"Bearer {seeded.token_for('1001')}"}
    answers = []
    for _ in range(2):
        response = httpx.post(
            f"{seeded.url}/api/v1/sync/push",
            json={"mutations": [mutation]},
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=20,
        )
        answers.append(response.json()["results"][0])
    assert answers[0] == answers[1] and answers[0]["status"] == "applied"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"state": "asleep"}, "state"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-12-01T09:00:00"}, "start"),  # no time zone
        ({"end": "2026-12-01T08:00:00+08:00"}, "end"),  # before its start
        ({"reason": "x" * 65, "state": "not_ready"}, "reason"),
        ({"call_id": "c\x01"}, "call_id"),
    ],
)
def test_bad_intervals_are_refused_with_the_field(seeded_central_sqlite, data, field):
    bad = interval("I-bad", iso(9, 0), iso(9, 30), "ready")
    bad["data"].update(data)
    result = push(seeded_central_sqlite, "1001", bad)[0]
    assert result["status"] == "rejected" and result["field"] == field, result


def test_calls_are_the_agents_own_and_bad_ones_refused(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    call = {"id": "call-1", "ended_ts": at(9, 5), "direction": "outbound", "caller": "138 0013 8000"}
    results = push(
        seeded,
        "1001",
        {"entity": "agent_call", "id": "call-1", "data": call},
        {"entity": "agent_call", "id": "call-2", "data": {**call, "id": "call-2", "ended_ts": "soon"}},
        {"entity": "agent_call", "id": "call-3", "data": {**call, "id": "call-3", "direction": "sideways"}},
        {"entity": "agent_call", "id": "call-1", "op": "delete"},
    )
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "rejected"]
    assert [r["field"] for r in results[1:]] == ["ended_ts", "direction", "op"]
    (row,) = rows_of(seeded, "agent_calls")
    assert row["agent_id"] == "1001" and row["ended_ts"] == at(9, 5)


def test_only_supervisors_and_admins_report_queue_calls(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    outcomes = {
        username: push(seeded, username, queue_call(f"q-{username}", at(9, 0), "answered", 5.0))[0]
        for username in ("1001", "super", "admin")
    }
    assert (outcomes["1001"]["status"], outcomes["1001"]["message"]) == ("rejected", "forbidden")
    assert outcomes["super"]["status"] == outcomes["admin"]["status"] == "applied"
    bad = push(
        seeded,
        "super",
        queue_call("q-bad1", at(9, 0), "lost", 5.0),
        queue_call("q-bad2", at(9, 0), "answered", -1.0),
        queue_call("q-bad3", 12.0, "answered", 1.0),
        {**queue_call("q-bad4", at(9, 0), None, None), "data": {"id": "q-bad4", "join_ts": at(9, 0)}},
    )
    assert [(r["status"], r["field"]) for r in bad] == [
        ("rejected", "outcome"), ("rejected", "wait_s"), ("rejected", "join_ts"), ("rejected", "queue"),
    ]  # fmt: skip


HISTORY_ROUTES = [
    ("/api/v1/history/agent-intervals", "GET /api/v1/history/agent-intervals"),
    ("/api/v1/history/agent-intervals.csv", "GET /api/v1/history/agent-intervals.csv"),
    ("/api/v1/history/queue-calls", "GET /api/v1/history/queue-calls"),
    ("/api/v1/history/queue-stats", "GET /api/v1/history/queue-stats"),
    ("/api/v1/history/queue-stats.csv", "GET /api/v1/history/queue-stats.csv"),
]


@pytest.mark.parametrize(("path", "key"), HISTORY_ROUTES)
def test_history_routes_follow_the_role_table(seeded_central_sqlite, path, key):
    assert policy.ENDPOINTS[key] == policy.STAFF
    for username, allowed in (("1001", False), ("super", True), ("admin", True)):
        response = get(seeded_central_sqlite, username, path, day=DAY, tz="Asia/Shanghai")
        assert response.status_code == (200 if allowed else 403), (username, response.text)
        if not allowed:
            assert response.json()["error"]["code"] == "forbidden"
    anonymous = httpx.get(f"{seeded_central_sqlite.url}{path}", params={"day": DAY}, timeout=10)
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    "params", [{"day": DAY, "tz": "Mars/Olympus"}, {"day": "2026-13-01"}, {"day": DAY, "sl_threshold_s": "0"}]
)
def test_bad_day_zone_or_threshold_is_a_clear_422(seeded_central_sqlite, params):
    response = get(seeded_central_sqlite, "super", "/api/v1/history/queue-stats", **params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


def _seed_day(seeded) -> None:
    results = push(
        seeded,
        "super",
        queue_call("c1", at(9, 0, 5), "answered", 10.0, handle_s=100.0, wrap_s=20.0),
        queue_call("c2", at(9, 3), "answered", 30.0, handle_s=200.0),
        queue_call("c3", at(9, 10), "abandoned", 40.0),
        queue_call("c4", at(9, 16), "unanswered", 60.0),
        queue_call("c0", at(23, 59) - 86_400, "answered", 1.0),  # the day before
        queue_call("c9", at(0, 0, day=2), "abandoned", 1.0),  # the next day
    )
    assert {r["status"] for r in results} == {"applied"}


def test_queue_stats_of_a_day_match_hand_computed_figures(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    _seed_day(seeded)
    body = get(seeded, "super", "/api/v1/history/queue-stats", day=DAY, tz="Asia/Shanghai").json()
    first, second, total = body["rows"]
    assert first == {
        "kind": "queue_stats", "queue": "sales", "interval_start": "2026-12-01T09:00:00+08:00",
        "offered": 3, "answered": 2, "abandoned": 1, "unanswered": 0, "sl_pct": 50.0, "sl2_pct": 33.3,
        "asa_s": 20.0, "aht_s": 160.0, "abandon_rate_pct": 33.3, "max_wait_s": 40.0,
    }  # fmt: skip
    assert second["interval_start"] == "2026-12-01T09:15:00+08:00"
    assert (second["offered"], second["unanswered"], second["sl_pct"], second["sl2_pct"]) == (1, 1, None, 0.0)
    assert (second["abandon_rate_pct"], second["max_wait_s"]) == (None, 60.0)
    assert total["interval_start"] is None
    assert (total["offered"], total["answered"], total["abandoned"], total["unanswered"]) == (4, 2, 1, 1)
    assert (total["sl_pct"], total["sl2_pct"], total["asa_s"], total["aht_s"]) == (50.0, 25.0, 20.0, 160.0)
    # the same calls seen from UTC: 01:00Z, 01:15Z intervals, same totals
    utc = get(seeded, "super", "/api/v1/history/queue-stats", day="2026-12-01", tz="UTC").json()["rows"]
    assert utc[0]["interval_start"] == "2026-12-01T01:00:00+00:00" and utc[-1]["offered"] == 5  # c9 too
    calls = get(seeded, "super", "/api/v1/history/queue-calls", day=DAY, tz="Asia/Shanghai").json()["calls"]
    assert [c["id"] for c in calls] == ["c1", "c2", "c3", "c4"]
    assert calls[0] == {
        "id": "c1", "queue": "sales", "join_ts": at(9, 0, 5), "outcome": "answered",
        "wait_s": 10.0, "handle_s": 100.0, "wrap_s": 20.0,
    }  # fmt: skip


def test_queue_stats_csv_carries_the_same_figures(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    _seed_day(seeded)
    response = get(seeded, "admin", "/api/v1/history/queue-stats.csv", day=DAY, tz="Asia/Shanghai")
    assert response.headers["content-type"].startswith("text/csv")
    assert "calldesk-queue-stats-2026-12-01.csv" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "queue", "interval_start", "offered", "answered", "abandoned", "unanswered", "sl_pct",
        "sl2_pct", "asa_s", "aht_s", "abandon_rate_pct", "max_wait_s",
    ]  # fmt: skip
    assert [r["interval_start"] for r in rows] == [
        "2026-12-01T09:00:00+08:00",
        "2026-12-01T09:15:00+08:00",
        "",
    ]
    assert rows[0]["sl2_pct"] == "33.3" and rows[0]["aht_s"] == "160.0"
    assert rows[1]["sl_pct"] == "" and rows[1]["max_wait_s"] == "60.0"
    assert (rows[2]["offered"], rows[2]["sl2_pct"]) == ("4", "25.0")


def test_agent_intervals_of_a_day_count_only_the_part_inside_it(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    push(
        seeded,
        "1001",
        interval("A-0", iso(23, 50).replace("12-01", "11-30"), iso(0, 10), "not_ready", '=HYPERLINK("x")'),
        interval("A-1", iso(9, 0), iso(9, 30), "ready"),
        interval("A-2", iso(9, 30), iso(10, 15), "not_ready", "lunch"),
    )  # fmt: skip
    push(seeded, "1002", interval("B-1", iso(11, 0), iso(11, 1), "ready"))
    body = get(seeded, "super", "/api/v1/history/agent-intervals", day=DAY, tz="Asia/Shanghai", agent="1001")
    got = [(i["id"], i["state"], i["seconds_in_day"]) for i in body.json()["intervals"]]
    assert got == [("A-0", "not_ready", 600.0), ("A-1", "ready", 1800.0), ("A-2", "not_ready", 2700.0)]
    response = get(seeded, "super", "/api/v1/history/agent-intervals.csv", day=DAY, tz="Asia/Shanghai")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["agent_id"], r["state"], r["seconds_in_day"]) for r in rows] == [
        ("1001", "not_ready", "600.0"), ("1001", "ready", "1800.0"), ("1001", "not_ready", "2700.0"),
        ("1002", "ready", "60.0"),
    ]  # fmt: skip
    assert rows[0]["reason"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert rows[2]["reason"] == "lunch" and rows[2]["start"] == "2026-12-01T09:30:00+08:00"
