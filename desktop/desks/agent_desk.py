"""The agent desk: the Ready / Not ready control, the ready rule and the CTI.

Picking Ready while a finished call's contact log is unsaved (and `require_contact_before_ready`
is set) is refused: a banner says why and the wrap-up screen opens. Otherwise the choice goes to
the telephone system as a `pause` (with the reason code) or `unpause` command for this agent.
The state itself is the AgentSession's; the box in the status bar shows what the session says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject

from desktop.cti.events import AgentEvent, AgentEventKind
from desktop.desks.session import AgentSession
from desktop.views.agent_state import PAUSE_REASONS, READY, AgentStateBox
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


class AgentDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        may_go_ready: Callable[[], bool],
        open_wrapup: Callable[[], object],
        send_command: Callable[..., object],
        parent: QObject | None = None,
        *,
        reasons: Sequence[str] = PAUSE_REASONS,
    ) -> None:
        """`send_command(action, **fields)` sends a CTI command (CtiDesk.send_command); `reasons`
        the pause reasons (Settings.agent_pause_reasons())."""
        super().__init__(parent)
        self.window = window
        self.session = session
        self.may_go_ready = may_go_ready
        self.open_wrapup = open_wrapup
        self.send_command = send_command
        self.box = AgentStateBox(reasons=reasons)
        window.statusBar().addPermanentWidget(self.box)
        self.box.stateRequested.connect(self.request)
        session.agentStateChanged.connect(self.box.show_state)

    @property
    def agent_id(self) -> str:
        """Whose `agent.pause` events the control follows."""
        return self.session.agent_id

    def on_agent_event(self, event: AgentEvent) -> None:
        """Follow the telephone system: an `agent.pause` for this agent shows the real state
        (a pause the supervisor or the phone set made, an unpause after the PBX's timer)."""
        # A member's snapshot (QueueStatus after a reconnect: kind STATE) carries the pause too:
        # after a PBX restart it is the only word that a forgotten pause is gone.
        if event.kind not in (AgentEventKind.PAUSE, AgentEventKind.STATE) or event.paused is None:
            return
        if self.agent_id and event.agent != self.agent_id:
            return
        if not event.paused:
            self.session.set_agent_state(READY)
        elif event.reason in self.box.reasons():
            self.session.set_agent_state(event.reason)
        else:
            log.info(
                "agent %s paused with reason %r, not one of %s", event.agent, event.reason, self.box.reasons()
            )

    def set_reasons(self, reasons: Sequence[str]) -> None:
        """The configured pause reasons changed (Settings)."""
        self.box.set_reasons(reasons)

    def request(self, action: str, reason: str) -> bool:
        """Apply a state the agent picked; False (and the state kept) when the ready rule refuses."""
        if action == "unpause" and not self.may_go_ready():
            log.info("ready refused: a contact log is unsaved")
            self.window.show_banner(self.box.ready_refused_text(), "warning")
            self.open_wrapup()
            return False
        if action == "unpause":
            self.send_command("unpause")
        else:
            self.send_command("pause", reason=reason)
        self.session.set_agent_state(READY if action == "unpause" else reason)
        return True
