"""The demo's simulated PBX answers commands like a PBX: from the calls it played, never blindly."""

from __future__ import annotations

from desktop.cti.pbx_commands import OutcomeStatus
from desktop.cti.sim_pbx import SimulatedPbx


def _pbx_with_call(state: str = "call.answered") -> SimulatedPbx:
    pbx = SimulatedPbx("1001", clock=lambda: 100.0)
    pbx.observe({"type": "call.ringing", "call_id": "c-1", "agent": "1001", "ts": 1.0})
    if state != "call.ringing":
        pbx.observe({"type": state, "call_id": "c-1", "agent": "1001", "ts": 2.0})
    return pbx


def test_pause_needs_a_reason_and_is_reported_back_as_the_pbx_state() -> None:
    pbx = SimulatedPbx("1001", clock=lambda: 100.0)
    outcome, events = pbx.handle({"action": "pause", "reason": ""})
    assert outcome.status is OutcomeStatus.INVALID and outcome.message == "a pause needs a reason"
    assert events == []
    outcome, events = pbx.handle({"action": "pause", "reason": "lunch"})
    assert outcome.ok and outcome.message == "paused (lunch)"
    assert events == [
        {"type": "agent.pause", "agent": "1001", "ts": 100.0, "state": "", "paused": True, "reason": "lunch"}
    ]
    outcome, events = pbx.handle({"action": "unpause"})
    assert outcome.ok and events[0]["paused"] is False and pbx.paused is False


def test_dial_is_accepted_and_the_call_shows_up() -> None:
    pbx = SimulatedPbx("1001", clock=lambda: 100.0)
    outcome, events = pbx.handle({"action": "dial", "target": "tel:+8613800138000"})
    assert outcome.ok and outcome.call_id and outcome.call_id.startswith("sim-out-")
    assert events == [
        {
            "type": "call.answered",
            "call_id": outcome.call_id,
            "ts": 100.0,
            "caller": "+8613800138000",
            "caller_name": "",
            "agent": "1001",
            "extra": {"direction": "outbound"},
        }
    ]
    assert pbx.calls[outcome.call_id] == "talking"  # so it can be held, transferred, hung up
    assert pbx.handle({"action": "dial", "target": "abc"})[0].status is OutcomeStatus.INVALID


def test_call_commands_follow_the_call_state() -> None:
    pbx = _pbx_with_call("call.ringing")
    assert pbx.handle({"action": "hold", "call_id": "c-1"})[0].message == "cannot hold a call that is ringing"
    outcome, events = pbx.handle({"action": "answer", "call_id": "c-1"})
    assert outcome.ok and events[0]["type"] == "call.answered"
    assert pbx.handle({"action": "answer", "call_id": "c-1"})[0].status is OutcomeStatus.REFUSED
    assert pbx.handle({"action": "hold", "call_id": "c-1"})[1][0]["type"] == "call.held"
    assert pbx.handle({"action": "hold", "call_id": "c-1"})[0].message == "cannot hold a call that is held"
    assert pbx.handle({"action": "unhold", "call_id": "c-1"})[1][0]["type"] == "call.unheld"
    assert pbx.handle({"action": "consult.complete", "call_id": "c-1"})[0].status is OutcomeStatus.REFUSED
    assert pbx.handle({"action": "consult", "call_id": "c-1", "target": "2001"})[0].ok
    assert pbx.handle({"action": "consult.swap", "call_id": "c-1"})[0].ok
    assert pbx.handle({"action": "consult.cancel", "call_id": "c-1"})[0].ok
    assert pbx.calls["c-1"] == "talking"
    assert pbx.handle({"action": "consult", "call_id": "c-1", "target": "2001"})[0].ok
    outcome, events = pbx.handle({"action": "consult.complete", "call_id": "c-1"})
    assert outcome.ok and events[0]["type"] == "call.transferred"
    assert "c-1" not in pbx.calls
    outcome, _ = pbx.handle({"action": "hangup", "call_id": "c-1"})
    assert (outcome.status, outcome.message) == (
        OutcomeStatus.REFUSED,
        "no such call 'c-1' (it may have ended)",
    )


def test_an_ended_call_takes_no_commands_and_spying_is_unsupported() -> None:
    pbx = _pbx_with_call()
    pbx.observe({"type": "call.ended", "call_id": "c-1", "agent": "1001", "ts": 3.0})
    assert pbx.handle({"action": "dtmf", "call_id": "c-1", "digits": "1"})[0].status is OutcomeStatus.REFUSED
    assert pbx.handle({"action": "listen", "target": "1002"})[0].status is OutcomeStatus.UNSUPPORTED
    assert pbx.handle({"action": "warp"})[0].status is OutcomeStatus.INVALID
