"""`calldesk agent pause|ready` print the PBX's answer (issue #14 contract): on the real Asterisk 22
lab, QueuePause answered `Message: Interface paused successfully` and the CLI printed only
"paused (lunch)", CallDesk's own words. An accepted command's result now carries the PBX's
words; a refusal already has them; ESL's bare "+OK" adds nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop.cti.pbx_commands import CommandOutcome


def test_accepted_carries_what_asterisk_said() -> None:
    outcome = CommandOutcome.accepted("paused (lunch)", "Interface paused successfully")
    assert outcome.as_result() == (True, "paused (lunch) (PBX: Interface paused successfully)")
    ready = CommandOutcome.accepted("ready", "Interface unpaused successfully")
    assert ready.as_result() == (True, "ready (PBX: Interface unpaused successfully)")


def test_content_free_and_missing_replies_add_nothing() -> None:
    assert CommandOutcome.accepted("hung up", "+OK").as_result() == (True, "hung up")
    assert CommandOutcome.accepted("ready").as_result() == (True, "ready")
    refused = CommandOutcome.refused("pause", "Interface not found")
    assert refused.as_result() == (False, "the PBX refused pause: Interface not found")


@given(st.text(max_size=400), st.text(max_size=400))
def test_any_reply_stays_bounded(message: str, reply: str) -> None:
    ok, text = CommandOutcome.accepted(message, reply).as_result()
    assert ok and len(text) <= 256 and text.startswith(message[:256])
