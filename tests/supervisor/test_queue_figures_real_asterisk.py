"""`calldesk cti stats` over a recording of the REAL Asterisk 22 gives the figures that Asterisk
itself gave (QueueParams) at the end of the same recording, where the definitions match.

tests/traces/ami-lab/queue_figures.ami is what tests/lab/test_queue_figures_lab.py recorded on the
lab (docs/lab-results/README.md): QueueReset of `sales`, then six calls (answered after 2, 6 and
30 s; abandoned after 23.5 and 3.5 s; let go by the queue after its 120 s timeout), then
QueueStatus. Asterisk counts the timeout as Abandoned; CallDesk keeps it apart as unanswered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.cli import main
from desktop.cti.ami_parser import parse_ami_messages

TRACE = Path(__file__).resolve().parents[1] / "traces" / "ami-lab" / "queue_figures.ami"


def total_line(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["cti", "stats", "--format", "ami", str(TRACE), "--sl-threshold", "20"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    totals = [r for r in rows if r["queue"] == "sales" and r["interval_start"] is None]
    assert len(totals) == 1
    return totals[0]


def asterisk_figures() -> dict[str, str]:
    """The last QueueParams in the recording: Asterisk's own counters after every call ended."""
    params = [
        m.headers for m in parse_ami_messages(TRACE.read_bytes()) if m.headers.get("Event") == "QueueParams"
    ]
    return {
        k: params[-1].get(k, "") for k in ("Completed", "Abandoned", "ServicelevelPerf", "ServicelevelPerf2")
    }


def test_cti_stats_equals_the_pbx_own_figures(capsys: pytest.CaptureFixture[str]) -> None:
    total = total_line(capsys)
    pbx = asterisk_figures()
    assert pbx == {
        "Completed": "3",
        "Abandoned": "3",
        "ServicelevelPerf": "66.7",
        "ServicelevelPerf2": "50.0",
    }
    assert total["answered"] == int(pbx["Completed"])
    assert total["abandoned"] + total["unanswered"] == int(pbx["Abandoned"])
    assert total["offered"] == int(pbx["Completed"]) + int(pbx["Abandoned"])
    assert total["sl_pct"] == float(pbx["ServicelevelPerf"])
    assert total["sl2_pct"] == float(pbx["ServicelevelPerf2"])


def test_cti_stats_hand_figures(capsys: pytest.CaptureFixture[str]) -> None:
    # waits from the PBX timestamps (QueueCallerJoin -> AgentConnect / QueueCallerAbandon):
    # answered 2.013, 6.011, 30.124; abandoned 23.517, 3.507; timed out 120.525
    total = total_line(capsys)
    assert (total["offered"], total["answered"], total["abandoned"], total["unanswered"]) == (6, 3, 2, 1)
    assert total["asa_s"] == pytest.approx((2.013 + 6.011 + 30.124) / 3, abs=0.002)
    assert total["abandon_rate_pct"] == 40.0  # 2 / (3 + 2): the timeout is in neither part
    assert total["max_wait_s"] == pytest.approx(120.525, abs=0.001)
