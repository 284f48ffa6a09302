"""The calls desk: the call-control bar and the after-call work, wired to the session and the PBX.

The bar shows the phase of the AgentSession's current call (`phase_of(CallInfo.state)`); a click
becomes a CTI command through `CtiDesk.send_command`, and the source's `command.result` for that
command id goes back to `bar.show_result`. The bar's Answer (F5) replaces the window's own Answer
entry, so one key has one action. Consult, conference and swap have no call event of their own:
their phase comes from the accepted command (`phase_after`) until the PBX reports otherwise.

After-call work: when an answered call ends, the agent is paused with reason `acw` and the
WrapupPanel counts down (`wrapup_seconds`); when it finishes, `unpause` goes through the agent
desk's ready rule. The deadline is stored (services/wrapup_state.py), so a restart resumes it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence

from calldesk_domain.call_controls import CallPhase, Control, ControlRequest, phase_after, phase_of
from calldesk_domain.wrapup import WrapupCountdown, WrapupOutcome, WrapupPolicy
from desktop.config import Settings
from desktop.cti.events import CallEvent, CallEventKind
from desktop.cti.listener import CommandResult
from desktop.desks.cti_desk import CtiDesk
from desktop.desks.session import AgentSession, CallInfo
from desktop.services.wrapup_state import WrapupStateFile
from desktop.views.call_controls import CallControlBar
from desktop.views.main_window import MainWindow
from desktop.views.wrapup_panel import WrapupPanel

log = logging.getLogger(__name__)

OUTCOME_STATUSES = frozenset({"accepted", "refused", "unsupported", "timeout", "disconnected", "invalid"})
PHASE_FROM_COMMAND = frozenset(
    {Control.CONSULT, Control.CONSULT_CANCEL, Control.CONSULT_SWAP, Control.CONFERENCE}
)
CONSULT_PHASES = frozenset({CallPhase.CONSULTING, CallPhase.CONFERENCE})
HOLD_KINDS = frozenset({CallEventKind.HELD, CallEventKind.UNHELD})
MAX_AWAITED = 256  # commands the PBX never answered (the bar has timed them out) are forgotten
ACW_REASON = "acw"


def wrapup_policy(settings: Settings) -> WrapupPolicy:
    """Wrap-up seconds per queue (`wrapup_queue_seconds`), else `wrapup_seconds`."""
    return WrapupPolicy(
        default_seconds=max(0, int(settings.wrapup_seconds)), per_queue=dict(settings.wrapup_queue_seconds)
    )


class CallsDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        cti: CtiDesk,
        settings: Settings,
        request_state: Callable[[str, str], bool],
        state_file: WrapupStateFile,
        *,
        unsupported: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        """`request_state(action, reason)` is AgentDesk.request ("pause"/"unpause", with its ready
        rule); `unsupported` the PBX connector's `unsupported()` (the local socket and the demo:
        none)."""
        super().__init__(parent)
        self.window = window
        self.session = session
        self.cti = cti
        self.request_state = request_state
        self.state_file = state_file
        self.clock = clock
        self.policy = wrapup_policy(settings)
        self._awaited: dict[str, ControlRequest] = {}  # command id -> what the agent asked
        self._phase_by_command: dict[str, CallPhase] = {}  # call id -> phase an accepted command set

        self.bar = CallControlBar(window)
        self.bar.set_pbx_limits(unsupported or {})
        self.wrapup = WrapupPanel(window, extend_seconds=self.policy.extend_seconds)
        self.wrapup.hide()
        window.add_above_card(self.bar)
        window.add_above_card(self.wrapup)
        self._take_over_answer()

        self.bar.commandRequested.connect(self.send)
        cti.commandResult.connect(self.on_command_result)
        session.callRinging.connect(self._on_call_changed)
        session.callAnswered.connect(self._on_call_changed)
        session.callUpdated.connect(self._on_call_updated)
        session.callEnded.connect(self._on_call_ended)
        session.currentCallChanged.connect(self._on_current_changed)
        self.wrapup.deadlineChanged.connect(self.state_file.save)
        self.wrapup.finished.connect(self._on_wrapup_finished)

    def _take_over_answer(self) -> None:
        """F5 is the bar's Answer: the window's entry loses its key and its menu place (two
        actions on one key make Qt report an ambiguous shortcut, and neither fires)."""
        window = self.window
        window.answer_action.setShortcut(QKeySequence())
        window.call_menu.removeAction(window.answer_action)
        actions = window.call_menu.actions()
        if not actions:
            window.call_menu.addActions(self.bar.menu_actions())
            return
        window.call_menu.insertActions(actions[0], self.bar.menu_actions())
        window.call_menu.insertSeparator(actions[0])

    def start(self) -> None:
        """Resume a wrap-up that was counting when the desktop stopped; one whose deadline has
        passed is dropped (the agent state is what the PBX reports, not a guess from a file)."""
        stored = self.state_file.load()
        if stored is None:
            return
        countdown = WrapupCountdown.resume(stored, self.clock)
        if countdown.outcome() is not WrapupOutcome.COUNTING:
            log.info("stored wrap-up of call %s had ended; dropped", stored.call_id)
            self.state_file.clear()
            return
        log.info("resuming the wrap-up of call %s (%d s left)", stored.call_id, countdown.remaining_seconds())
        self.wrapup.show()
        self.wrapup.start(countdown)

    def stop(self) -> None:
        """Stop the ticker; the stored deadline stays for the next start."""
        with contextlib.suppress(RuntimeError):  # already deleted with the window
            self.wrapup.ticker.stop()
            self.bar.picker.close()

    # -- the bar -> the PBX ----------------------------------------------------------------------
    def send(self, request: ControlRequest) -> None:
        wire = request.to_wire()
        action = wire.pop("action")
        command_id = self.cti.send_command(action, **wire)
        if command_id is None:
            self.bar.show_result(request.control, "disconnected", self.tr("no CTI connection"))
            return
        self._awaited[command_id] = request
        while len(self._awaited) > MAX_AWAITED:
            self._awaited.pop(next(iter(self._awaited)))

    def on_command_result(self, result: CommandResult) -> None:
        request = self._awaited.pop(result.id, None)
        if request is None:  # someone else's command (Ready, pause), or one long timed out
            return
        status = result.raw.get("status")
        if not isinstance(status, str) or status not in OUTCOME_STATUSES:
            status = "accepted" if result.ok else "refused"
        self.bar.show_result(request.control, status, result.message)
        call_id = request.call_id
        current = bool(call_id) and call_id == self.session.current_call_id
        if status == "accepted" and request.control in PHASE_FROM_COMMAND and current:
            self._phase_by_command[str(call_id)] = phase_after(self.bar.phase, request.control)
            self._show_current()

    # -- the session -> the bar ------------------------------------------------------------------
    def _on_call_changed(self, info: CallInfo) -> None:
        self._phase_by_command.pop(info.call_id, None)  # the PBX has spoken about this call
        self._show_current()

    def _on_call_updated(self, info: CallInfo, event: CallEvent) -> None:
        kept = self._phase_by_command.get(info.call_id)
        if kept in CONSULT_PHASES and event.kind in HOLD_KINDS:
            # A consult holds one party at the PBX: Asterisk's Atxfer sends a Hold (and swap an
            # Unhold) for the call; the agent is still consulting and must keep Cancel/Complete.
            self._show_current()
            return
        self._on_call_changed(info)

    def _on_current_changed(self, _call_id: str) -> None:
        self._show_current()

    def _show_current(self) -> None:
        call_id = self.session.current_call_id
        info = self.session.call(call_id) if call_id else None
        if info is None:
            phase = CallPhase.IDLE
        else:
            phase = self._phase_by_command.get(info.call_id) or phase_of(info.state)
        self.bar.set_call(phase, info.call_id if info is not None and phase is not CallPhase.IDLE else None)
        self.window.set_call_phase(phase)

    # -- after-call work -------------------------------------------------------------------------
    def _on_call_ended(self, info: CallInfo, _event: CallEvent) -> None:
        self._phase_by_command.pop(info.call_id, None)
        self._show_current()
        if info.answered_at is None and info.direction != "outbound":
            return  # an inbound call never answered here leaves nothing to wrap up
        # answered calls, and outbound attempts that failed too (the agent notes why)
        self.request_state("pause", ACW_REASON)
        seconds = self.policy.seconds_for(info.queue)
        self.wrapup.show()
        self.wrapup.start(WrapupCountdown.start(info.call_id, seconds, self.clock, log_required=False))

    def _on_wrapup_finished(self, outcome: str) -> None:
        if outcome != WrapupOutcome.GO_READY.value:
            return
        if not self.request_state("unpause", ""):
            log.info("wrap-up over; Ready waits for the contact log (the agent picks Ready then)")
        self.state_file.clear()
        self.wrapup.stop()
        self.wrapup.hide()
