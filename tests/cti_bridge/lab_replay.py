"""Replays a recorded lab AMI stream (tests/traces/ami-lab/) through a fake AMI server."""

from __future__ import annotations

from pathlib import Path

TRACES = Path(__file__).resolve().parents[1] / "traces" / "ami-lab"


def event_frames(name: str) -> bytes:
    """The recording's events as Asterisk sent them (banner and action responses left out)."""
    data = (TRACES / f"{name}.ami").read_bytes()
    blocks = data.split(b"\r\n\r\n")
    kept = [b for b in blocks if b.lstrip().startswith(b"Event:") and b"ActionID: rec-" not in b]
    return b"".join(block.lstrip(b"\r\n") + b"\r\n\r\n" for block in kept)
