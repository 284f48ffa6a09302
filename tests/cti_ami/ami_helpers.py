"""Shared helpers for the AMI tests (kept out of conftest so other areas never import them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED_TRACES = REPO / "tests" / "traces" / "asterisk-22"  # real recordings (tests/traces/README.md)
OWN_TRACES = REPO / "tests" / "traces" / "ami"
TOLERANCE_S = 1.5


def trace_pairs(folder: Path) -> list[tuple[Path, Path]]:
    return [(ami, ami.with_suffix(".expect.json")) for ami in sorted(folder.glob("*.ami"))]


def check_facts(rows: list[dict[str, Any]], expect_path: Path) -> None:
    """Every expected fact must match: same calls in order, numbers within TOLERANCE_S."""
    expected = json.loads(expect_path.read_text(encoding="utf-8"))
    calls = [row for row in rows if row["kind"] == "call"]
    assert len(calls) == len(expected["calls"]), calls
    for got, want in zip(calls, expected["calls"], strict=True):
        for key, value in want.items():
            if key.endswith("_s") and value is not None:
                assert got[key] is not None and abs(got[key] - value) <= TOLERANCE_S, (key, got, want)
            else:
                assert got[key] == value, (key, got, want)
    if "agents" in expected:
        agents = [row for row in rows if row["kind"] == "agent"]
        assert len(agents) == len(expected["agents"]), agents
        for got, want in zip(agents, expected["agents"], strict=True):
            for key, value in want.items():
                assert got[key] == value, (key, got, want)
