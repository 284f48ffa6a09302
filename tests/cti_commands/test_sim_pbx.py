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


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _call(pbx: SimulatedPbx, kind: str, call_id: str = "c-1") -> None:
    pbx.observe({"type": kind, "call_id": call_id, "agent": "1001", "ts": 1.0})


def test_a_paused_agent_is_offered_no_call_until_unpaused() -> None:
    pbx = SimulatedPbx("1001", clock=FakeClock())
    assert pbx.offer_delay() == 0.0  # nothing known yet: a member the queue may ring
    for reason in ("acw", "lunch"):  # wrap-up's pause and any other reason alike
        assert pbx.handle({"action": "pause", "reason": reason})[0].ok
        assert pbx.offer_delay() is None
    assert pbx.handle({"action": "unpause"})[0].ok
    assert pbx.offer_delay() == 0.0


def test_an_agent_on_a_call_is_offered_no_second_one() -> None:
    pbx = SimulatedPbx("1001", clock=FakeClock())
    for kind in ("call.ringing", "call.answered", "call.held", "call.unheld"):
        _call(pbx, kind)
        assert pbx.offer_delay() is None, kind
    assert pbx.handle({"action": "hangup", "call_id": "c-1"})[0].ok
    assert pbx.offer_delay() == 0.0
    outcome, _ = pbx.handle({"action": "dial", "target": "13800138000"})
    assert outcome.ok and pbx.offer_delay() is None  # an outbound call is a call too


def test_the_wrapuptime_follows_an_answered_call_only() -> None:
    clock = FakeClock()
    pbx = SimulatedPbx("1001", clock=clock, wrapuptime_s=2.0)
    _call(pbx, "call.ringing")
    _call(pbx, "call.ended")  # the caller gave up while it rang: nothing to wrap up
    assert pbx.offer_delay() == 0.0
    _call(pbx, "call.ringing", "c-2")
    _call(pbx, "call.answered", "c-2")
    clock.now += 50
    _call(pbx, "call.ended", "c-2")
    assert pbx.offer_delay() == 2.0
    clock.now += 1.5
    assert pbx.offer_delay() == 0.5
    clock.now += 0.5
    assert pbx.offer_delay() == 0.0
    assert pbx.handle({"action": "pause", "reason": "acw"})[0].ok  # the desktop's wrap-up
    clock.now += 60
    assert pbx.offer_delay() is None


def test_pauses_reported_for_this_agent_count_and_others_do_not() -> None:
    pbx = SimulatedPbx("1001", clock=FakeClock())
    pbx.observe({"type": "agent.pause", "agent": "1002", "paused": True, "reason": "lunch", "ts": 1.0})
    assert pbx.offer_delay() == 0.0
    assert pbx.handle({"action": "force.pause", "target": "1002", "reason": "meeting"})[0].ok
    assert pbx.offer_delay() == 0.0 and pbx.paused is None
    pbx.observe({"type": "agent.pause", "agent": "1001", "paused": True, "reason": "break", "ts": 2.0})
    assert pbx.offer_delay() is None and pbx.reason == "break"
    pbx.observe({"type": "agent.pause", "agent": "1001", "paused": "yes", "ts": 3.0})  # not a pause
    assert pbx.paused is True
    assert pbx.handle({"action": "force.ready", "target": "1001"})[0].ok  # a supervisor's ready
    assert pbx.offer_delay() == 0.0 and pbx.reason == ""
