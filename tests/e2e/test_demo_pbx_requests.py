"""`calldesk agent pause|ready` and `calldesk dial` against a running `calldesk demo`, every part
its own process: the demo (offscreen, a small data set) runs the real desktop with its simulated
PBX; the CLI hands each request to it and prints the PBX's answer, or exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(180)


def _calldesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_cli_agent_and_dial_commands_reach_the_demos_pbx(tmp_path: Path) -> None:
    user = f"cddemo{uuid.uuid4().hex[:8]}"  # the hand-off socket is per user: this test's own
    env = dict(os.environ, USER=user, LOGNAME=user, QT_QPA_PLATFORM="offscreen")
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop.cli",
            "demo",
            "--customers",
            "30",
            "--interval",
            "30",
            "--exit-after",
            "120",
            "--workdir",
            str(tmp_path / "demo"),
            "--language",
            "en",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:  # the demo is up once the desktop answers and its simulated PBX is connected
            ready = _calldesk(env, "agent", "ready")
            if ready.returncode == 0 or time.monotonic() > deadline or demo.poll() is not None:
                break
            time.sleep(1.0)
        assert ready.returncode == 0, (ready.stdout, ready.stderr)
        assert ready.stdout.strip(), "the PBX's answer is printed"
        paused = _calldesk(env, "agent", "pause", "--reason", "lunch")
        assert paused.returncode == 0, paused.stderr
        assert "lunch" in paused.stdout.lower()
        dialled = _calldesk(env, "dial", "tel:+8613800138000")
        assert dialled.returncode == 0, dialled.stderr
        assert "8613800138000" in dialled.stdout
        unknown = _calldesk(env, "agent", "pause", "--reason", "nap")
        assert unknown.returncode != 0
        assert "unknown reason 'nap'" in unknown.stderr and unknown.stdout == ""
        empty = _calldesk(env, "agent", "pause", "--reason", "")
        assert empty.returncode != 0 and empty.stderr.strip() and empty.stdout == ""
    finally:
        demo.terminate()
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
