"""A conference from the call bar on the real Asterisk 22 (tests/traces/ami-lab/conference.ami):
1001 answers a queue call, consults 2001 (PJSIP/1002 answers) and sends `*3` (atxferthreeway).
Asterisk puts the caller, 1001 and 1002 in one softmix bridge and reports it as an
`AttendedTransfer` with `DestType: Threeway`. The agent is still on the call: before the fix the
normaliser made it a `call.transferred`, and 1001's call bar said "No call" while 1001 talked on
in the conference."""

from __future__ import annotations

from pathlib import Path

from desktop.cti.ami import parse_ami_bytes
from desktop.cti.events import CallEvent, CallEventKind

TRACE = Path(__file__).resolve().parents[1] / "traces" / "ami-lab" / "conference.ami"


def test_a_threeway_conference_is_no_transfer_and_the_call_ends_once_at_the_end() -> None:
    data = TRACE.read_bytes()
    assert b"DestType: Threeway" in data  # what the lab recorded
    calls = [e for e in parse_ami_bytes(data) if isinstance(e, CallEvent)]
    queue_call = next(e.call_id for e in calls if e.kind is CallEventKind.RINGING)
    kinds = [e.kind for e in calls if e.call_id == queue_call]
    assert CallEventKind.ANSWERED in kinds
    assert CallEventKind.TRANSFERRED not in kinds
    assert kinds.count(CallEventKind.ENDED) == 1 and kinds[-1] is CallEventKind.ENDED
    ended = next(e for e in calls if e.call_id == queue_call and e.kind is CallEventKind.ENDED)
    # it ends when the conference does (the lab hung everyone up), not at the *3
    threeway_at = float(data.split(b"DestType: Threeway")[0].rsplit(b"Timestamp: ", 1)[1].split(b"\r\n")[0])
    assert ended.ts > threeway_at
