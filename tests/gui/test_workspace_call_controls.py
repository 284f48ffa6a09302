"""The call-control bar with real widgets: enabled per call phase, typed requests on click,
pending, result, refusal and timeout texts, transfer picker, keypads, shortcuts in tooltips."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from calldesk_domain.call_controls import ALLOWED, CallPhase, Control, ControlRequest
from desktop.cti.ami_commands import UNSUPPORTED as AMI_UNSUPPORTED
from desktop.cti.esl_commands import UNSUPPORTED as ESL_UNSUPPORTED
from desktop.cti.pbx_commands import parse_command
from desktop.views.call_controls import CallControlBar
from desktop.views.transfer_picker import TargetKind, TransferTarget


@pytest.fixture
def bar(qtbot):
    widget = CallControlBar(timeout_s=0.2)
    qtbot.addWidget(widget)
    widget.resize(1366, 120)
    widget.show()
    return widget


def requests_of(bar: CallControlBar) -> list[ControlRequest]:
    seen: list[ControlRequest] = []
    bar.commandRequested.connect(seen.append)
    return seen


@pytest.mark.parametrize("phase", list(CallPhase))
def test_buttons_enabled_per_call_state(bar, phase: CallPhase) -> None:
    bar.set_call(phase, "c1")
    enabled = {c for c, a in bar.actions_by_control.items() if a.isEnabled()}
    assert enabled == set(ALLOWED[phase]) - {Control.MUTE}
    assert not bar.actions_by_control[Control.MUTE].isEnabled()
    assert "mute key" in bar.actions_by_control[Control.MUTE].toolTip()


@pytest.mark.parametrize("phase", list(CallPhase))
def test_asterisk_limits_disable_with_the_reason(bar, phase: CallPhase) -> None:
    bar.set_pbx_limits(AMI_UNSUPPORTED)
    bar.set_call(phase, "c1")
    for control in (Control.ANSWER, Control.HOLD, Control.UNHOLD):
        action = bar.actions_by_control[control]
        assert not action.isEnabled()
        assert AMI_UNSUPPORTED[control.value] in action.toolTip()  # type: ignore[index]


def test_freeswitch_swap_says_why(bar) -> None:
    bar.set_pbx_limits(ESL_UNSUPPORTED)
    bar.set_call(CallPhase.CONSULTING, "c1")
    swap = bar.actions_by_control[Control.CONSULT_SWAP]
    assert not swap.isEnabled() and "att_xfer" in swap.toolTip()
    assert bar.actions_by_control[Control.CONSULT_COMPLETE].isEnabled()


def test_shortcut_is_listed_in_the_tooltip_and_triggers(bar, qtbot) -> None:
    bar.set_call(CallPhase.RINGING, "c1")
    assert "(F5)" in bar.actions_by_control[Control.ANSWER].toolTip()
    seen = requests_of(bar)
    bar.activateWindow()
    qtbot.keyClick(bar, Qt.Key.Key_F5)
    assert seen == [ControlRequest(Control.ANSWER, "c1")]


@pytest.mark.parametrize(
    ("phase", "control"),
    [
        (CallPhase.RINGING, Control.ANSWER),
        (CallPhase.TALKING, Control.HANGUP),
        (CallPhase.TALKING, Control.HOLD),
        (CallPhase.HELD, Control.UNHOLD),
        (CallPhase.CONSULTING, Control.CONSULT_COMPLETE),
        (CallPhase.CONSULTING, Control.CONSULT_SWAP),
        (CallPhase.CONSULTING, Control.CONSULT_CANCEL),
        (CallPhase.CONSULTING, Control.CONFERENCE),
    ],
)
def test_click_emits_the_typed_request_and_its_wire_parses(bar, qtbot, phase, control) -> None:
    bar.set_call(phase, "c1")
    seen = requests_of(bar)
    qtbot.mouseClick(bar.buttons[control], Qt.MouseButton.LeftButton)
    assert seen == [ControlRequest(control, "c1")]
    assert parse_command(seen[0].to_wire()).action.value == control.value
    assert bar.is_pending(control) and not bar.actions_by_control[control].isEnabled()
    assert "waiting for the PBX" in bar.status.text()


def test_result_refusal_and_timeout_show_their_text(bar, qtbot) -> None:
    bar.set_call(CallPhase.TALKING, "c1")
    qtbot.mouseClick(bar.buttons[Control.HANGUP], Qt.MouseButton.LeftButton)
    bar.show_result(Control.HANGUP, "refused", "the PBX refused hangup: No such channel")
    assert "refused" in bar.status.text() and "No such channel" in bar.status.text()
    assert bar.actions_by_control[Control.HANGUP].isEnabled()
    qtbot.mouseClick(bar.buttons[Control.HANGUP], Qt.MouseButton.LeftButton)
    bar.show_result(Control.HANGUP, "accepted", "hung up")
    assert bar.status.text().startswith("Hang up: done") and bar.status.property("outcome") == "ok"
    qtbot.mouseClick(bar.buttons[Control.HOLD], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not bar.is_pending(Control.HOLD), timeout=3000)
    assert "did not answer within" in bar.status.text()
    assert bar.actions_by_control[Control.HOLD].isEnabled()


def test_late_answer_after_timeout_is_shown_and_harmless(bar, qtbot) -> None:
    bar.set_call(CallPhase.TALKING, "c1")
    qtbot.mouseClick(bar.buttons[Control.HOLD], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not bar.is_pending(Control.HOLD), timeout=3000)
    bar.show_result(Control.HOLD, "timeout", "")
    assert "did not answer" in bar.status.text()
    bar.show_result(Control.HOLD, "disconnected", "AMI link lost")
    assert "link is down" in bar.status.text()


def test_blind_transfer_through_the_picker(bar, qtbot) -> None:
    bar.picker.set_entries(
        [
            TransferTarget(TargetKind.AGENT, "Li Lei", "1002", "ready"),
            TransferTarget(TargetKind.AGENT, "Wang Fang", "1003", "logged_out"),
            TransferTarget(TargetKind.QUEUE, "售后服务", "600"),
            TransferTarget(TargetKind.FAVOURITE, "Head office", "+862100000000"),
        ]
    )
    bar.set_call(CallPhase.TALKING, "c1")
    seen = requests_of(bar)
    qtbot.mouseClick(bar.buttons[Control.TRANSFER], Qt.MouseButton.LeftButton)
    assert bar.picker.isVisible()
    bar.picker.filter.insert("售后")  # QTest cannot type non-Latin-1 keys
    assert bar.picker.entry_texts() == ["Queue 售后服务"]
    qtbot.keyClick(bar.picker.filter, Qt.Key.Key_Return)
    assert seen == [ControlRequest(Control.TRANSFER, "c1", target="600")]
    assert not bar.picker.isVisible()


def test_consult_to_a_typed_number_and_live_agent_state(bar, qtbot) -> None:
    bar.picker.set_entries([TransferTarget(TargetKind.AGENT, "Li Lei", "1002", "ready")])
    bar.picker.update_agent_state("1002", "talking")
    bar.set_call(CallPhase.HELD, "c1")
    seen = requests_of(bar)
    qtbot.mouseClick(bar.buttons[Control.CONSULT], Qt.MouseButton.LeftButton)
    assert bar.picker.entry_texts() == ["Agent Li Lei (1002) · on a call"]
    qtbot.keyClicks(bar.picker.filter, "138 0013 8000")
    assert bar.picker.entry_texts()[0] == "Call 13800138000"
    qtbot.keyClick(bar.picker.filter, Qt.Key.Key_Return)
    assert seen == [ControlRequest(Control.CONSULT, "c1", target="13800138000")]
    assert parse_command(seen[0].to_wire()).target == "13800138000"  # type: ignore[union-attr]


def test_logged_out_agent_cannot_be_chosen(bar, qtbot) -> None:
    bar.picker.set_entries([TransferTarget(TargetKind.AGENT, "Wang Fang", "1003", "logged_out")])
    bar.set_call(CallPhase.TALKING, "c1")
    seen = requests_of(bar)
    qtbot.mouseClick(bar.buttons[Control.TRANSFER], Qt.MouseButton.LeftButton)
    qtbot.keyClick(bar.picker.filter, Qt.Key.Key_Return)
    assert seen == [] and bar.picker.isVisible()
    bar.picker.reject()


def test_dtmf_keypad_sends_each_digit(bar, qtbot) -> None:
    bar.set_call(CallPhase.TALKING, "c1")
    seen = requests_of(bar)
    qtbot.mouseClick(bar.buttons[Control.DTMF], Qt.MouseButton.LeftButton)
    assert bar.dtmf_pad.isVisible()
    for key in "1#":
        qtbot.mouseClick(bar.dtmf_pad.keys[key], Qt.MouseButton.LeftButton)
    assert seen == [
        ControlRequest(Control.DTMF, "c1", digits="1"),
        ControlRequest(Control.DTMF, "c1", digits="#"),
    ]
    bar.set_call(CallPhase.IDLE, None)
    assert not bar.dtmf_pad.isVisible()


def test_dial_pad_and_call_back(bar, qtbot) -> None:
    bar.set_call(CallPhase.IDLE, None)
    seen = requests_of(bar)
    qtbot.mouseClick(bar.buttons[Control.DIAL], Qt.MouseButton.LeftButton)
    assert bar.dial_pad.isVisible() and not bar.dial_pad.call_button.isEnabled()
    for key in "10":
        qtbot.mouseClick(bar.dial_pad.keys[key], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(bar.dial_pad.number, "01")
    qtbot.mouseClick(bar.dial_pad.call_button, Qt.MouseButton.LeftButton)
    assert seen == [ControlRequest(Control.DIAL, target="1001")]
    assert parse_command(seen[0].to_wire()).action.value == "dial"
    bar.show_result(Control.DIAL, "accepted", "dialling 1001")
    bar.call_back("tel:+86 138-0013-8000")
    qtbot.keyClick(bar.dial_pad.number, Qt.Key.Key_Return)
    assert seen[-1] == ControlRequest(Control.DIAL, target="+8613800138000")


def test_a_disabled_control_never_emits(bar, qtbot) -> None:
    bar.set_call(CallPhase.IDLE, None)
    seen = requests_of(bar)
    for control in (Control.ANSWER, Control.HANGUP, Control.HOLD):
        bar.actions_by_control[control].trigger()
    assert seen == []


def test_call_back_during_a_call_waits_in_the_pad(bar, qtbot) -> None:
    bar.set_call(CallPhase.TALKING, "c1")
    seen = requests_of(bar)
    bar.call_back("13800138000")
    assert not bar.dial_pad.isVisible() and "once this call has ended" in bar.status.text()
    bar.set_call(CallPhase.IDLE, None)
    qtbot.mouseClick(bar.buttons[Control.DIAL], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.dial_pad.call_button, Qt.MouseButton.LeftButton)
    assert seen == [ControlRequest(Control.DIAL, target="13800138000")]
