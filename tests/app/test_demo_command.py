"""The README's one-command demo, run for real (short): it must pop its calls, save screenshots
and exit by itself as soon as its calls are done, not idle until --exit-after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CALLS = 3
EXIT_AFTER_S = 900  # far past the subprocess timeout: the demo must end when its calls are done
TIMEOUT_S = 240  # a loaded 2-core CI box: seeding, syncing and three 0.5 s calls take ~15 s idle


@pytest.mark.timeout(TIMEOUT_S + 30)
def test_demo_pops_its_calls_saves_screenshots_and_exits_when_done(tmp_path: Path) -> None:
    shots, pops, work = tmp_path / "shots", tmp_path / "pops.jsonl", tmp_path / "work"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("CALLDESK_LOG_LEVEL", None)
    # README: `calldesk demo --customers 20000 --calls 10 --interval 2 --exit-after 40
    #          --screenshot-dir shots --pop-log pops.jsonl --language en`, made small
    command = [
        sys.executable, "-m", "desktop.cli", "demo",
        "--customers", "40", "--calls", str(CALLS), "--interval", "0.5",
        "--unknown-ratio", "0", "--exit-after", str(EXIT_AFTER_S),
        "--screenshot-dir", str(shots), "--pop-log", str(pops),
        "--language", "en", "--workdir", str(work),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in pops.read_text(encoding="utf-8").splitlines()]
    # Calls that hang up while queued never ring, so never pop; the others pop exactly once.
    assert 1 <= len(lines) <= CALLS, lines
    assert len({line["call_id"] for line in lines}) == len(lines)
    for line in lines:
        assert line["match"] in ("single", "multiple", "unknown", "withheld"), line
        assert line["latency_ms"] >= 0
    pictures = sorted(shots.glob("pop-*.png"))
    assert len(pictures) == len(lines), (pictures, lines)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pictures)
    assert f"{len(lines)} pops painted" in done.stderr
    if len(lines) > 1:  # the next call waited for the wrap-up of the first (seed 1 plays two)
        assert "waits in the queue: agent 1001 is paused (acw)" in done.stderr, done.stderr[-3000:]
