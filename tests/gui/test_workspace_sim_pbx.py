"""The workspace views wired to the demo's simulated PBX (desktop/cti/sim_pbx.py), the way the
desks layer wires them to a real one: a click becomes a wire command, the PBX's answer is shown,
and only the state the PBX then reports changes what the bar and the state box show."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from calldesk_domain.agent_intervals import AgentState
from calldesk_domain.call_controls import CallPhase, Control, ControlRequest, phase_of
from desktop.cti.sim_pbx import SimulatedPbx
from desktop.views.agent_state_panel import AgentStatePanel
from desktop.views.call_controls import CallControlBar

CALL = "c-1"


class Desk:
    """The minimum the desks layer does between these views and a PBX."""

    def __init__(self, bar: CallControlBar, pbx: SimulatedPbx) -> None:
        self.bar, self.pbx = bar, pbx
        self.wires: list[dict[str, str]] = []
        bar.commandRequested.connect(self.run)

    def run(self, request: ControlRequest) -> None:
        wire = request.to_wire()
        self.wires.append(wire)
        outcome, _events = self.pbx.handle(wire)
        self.bar.show_result(request.control, outcome.status.value, outcome.message)
        self.follow()

    def follow(self) -> None:
        state = self.pbx.calls.get(CALL)
        self.bar.set_call(phase_of(state), CALL if state else None)


@pytest.fixture
def desk(qtbot):
    bar = CallControlBar()
    qtbot.addWidget(bar)
    bar.show()
    pbx = SimulatedPbx("1001", clock=lambda: 100.0)
    pbx.observe({"type": "call.ringing", "call_id": CALL, "agent": "1001", "ts": 1.0})
    desk = Desk(bar, pbx)
    desk.follow()
    return desk


def click(qtbot, bar: CallControlBar, control: Control) -> None:
    assert bar.actions_by_control[control].isEnabled(), bar.actions_by_control[control].toolTip()
    qtbot.mouseClick(bar.buttons[control], Qt.MouseButton.LeftButton)


def consult(qtbot, bar: CallControlBar, target: str) -> None:
    click(qtbot, bar, Control.CONSULT)
    qtbot.keyClicks(bar.picker.filter, target)
    qtbot.keyClick(bar.picker.filter, Qt.Key.Key_Return)


def test_attended_transfer_complete(qtbot, desk) -> None:
    bar = desk.bar
    assert bar.phase is CallPhase.RINGING
    click(qtbot, bar, Control.ANSWER)
    assert bar.phase is CallPhase.TALKING and bar.status.text() == "Answer: done. simulated answer"
    consult(qtbot, bar, "2002")
    assert bar.phase is CallPhase.CONSULTING
    assert desk.wires[-1] == {"action": "consult", "call_id": CALL, "target": "2002"}
    click(qtbot, bar, Control.CONSULT_COMPLETE)
    assert bar.phase is CallPhase.IDLE and bar.call_id is None
    assert bar.status.text() == "Complete transfer: done. simulated consult.complete"


def test_attended_transfer_swap_then_cancel(qtbot, desk) -> None:
    bar = desk.bar
    click(qtbot, bar, Control.ANSWER)
    consult(qtbot, bar, "2002")
    click(qtbot, bar, Control.CONSULT_SWAP)
    assert bar.phase is CallPhase.CONSULTING and "Swap: done" in bar.status.text()
    click(qtbot, bar, Control.CONSULT_CANCEL)
    assert bar.phase is CallPhase.TALKING
    assert [w["action"] for w in desk.wires] == ["answer", "consult", "consult.swap", "consult.cancel"]


def test_conference_then_leave(qtbot, desk) -> None:
    bar = desk.bar
    click(qtbot, bar, Control.ANSWER)
    consult(qtbot, bar, "2002")
    click(qtbot, bar, Control.CONFERENCE)
    assert bar.phase is CallPhase.CONFERENCE
    assert not bar.actions_by_control[Control.CONSULT_SWAP].isEnabled()
    click(qtbot, bar, Control.CONSULT_COMPLETE)
    assert bar.phase is CallPhase.IDLE


def test_a_pbx_refusal_is_shown_with_its_reason(qtbot, desk) -> None:
    bar = desk.bar
    click(qtbot, bar, Control.ANSWER)
    desk.pbx.observe({"type": "call.ended", "call_id": CALL, "ts": 5.0})  # the caller hung up meanwhile
    click(qtbot, bar, Control.HOLD)
    assert bar.status.text() == "Hold refused: no such call 'c-1' (it may have ended)"
    assert bar.phase is CallPhase.IDLE


def test_state_box_shows_only_what_the_pbx_reports(qtbot) -> None:
    pbx = SimulatedPbx("1001", clock=lambda: 100.0)
    panel = AgentStatePanel(clock=lambda: 100.0)
    qtbot.addWidget(panel)
    panel.show_pbx_state(AgentState.READY)
    answers: list[dict[str, object]] = []

    def send(action: str, reason: str) -> None:
        wire = {"action": action, **({"reason": reason} if reason else {})}
        outcome, events = pbx.handle(wire)
        answers.extend(events)
        assert panel.shown_text() == "Ready"  # in flight: never the unconfirmed state
        if not outcome.ok:
            panel.show_refusal(outcome.message)

    panel.stateRequested.connect(send)
    panel.reason_box.setCurrentIndex(panel.reason_codes().index("lunch"))
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert "waiting for the PBX" in panel.pending_label.text()
    event = answers[-1]
    assert event["type"] == "agent.pause" and event["paused"] is True
    panel.show_pbx_state(AgentState.NOT_READY, str(event["reason"]))
    assert panel.shown_text() == "Not ready: Lunch" and panel.pending_label.text() == ""


def test_the_picker_opens_and_closes_hundreds_of_times(qtbot) -> None:
    bar = CallControlBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_call(CallPhase.TALKING, CALL)
    picker = bar.picker
    for round_ in range(300):
        bar.actions_by_control[Control.TRANSFER if round_ % 2 else Control.CONSULT].trigger()
        qtbot.waitUntil(picker.isVisible, timeout=1000)
        picker.reject()
        qtbot.wait(0)
    assert bar.picker is picker and not picker.isVisible()
