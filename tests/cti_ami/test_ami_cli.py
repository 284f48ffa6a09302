"""`calldesk cti` error handling: clear message, exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

from ami_helpers import SHARED_TRACES

from desktop.cli import main


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", "cti", *args], capture_output=True, text=True, timeout=60
    )


def test_missing_file_exits_2_with_a_message(tmp_path):
    proc = _cli("parse", str(tmp_path / "nope.ami"))
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr and "Traceback" not in proc.stderr


def test_wrong_format_content_exits_2(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("these are not AMI messages\njust text\n")
    proc = _cli("summarize", "--format", "ami", str(bogus))
    assert proc.returncode == 2
    assert "does not look like an AMI recording" in proc.stderr and "Traceback" not in proc.stderr


def test_binary_garbage_exits_2_without_traceback(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    proc = _cli("parse", str(junk))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_directory_instead_of_file(tmp_path):
    proc = _cli("parse", str(tmp_path))
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_esl_format_uses_the_esl_connector_or_says_it_is_missing():
    proc = _cli("parse", "--format", "esl", str(SHARED_TRACES / "answered.ami"))
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 2)
    if proc.returncode == 2:
        assert "esl" in proc.stderr.lower()


def test_no_subcommand_exits_2(capsys):
    assert main(["cti"]) == 2
    assert "parse, summarize" in capsys.readouterr().err


def test_in_process_summarize(capsys):
    assert main(["cti", "summarize", str(SHARED_TRACES / "two_calls.ami")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all('"outcome":"answered"' in line for line in lines)
