"""Call-control availability per call phase and per PBX capability (table-driven)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.call_controls import (
    MUTE_REASON,
    CallPhase,
    Control,
    Why,
    availability,
    phase_after,
    phase_of,
)
from desktop.cti.ami_commands import UNSUPPORTED as AMI_UNSUPPORTED
from desktop.cti.esl_commands import UNSUPPORTED as ESL_UNSUPPORTED

C = Control
ENABLED = {
    CallPhase.IDLE: {C.DIAL},
    CallPhase.RINGING: {C.ANSWER, C.HANGUP},
    CallPhase.OUTBOUND_RINGING: {C.HANGUP},
    CallPhase.TALKING: {C.HANGUP, C.HOLD, C.TRANSFER, C.CONSULT, C.DTMF},
    CallPhase.HELD: {C.HANGUP, C.UNHOLD, C.TRANSFER, C.CONSULT},
    CallPhase.CONSULTING: {
        C.HANGUP,
        C.DTMF,
        C.CONSULT_COMPLETE,
        C.CONSULT_SWAP,
        C.CONSULT_CANCEL,
        C.CONFERENCE,
    },
    CallPhase.CONFERENCE: {C.HANGUP, C.DTMF, C.CONSULT_COMPLETE},
}


@pytest.mark.parametrize("phase", list(CallPhase))
def test_enabled_controls_per_phase_without_pbx_limits(phase: CallPhase) -> None:
    states = availability(phase)
    assert {c for c, s in states.items() if s.enabled} == ENABLED[phase]
    for control, state in states.items():
        if not state.enabled and control is not C.MUTE:
            assert state.why is Why.NOT_NOW


@pytest.mark.parametrize("phase", list(CallPhase))
def test_asterisk_cannot_answer_or_hold_and_says_why(phase: CallPhase) -> None:
    states = availability(phase, AMI_UNSUPPORTED)
    for control in (C.ANSWER, C.HOLD, C.UNHOLD):
        assert not states[control].enabled
        assert states[control].why is Why.PBX_CANNOT
        assert "phone" in states[control].reason
    assert {c for c, s in states.items() if s.enabled} == ENABLED[phase] - {C.ANSWER, C.HOLD, C.UNHOLD}


def test_freeswitch_cannot_swap_but_can_answer_and_hold() -> None:
    esl = {a.value: r for a, r in ESL_UNSUPPORTED.items()}
    consulting = availability(CallPhase.CONSULTING, esl)
    assert not consulting[C.CONSULT_SWAP].enabled
    assert "att_xfer" in consulting[C.CONSULT_SWAP].reason
    assert consulting[C.CONSULT_COMPLETE].enabled
    assert availability(CallPhase.RINGING, esl)[C.ANSWER].enabled
    assert availability(CallPhase.TALKING, esl)[C.HOLD].enabled


def test_mute_is_disabled_with_a_reason_unless_the_link_has_a_command() -> None:
    state = availability(CallPhase.TALKING)[C.MUTE]
    assert (state.enabled, state.why, state.reason) == (False, Why.PBX_CANNOT, MUTE_REASON)
    with_mute = availability(CallPhase.TALKING, supported=frozenset(Control))
    assert with_mute[C.MUTE].enabled


@pytest.mark.parametrize(
    ("phase", "control", "after"),
    [
        (CallPhase.RINGING, C.ANSWER, CallPhase.TALKING),
        (CallPhase.TALKING, C.HOLD, CallPhase.HELD),
        (CallPhase.HELD, C.UNHOLD, CallPhase.TALKING),
        (CallPhase.TALKING, C.CONSULT, CallPhase.CONSULTING),
        (CallPhase.CONSULTING, C.CONSULT_CANCEL, CallPhase.TALKING),
        (CallPhase.CONSULTING, C.CONSULT_COMPLETE, CallPhase.IDLE),
        (CallPhase.CONSULTING, C.CONFERENCE, CallPhase.CONFERENCE),
        (CallPhase.CONFERENCE, C.CONSULT_COMPLETE, CallPhase.IDLE),
        (CallPhase.TALKING, C.TRANSFER, CallPhase.IDLE),
        (CallPhase.IDLE, C.DIAL, CallPhase.OUTBOUND_RINGING),
        (CallPhase.TALKING, C.DTMF, CallPhase.TALKING),
    ],
)
def test_phase_after(phase: CallPhase, control: Control, after: CallPhase) -> None:
    assert phase_after(phase, control) is after


@given(
    st.sampled_from(list(CallPhase)),
    st.dictionaries(st.sampled_from([c.value for c in Control]), st.text(min_size=1, max_size=20)),
)
def test_a_pbx_limit_always_wins_and_keeps_its_reason(phase: CallPhase, cannot: dict[str, str]) -> None:
    states = availability(phase, cannot)
    assert set(states) == set(Control)
    for value, reason in cannot.items():
        assert states[Control(value)].enabled is False
        assert states[Control(value)].reason == reason
    for control, state in states.items():
        assert state.enabled == (control.value not in cannot and control in ENABLED[phase])


@pytest.mark.parametrize(
    ("state", "phase"),
    [
        ("ringing", CallPhase.RINGING),
        ("answered", CallPhase.TALKING),
        ("ended", CallPhase.IDLE),
        ("talking", CallPhase.TALKING),
        ("conference", CallPhase.CONFERENCE),
        (None, CallPhase.IDLE),
        ("", CallPhase.IDLE),
        ("exploded", CallPhase.IDLE),
    ],
)
def test_phase_of_a_reported_call_state(state: str | None, phase: CallPhase) -> None:
    assert phase_of(state) is phase
