"""The AMI normaliser reads caller ids without a country code in the configured region (the
bridge's `phone_region`), not in a fixed CN: the same recording gives other E.164 numbers."""

from __future__ import annotations

from ami_helpers import SHARED_TRACES

from calldesk_domain.phone import normalize
from desktop.cti.ami import parse_ami_messages
from desktop.cti.ami_normalize import AmiNormalizer
from desktop.cti.events import CallEvent, CallEventKind


def _ringing(region: str) -> list[CallEvent]:
    messages = parse_ami_messages((SHARED_TRACES / "two_calls.ami").read_bytes())
    normalizer = AmiNormalizer(region=region)
    events = normalizer.feed_all(messages) + normalizer.flush()
    return [e for e in events if isinstance(e, CallEvent) and e.kind is CallEventKind.RINGING]


def test_the_region_decides_how_a_national_caller_id_reads() -> None:
    # the recording's callers: 008618612345678 (international form) and 18900001234 (national)
    cn = {e.caller for e in _ringing("CN")}
    us = {e.caller for e in _ringing("US")}
    assert cn == {"+8618612345678", "+8618900001234"}
    assert us == {"+8618612345678", normalize("18900001234", "US")}  # only the national one changes
    assert "+8618900001234" not in us
