"""`calldesk wallboard`: bad arguments are a message and exit 2; a replay feeds the board."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desktop.cli import main
from desktop.cti.ami import parse_ami_bytes
from desktop.services.supervisor import SupervisorBoard
from desktop.wallboard_cli import TOKEN_ENV, _replay

TRACE = Path(__file__).resolve().parents[1] / "traces" / "ami" / "concurrent.ami"


def test_listen_without_a_token_is_refused(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert main(["wallboard", "--listen", "7399"]) == 2
    assert TOKEN_ENV in capsys.readouterr().err


def test_bad_replay_file_and_zone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["wallboard", "--replay", str(tmp_path / "missing.ami")]) == 2
    assert "cannot read" in capsys.readouterr().err
    empty = tmp_path / "empty.esl"
    empty.write_bytes(b"")
    assert main(["wallboard", "--replay", str(empty), "--format", "esl"]) == 2
    assert "no ESL events" in capsys.readouterr().err
    assert main(["wallboard", "--demo", "--tz", "Nowhere/City"]) == 2
    assert "unknown time zone" in capsys.readouterr().err


def test_replay_at_full_speed_feeds_every_event(qtbot) -> None:
    events = sorted(parse_ami_bytes(TRACE.read_bytes()), key=lambda e: e.ts)
    clock = [0.0]
    board = SupervisorBoard(ZoneInfo("UTC"), clock=lambda: clock[0], tick_ms=0)
    timer = _replay(board, events, 0, clock)
    timer.stop()
    snapshot = board.refresh()
    assert clock[0] == events[-1].ts + 1
    assert {(q.queue, q.answered) for q in snapshot.queues} == {("sales", 1), ("售后服务", 1)}
