"""The agent desk: the agent-state panel (views/agent_state_panel.py), the ready rule and the CTI.

The panel shows the state the telephone system reports, never an unconfirmed one: a pick sends
`pause` (with the reason code) or `unpause` for this agent and shows "waiting for the PBX…"; the
`agent.pause` event that follows is what changes the shown state (and the time in state). A
refusal, a command the source answers "not ok", or no CTI connection drops the pending marker and
says why. Ready while a finished call's contact log is unsaved (`require_contact_before_ready`) is
refused before anything is sent: a banner says why and the wrap-up screen opens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject

from calldesk_domain.agent_intervals import AgentState
from calldesk_domain.agent_metrics import is_wrap_reason
from desktop.cti.events import AgentEvent, AgentEventKind, CallEvent
from desktop.cti.listener import CommandResult
from desktop.desks.session import AgentSession, CallInfo
from desktop.views.agent_state_panel import DEFAULT_REASON_CODES, AgentStatePanel
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)

READY = ""  # the session's "reason" for Ready


class AgentDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        may_go_ready: Callable[[], bool],
        open_wrapup: Callable[[], object],
        send_command: Callable[..., str | None],
        parent: QObject | None = None,
        *,
        reasons: Sequence[str] = DEFAULT_REASON_CODES,
    ) -> None:
        """`send_command(action, **fields)` sends a CTI command (CtiDesk.send_command) and gives
        its id (None: no connection); `reasons` the pause reasons (Settings.agent_pause_reasons())."""
        super().__init__(parent)
        self.window = window
        self.session = session
        self.may_go_ready = may_go_ready
        self.open_wrapup = open_wrapup
        self.send_command = send_command
        self.box = AgentStatePanel(reasons=reasons)
        window.statusBar().addPermanentWidget(self.box)
        self.box.stateRequested.connect(self.request)
        self._awaited: set[str] = set()  # ids of the state commands sent from here
        self._idle: tuple[AgentState, str] = (AgentState.READY, "")  # the PBX's last pause state
        session.callAnswered.connect(self._on_call_answered)
        session.callEnded.connect(self._on_call_ended)

    @property
    def agent_id(self) -> str:
        """Whose `agent.pause` events the panel follows."""
        return self.session.agent_id

    def on_agent_event(self, event: AgentEvent) -> None:
        """Follow the telephone system: an `agent.pause` for this agent is the state shown (also a
        pause the supervisor or the phone set made, an unpause after the PBX's timer)."""
        if self.agent_id and event.agent != self.agent_id:
            return
        if event.kind is AgentEventKind.STATE and event.state == "logged_out":
            self.box.show_pbx_state(AgentState.LOGGED_OUT, "", event.ts)
            return
        if event.kind is not AgentEventKind.PAUSE or event.paused is None:
            return
        reason = event.reason.strip()[:64]
        if not event.paused:
            self._idle = (AgentState.READY, "")
        elif is_wrap_reason(reason):
            self._idle = (AgentState.WRAPUP, "")
        else:
            self._idle = (AgentState.NOT_READY, reason)
        if reason and reason not in self.box.reason_codes() and self._idle[0] is AgentState.NOT_READY:
            log.info(
                "agent %s paused with reason %r, not one of %s", event.agent, reason, self.box.reason_codes()
            )
        self.session.set_agent_state(READY if not event.paused else reason)
        if self.box.state is not AgentState.TALKING:
            self.box.show_pbx_state(*self._idle, since=event.ts)

    def _on_call_answered(self, info: CallInfo) -> None:
        self.box.show_pbx_state(AgentState.TALKING, "", info.answered_at)

    def _on_call_ended(self, _info: CallInfo, event: CallEvent) -> None:
        if self.box.state is AgentState.TALKING:
            self.box.show_pbx_state(*self._idle, since=event.ts)

    def on_command_result(self, result: CommandResult) -> None:
        """The source's answer to a state command sent from here: a refusal is shown; an accepted
        one ends the pending marker, and the shown state changes with the `agent.pause` event
        that confirms it (usually already there)."""
        if result.id not in self._awaited:
            return
        self._awaited.discard(result.id)
        if not result.ok:
            self.box.show_refusal(result.message or self.tr("refused by the PBX"))
        elif self.box.pending is not None:
            self.box.pending = None
            self.box.refresh()

    def set_reasons(self, reasons: Sequence[str]) -> None:
        """The configured pause reasons changed (Settings)."""
        self.box.set_reasons(reasons)

    def request(self, action: str, reason: str) -> bool:
        """Send a state the agent (or the after-call work) asked for; False when the ready rule
        refuses it or there is no CTI connection. The shown state waits for the PBX."""
        if action == "unpause" and not self.may_go_ready():
            log.info("ready refused: a contact log is unsaved")
            text = self.box.ready_refused_text()
            self.box.show_refusal(text)
            self.window.show_banner(text, "warning")
            self.open_wrapup()
            return False
        if action == "unpause":
            command_id = self.send_command("unpause")
        else:
            command_id = self.send_command("pause", reason=reason)
        if command_id is None:
            self.box.show_refusal(self.tr("no CTI connection"))
            return False
        self._awaited.add(command_id)
        if len(self._awaited) > 64:  # answers that never came
            self._awaited.pop()
        if self.box.pending is None:  # asked from elsewhere (after-call work): shown as pending too
            self.box.pending = (action, reason)
            self.box.refresh()
        return True
