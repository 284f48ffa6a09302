"""Recorded and hand-made ESL sessions -> normalised events -> the facts `calldesk cti summarize`
prints, compared with each trace's .expect.json (numbers within 1.5 s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cti.esl import parse_esl_bytes
from desktop.cti.events import CallEvent, CallEventKind, QueueEvent, QueueEventKind
from desktop.cti.summary import summarize

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "tests" / "traces" / "freeswitch-1.10"  # real recordings (tests/traces/README.md)
OURS = ROOT / "tests" / "traces" / "esl"
TOLERANCE_S = 1.5


def _traces() -> list[Path]:
    shared = sorted(SHARED.glob("*.esl")) if SHARED.is_dir() else []
    return shared + sorted(OURS.glob("*.esl"))


def _close(actual: object, expected: object) -> bool:
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(actual, int | float) and abs(actual - expected) <= TOLERANCE_S
    return actual == expected


def assert_facts(facts: list[dict], expect: dict) -> None:
    calls = [f for f in facts if f["kind"] == "call"]
    agents = [f for f in facts if f["kind"] == "agent"]
    assert len(calls) == len(expect["calls"]), calls
    for actual, wanted in zip(calls, expect["calls"], strict=True):
        for key, value in wanted.items():
            assert _close(actual[key], value), (key, actual[key], value, actual)
    wanted_agents = expect.get("agents", [])
    assert len(agents) == len(wanted_agents), agents
    for actual, wanted in zip(agents, wanted_agents, strict=True):
        for key, value in wanted.items():
            assert actual[key] == value, (key, actual, wanted)


@pytest.mark.parametrize("trace", _traces(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_trace_gives_the_expected_facts(trace: Path) -> None:
    expect = json.loads(trace.with_suffix(".expect.json").read_text())
    assert_facts(summarize(parse_esl_bytes(trace.read_bytes())), expect)


def test_shared_recordings_are_present() -> None:
    assert len(list(SHARED.glob("*.esl"))) >= 2, f"shared FreeSWITCH recordings missing in {SHARED}"


def test_answered_recording_events_in_order() -> None:
    events = parse_esl_bytes((SHARED / "answered.esl").read_bytes())
    call_id = "46c7203c-887f-4eac-988b-50c3776d4522"
    calls = [e for e in events if isinstance(e, CallEvent)]
    assert [e.kind for e in calls] == [CallEventKind.RINGING, CallEventKind.ANSWERED, CallEventKind.ENDED]
    assert {e.call_id for e in calls} == {call_id}
    ringing = calls[0]
    assert (ringing.agent, ringing.caller, ringing.dnis, ringing.caller_name) == (
        "1001@default",
        "+8613800138000",
        "4008123456",
        "Wang Wei",
    )
    assert ringing.ts == pytest.approx(1795389916.465669)
    join = next(e for e in events if isinstance(e, QueueEvent) and e.kind is QueueEventKind.JOIN)
    assert (join.call_id, join.queue, join.caller) == (call_id, "support@default", "+8613800138000")
    assert calls[1].extra["hold_time"] == pytest.approx(3.14, abs=0.01)


def test_summarize_cli_on_esl_recording(tmp_path: Path) -> None:
    """The CLI path others call: `calldesk cti summarize --format esl FILE`."""
    trace = OURS / "two_concurrent.esl"
    out = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "cti", "summarize", "--format", "esl", str(trace)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    facts = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert_facts(facts, json.loads(trace.with_suffix(".expect.json").read_text()))
