"""The call-control bar: answer, hang up, hold/resume, mute, blind and attended transfer (consult,
then complete, swap or cancel), conference, DTMF keypad and dial pad.

A thin view. `set_call(phase, call_id)` and `set_pbx_limits(unsupported)` decide what is enabled
(calldesk_domain.call_controls); a control the PBX cannot do is disabled with the PBX's reason as
its tooltip. Every click emits `commandRequested(ControlRequest)` and shows the command as pending
until `show_result(control, status, message)` arrives, or says the PBX did not answer in time.
Each control is a QAction with a shortcut (`menu_actions()` for the window's Call menu).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from calldesk_domain.call_controls import (
    COMMAND_CONTROLS,
    CallPhase,
    Control,
    ControlRequest,
    ControlState,
    Why,
    availability,
)
from desktop.views.keypads import DialPad, DtmfPad
from desktop.views.transfer_picker import TransferTargetPicker

SHORTCUTS: Mapping[Control, str] = {
    Control.ANSWER: "F5",
    Control.HANGUP: "F6",
    Control.HOLD: "F7",
    Control.UNHOLD: "Shift+F7",
    Control.MUTE: "F8",
    Control.TRANSFER: "F9",
    Control.CONSULT: "Shift+F9",
    Control.CONSULT_COMPLETE: "Ctrl+F9",
    Control.CONSULT_SWAP: "Ctrl+Shift+S",
    Control.CONSULT_CANCEL: "Ctrl+Shift+F9",
    Control.CONFERENCE: "Ctrl+Shift+M",
    Control.DTMF: "Ctrl+Shift+K",
    Control.DIAL: "Ctrl+Shift+D",
}
DEFAULT_TIMEOUT_S = 45.0
ACCEPTED = "accepted"


class CallControlBar(QFrame):
    commandRequested = Signal(object)  # ControlRequest

    def __init__(self, parent: QWidget | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(parent)
        self.setObjectName("callControls")
        self.timeout_s = timeout_s
        self.phase = CallPhase.IDLE
        self.call_id: str | None = None
        self._unsupported: dict[str, str] = {}
        self._supported: Collection[str] = COMMAND_CONTROLS
        self._states: dict[Control, ControlState] = {}
        self._pending: dict[Control, QTimer] = {}
        self.actions_by_control: dict[Control, QAction] = {}
        self.buttons: dict[Control, QToolButton] = {}
        self.status = QLabel(self)
        self.status.setObjectName("commandStatus")
        self.status.setWordWrap(True)
        self.picker = TransferTargetPicker(self)
        self.picker.targetChosen.connect(self._target_chosen)
        self._picking: Control | None = None
        self.dtmf_pad = DtmfPad(self)
        self.dtmf_pad.digitPressed.connect(self._send_digit)
        self.dial_pad = DialPad(self)
        self.dial_pad.dialRequested.connect(self._dial)
        row = QHBoxLayout()
        row.setSpacing(4)
        for control in Control:
            action = QAction(self)
            action.setShortcut(QKeySequence(SHORTCUTS[control]))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, c=control: self._clicked(c))
            self.addAction(action)
            button = QToolButton(self)
            button.setObjectName(f"control_{control.value.replace('.', '_')}")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            row.addWidget(button)
            self.actions_by_control[control] = action
            self.buttons[control] = button
        self.actions_by_control[Control.DTMF].setCheckable(True)
        self.actions_by_control[Control.DIAL].setCheckable(True)
        row.addWidget(self.status, 1)
        pads = QHBoxLayout()
        pads.addWidget(self.dtmf_pad)
        pads.addWidget(self.dial_pad)
        pads.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(row)
        layout.addLayout(pads)
        self.dtmf_pad.hide()
        self.dial_pad.hide()
        self._retranslate()

    # ---- fed by the desks layer ---------------------------------------------------------------
    def set_call(self, phase: CallPhase, call_id: str | None) -> None:
        self.phase, self.call_id = phase, call_id
        self._render()

    def set_pbx_limits(
        self, unsupported: Mapping[Any, str], supported: Collection[str] = COMMAND_CONTROLS
    ) -> None:
        """The connector's `unsupported()` (action name or Action -> why and what instead) and
        the controls it has commands for."""
        self._unsupported = {str(action): reason for action, reason in unsupported.items()}
        self._supported = frozenset(str(value) for value in supported)
        self._render()

    def show_result(self, control: Control, status: str, message: str) -> None:
        """The PBX's answer to `control`: status "accepted" | "refused" | "unsupported" |
        "timeout" | "disconnected" | "invalid" (CommandOutcome.status), message its words."""
        self._stop_pending(control)
        name = self.control_name(control)
        if status == ACCEPTED:
            text = self.tr("%1: done. %2").replace("%1", name).replace("%2", message)
        elif status == "timeout":
            text = self.timeout_text(control)
        elif status == "disconnected":
            text = self.tr("%1 failed: the PBX link is down (%2)").replace("%1", name).replace("%2", message)
        elif status == "unsupported":
            text = self.tr("%1 is not possible on this PBX: %2").replace("%1", name).replace("%2", message)
        else:
            text = self.tr("%1 refused: %2").replace("%1", name).replace("%2", message)
        self._show_status(text, "ok" if status == ACCEPTED else "error")
        self._render()

    def timeout_text(self, control: Control) -> str:
        return (
            self.tr("%1: the PBX did not answer within %2 s; check the phone before trying again")
            .replace("%1", self.control_name(control))
            .replace("%2", f"{self.timeout_s:.0f}")
        )

    def is_pending(self, control: Control) -> bool:
        return control in self._pending

    def menu_actions(self) -> list[QAction]:
        return [self.actions_by_control[control] for control in Control]

    def state_of(self, control: Control) -> ControlState:
        return self._states[control]

    # ---- clicks -> requests -------------------------------------------------------------------
    def _clicked(self, control: Control) -> None:
        if not self._states[control].enabled or control in self._pending:
            return
        if control is Control.DTMF:
            self.dtmf_pad.setVisible(self.actions_by_control[control].isChecked())
        elif control is Control.DIAL:
            self.dial_pad.setVisible(self.actions_by_control[control].isChecked())
            if self.dial_pad.isVisible():
                self.dial_pad.number.setFocus()
        elif control in (Control.TRANSFER, Control.CONSULT):
            self._picking = control
            heading = (
                self.tr("Transfer the caller to:")
                if control is Control.TRANSFER
                else self.tr("Consult (attended transfer) with:")
            )
            self.picker.ask(heading)
        else:
            self._request(ControlRequest(control, self.call_id))

    def _target_chosen(self, target: str) -> None:
        if self._picking is not None and self._states[self._picking].enabled:
            self._request(ControlRequest(self._picking, self.call_id, target=target))
        self._picking = None

    def _send_digit(self, digit: str) -> None:
        if self._states[Control.DTMF].enabled:
            self._request(ControlRequest(Control.DTMF, self.call_id, digits=digit))

    def _dial(self, digits: str) -> None:
        if self._states[Control.DIAL].enabled and Control.DIAL not in self._pending:
            self._request(ControlRequest(Control.DIAL, target=digits))

    def call_back(self, number: str) -> None:
        """'Call back' from anywhere a number is shown: the dial pad with it, ready to call; during
        a call the number waits in the pad and the status says so."""
        self.dial_pad.set_number(number)
        if self._states[Control.DIAL].enabled:
            self.actions_by_control[Control.DIAL].setChecked(True)
            self.dial_pad.show()
            self.dial_pad.number.setFocus()
        else:
            text = self.tr("Call back %1 once this call has ended (Dial, %2)")
            shortcut = self.actions_by_control[Control.DIAL].shortcut()
            text = text.replace("%1", number).replace(
                "%2", shortcut.toString(QKeySequence.SequenceFormat.NativeText)
            )
            self._show_status(text, "pending")

    def _request(self, request: ControlRequest) -> None:
        control = request.control
        if control is not Control.DTMF:  # digits go one after the other; no pending lock
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(int(self.timeout_s * 1000))
            timer.timeout.connect(lambda c=control: self._timed_out(c))
            timer.start()
            self._pending[control] = timer
        self._show_status(
            self.tr("%1: waiting for the PBX…").replace("%1", self.control_name(control)), "pending"
        )
        self._render()
        self.commandRequested.emit(request)

    def _timed_out(self, control: Control) -> None:
        if control in self._pending:
            self._stop_pending(control)
            self._show_status(self.timeout_text(control), "error")
            self._render()

    def _stop_pending(self, control: Control) -> None:
        timer = self._pending.pop(control, None)
        if timer is not None:
            timer.stop()
            timer.deleteLater()

    # ---- rendering ----------------------------------------------------------------------------
    def _show_status(self, text: str, kind: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        self.status.setProperty("outcome", kind)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def control_name(self, control: Control) -> str:
        names = {
            Control.ANSWER: self.tr("Answer"),
            Control.HANGUP: self.tr("Hang up"),
            Control.HOLD: self.tr("Hold"),
            Control.UNHOLD: self.tr("Resume"),
            Control.MUTE: self.tr("Mute"),
            Control.TRANSFER: self.tr("Transfer"),
            Control.CONSULT: self.tr("Consult"),
            Control.CONSULT_COMPLETE: self.tr("Complete transfer"),
            Control.CONSULT_SWAP: self.tr("Swap"),
            Control.CONSULT_CANCEL: self.tr("Cancel consult"),
            Control.CONFERENCE: self.tr("Conference"),
            Control.DTMF: self.tr("Keypad"),
            Control.DIAL: self.tr("Dial"),
        }
        return names[control]

    def _phase_text(self) -> str:
        names = {
            CallPhase.IDLE: self.tr("there is no call"),
            CallPhase.RINGING: self.tr("the call is ringing"),
            CallPhase.OUTBOUND_RINGING: self.tr("your outbound call is ringing"),
            CallPhase.TALKING: self.tr("you are talking"),
            CallPhase.HELD: self.tr("the caller is on hold"),
            CallPhase.CONSULTING: self.tr("you are consulting"),
            CallPhase.CONFERENCE: self.tr("you are in a conference"),
        }
        return names[self.phase]

    def _render(self) -> None:
        self._states = availability(self.phase, self._unsupported, self._supported)
        for control, state in self._states.items():
            action = self.actions_by_control[control]
            name = self.control_name(control)
            action.setText(name)
            action.setEnabled(state.enabled and control not in self._pending)
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            tip = f"{name} ({shortcut})"
            if state.why is Why.NOT_NOW:
                tip += "\n" + self.tr("Not available: %1").replace("%1", self._phase_text())
            elif state.why is Why.PBX_CANNOT:
                tip += "\n" + self.tr("The PBX cannot do this: %1").replace("%1", state.reason)
            elif control in self._pending:
                tip += "\n" + self.tr("Waiting for the PBX…")
            action.setToolTip(tip)
            action.setStatusTip(tip)
        held = self.phase is CallPhase.HELD
        self.buttons[Control.HOLD].setVisible(not held)
        self.buttons[Control.UNHOLD].setVisible(held)
        consulting = self.phase in (CallPhase.CONSULTING, CallPhase.CONFERENCE)
        for control in (
            Control.CONSULT_COMPLETE,
            Control.CONSULT_SWAP,
            Control.CONSULT_CANCEL,
            Control.CONFERENCE,
        ):
            self.buttons[control].setVisible(consulting)
        for control in (Control.TRANSFER, Control.CONSULT):
            self.buttons[control].setVisible(not consulting)
        if not self._states[Control.DTMF].enabled:
            self.actions_by_control[Control.DTMF].setChecked(False)
            self.dtmf_pad.hide()
        if not self._states[Control.DIAL].enabled:
            self.actions_by_control[Control.DIAL].setChecked(False)
            self.dial_pad.hide()

    def _retranslate(self) -> None:
        if not self.status.text():
            self.status.setText("")
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
