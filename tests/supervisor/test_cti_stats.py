"""`calldesk cti stats` over the public recordings and our own traces gives hand-computed figures.

Hand computation: the event times come from the recordings' PBX timestamps (`cti parse` shows
them); wait = answer (AgentConnect / bridge) - join, handle = hang-up - answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.cli import main

REPO = Path(__file__).resolve().parents[2]
SHARED = Path("/work/shared/cti-traces")
if not SHARED.is_dir():
    SHARED = REPO.parent / "shared" / "cti-traces"
OWN = REPO / "tests" / "traces"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the public recordings are not beside the repo")


def stats(capsys: pytest.CaptureFixture[str], fmt: str, path: Path, *extra: str) -> list[dict[str, Any]]:
    assert main(["cti", "stats", "--format", fmt, str(path), *extra]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


KEYS = [
    "kind",
    "queue",
    "interval_start",
    "offered",
    "answered",
    "abandoned",
    "unanswered",
    "sl_pct",
    "sl2_pct",
    "asa_s",
    "aht_s",
    "abandon_rate_pct",
    "max_wait_s",
]


@needs_shared
def test_two_calls_asterisk(capsys: pytest.CaptureFixture[str]) -> None:
    rows = stats(capsys, "ami", SHARED / "asterisk-22" / "two_calls.ami")
    assert [list(row) for row in rows] == [KEYS, KEYS]
    interval, total = rows
    # joins 23:12:14.541 and .942 UTC = 07:12 in Shanghai -> the 07:00 interval
    assert interval["interval_start"] == "2026-11-23T07:00:00+08:00" and total["interval_start"] is None
    for row in rows:
        assert (row["queue"], row["offered"], row["answered"], row["abandoned"], row["unanswered"]) == (
            "support",
            2,
            2,
            0,
            0,
        )
        assert (row["sl_pct"], row["sl2_pct"], row["abandon_rate_pct"]) == (100.0, 100.0, 0.0)
        # waits 136.544-134.541 = 2.003 and 137.946-134.942 = 3.004 (PBX HoldTime 2 and 3)
        assert row["asa_s"] == pytest.approx(2.5035, abs=0.002)
        assert row["max_wait_s"] == pytest.approx(3.005, abs=0.002)
        # handle 140.049-136.544 = 3.505 and 143.452-137.946 = 5.506; no wrap-up pause
        assert row["aht_s"] == pytest.approx(4.5055, abs=0.002)


@needs_shared
def test_abandoned_asterisk_and_sl_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    total = stats(capsys, "ami", SHARED / "asterisk-22" / "abandoned.ami")[-1]
    assert (total["offered"], total["answered"], total["abandoned"], total["unanswered"]) == (1, 0, 1, 0)
    assert total["sl_pct"] is None and total["asa_s"] is None and total["aht_s"] is None
    assert total["abandon_rate_pct"] == 100.0
    assert total["max_wait_s"] == pytest.approx(4.5, abs=0.1)  # HoldTime 4
    assert total["sl2_pct"] == 100.0  # abandoned within 20 s
    tight = stats(capsys, "ami", SHARED / "asterisk-22" / "abandoned.ami", "--sl-threshold", "4")[-1]
    assert tight["sl2_pct"] == 0.0  # 4.5 s > 4 s


@needs_shared
def test_freeswitch_agent_status_and_time_zone(capsys: pytest.CaptureFixture[str]) -> None:
    rows = stats(capsys, "esl", SHARED / "freeswitch-1.10" / "agent_status.esl", "--tz", "UTC")
    interval, total = rows
    assert interval["interval_start"] == "2026-11-22T23:15:00+00:00"
    assert (total["offered"], total["answered"]) == (2, 2)
    # joins 945.766 / 956.906, answers 947.846 / 959.006 -> 2.080 and 2.100
    assert total["asa_s"] == pytest.approx(2.09, abs=0.002)
    assert total["aht_s"] == pytest.approx(5.0, abs=0.002)  # 952.846-947.846, 964.006-959.006


@needs_shared
def test_members_only_recording_has_no_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert stats(capsys, "ami", SHARED / "asterisk-22" / "members.ami") == []


def test_timeouts_are_unanswered_not_abandoned(capsys: pytest.CaptureFixture[str]) -> None:
    rows = stats(capsys, "ami", OWN / "ami" / "queue_timeout.ami", "--tz", "UTC")
    totals = {row["queue"]: row for row in rows if row["interval_start"] is None}
    after_sales = totals["售后服务"]
    assert (after_sales["offered"], after_sales["abandoned"], after_sales["unanswered"]) == (3, 0, 3)
    assert after_sales["abandon_rate_pct"] is None  # no answered or abandoned call to rate
    assert after_sales["sl2_pct"] == 0.0  # waits 60, 50, 30: none within 20 s
    assert after_sales["max_wait_s"] == 60.0
    assert totals["night"]["sl2_pct"] == 100.0  # left empty after 3 s: in SL2, as the PBX counts it


def test_abandon_at_the_threshold_counts_in_sl2(capsys: pytest.CaptureFixture[str]) -> None:
    total = stats(capsys, "ami", OWN / "ami" / "abandon_pause.ami")[-1]
    # answered after 32 s (out of SL), abandoned after exactly 20 s (in SL2)
    assert (total["answered"], total["abandoned"], total["sl_pct"], total["sl2_pct"]) == (1, 1, 0.0, 50.0)
    assert total["abandon_rate_pct"] == 50.0 and total["asa_s"] == 32.0 and total["aht_s"] == 20.0


def test_transferred_calls_count_once_for_the_answering_queue(capsys: pytest.CaptureFixture[str]) -> None:
    rows = stats(capsys, "ami", OWN / "ami" / "transfers.ami")
    assert {row["queue"] for row in rows} == {"售后服务"}
    total = rows[-1]
    assert (total["offered"], total["answered"]) == (2, 2)
    assert total["aht_s"] == pytest.approx((16 + 23) / 2)  # talk up to the transfer away


def test_esl_timeout_and_abandon(capsys: pytest.CaptureFixture[str]) -> None:
    timeout = stats(capsys, "esl", OWN / "esl" / "timeout_no_agent.esl")[-1]
    assert (timeout["abandoned"], timeout["unanswered"], timeout["max_wait_s"]) == (0, 1, 20.0)
    abandon = stats(capsys, "esl", OWN / "esl" / "abandon_none.esl")[-1]
    assert (abandon["abandoned"], abandon["unanswered"], abandon["max_wait_s"]) == (1, 0, 7.0)


def test_bad_arguments_exit_2_with_a_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    trace = OWN / "ami" / "answered.ami"
    assert main(["cti", "stats", str(trace), "--tz", "Mars/Olympus"]) == 2
    assert "unknown time zone" in capsys.readouterr().err
    assert main(["cti", "stats", str(trace), "--sl-threshold", "nan"]) == 2
    assert "--sl-threshold" in capsys.readouterr().err
    assert main(["cti", "stats", str(tmp_path / "missing.ami")]) == 2
    assert "cannot read" in capsys.readouterr().err
