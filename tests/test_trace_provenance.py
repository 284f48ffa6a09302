"""The real PBX recordings in tests/traces are the bytes the PBX sent: every file listed in
SHA256SUMS is present and unchanged, and nothing unlisted sits beside them."""

from __future__ import annotations

import hashlib
from pathlib import Path

TRACES = Path(__file__).resolve().parent / "traces"
REAL = ("asterisk-22", "freeswitch-1.10")


def _pinned() -> dict[str, str]:
    pinned: dict[str, str] = {}
    for line in (TRACES / "SHA256SUMS").read_text(encoding="ascii").splitlines():
        digest, name = line.split(maxsplit=1)
        pinned[name.strip()] = digest
    return pinned


def test_every_real_recording_is_pinned_and_unchanged() -> None:
    pinned = _pinned()
    on_disk = {
        path.relative_to(TRACES).as_posix(): path
        for folder in REAL
        for path in sorted((TRACES / folder).iterdir())
        if path.is_file()
    }
    assert sorted(on_disk) == sorted(pinned), "tests/traces/SHA256SUMS and the recordings disagree"
    changed = [
        name
        for name, path in on_disk.items()
        if hashlib.sha256(path.read_bytes()).hexdigest() != pinned[name]
    ]
    assert changed == [], f"recordings changed (they must stay byte-exact): {changed}"


def test_the_real_recordings_are_there_and_raw() -> None:
    # Asterisk frames AMI with CRLF: a checkout that converted line endings would show here first.
    answered = (TRACES / "asterisk-22" / "answered.ami").read_bytes()
    assert answered.startswith(b"Asterisk Call Manager/")
    assert b"\r\n" in answered
    assert len(list((TRACES / "freeswitch-1.10").glob("*.esl"))) >= 2
    assert len(list((TRACES / "asterisk-22").glob("*.ami"))) >= 4
