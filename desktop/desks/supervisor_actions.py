"""Supervisor actions from the agent grid: listen / whisper / barge on an agent's call, force an
agent ready or not ready. Joins the grid's `AgentActions` to `CtiDesk.send_command` and its
`commandResult`: the panel shows the command on its way, then the PBX's result or refusal (the
bridge authorises by role; an agent's desktop never builds this desk).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from desktop.cti.listener import CommandResult
from desktop.desks.cti_desk import CtiDesk
from desktop.desks.session import AgentSession, LinkState
from desktop.views.agent_actions import AgentActions

log = logging.getLogger(__name__)

SOURCE_POLL_MS = 1000  # the local socket says nothing when its source leaves: look every second
ANSWER_TIMEOUT_MS = 15_000


class SupervisorActionsDesk(QObject):
    def __init__(
        self, actions: AgentActions, cti: CtiDesk, session: AgentSession, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.actions = actions
        self.cti = cti
        self.pending: dict[str, tuple[str, str, QTimer]] = {}  # command id -> (action, agent, timeout)
        actions.actionRequested.connect(self.request)
        cti.commandResult.connect(self._on_result)
        session.ctiListenerChanged.connect(self._on_link)
        session.pbxLinkChanged.connect(self._on_link)
        self._poll = QTimer(self)
        self._poll.setInterval(SOURCE_POLL_MS)
        self._poll.timeout.connect(self.refresh_source)

    def start(self) -> None:
        self.refresh_source()
        self._poll.start()

    def stop(self) -> None:
        self._poll.stop()
        for _action, _agent, timer in self.pending.values():
            timer.stop()
        self.pending.clear()

    def refresh_source(self) -> None:
        up, detail = self.cti.source_state()
        self.actions.set_source(up, detail)

    def _on_link(self, _link: LinkState) -> None:
        self.refresh_source()

    def request(self, action: str, agent: str, reason: str) -> None:
        fields = {"target": agent}
        if action == "force.pause":
            fields["reason"] = reason
        label = self._label(action, agent)
        command_id = self.cti.send_command(action, **fields)
        if command_id is None:
            self.actions.show_result(False, self.tr("%1: not sent, no CTI connection.").replace("%1", label))
            self.refresh_source()
            return
        log.info("supervisor: %s %s sent (%s)", action, agent, command_id)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._timed_out(command_id))
        timer.start(ANSWER_TIMEOUT_MS)
        self.pending[command_id] = (action, agent, timer)
        self.actions.show_progress(self.tr("%1: sent, waiting for the PBX…").replace("%1", label))

    def _on_result(self, result: CommandResult) -> None:
        entry = self.pending.pop(result.id, None)
        if entry is None:
            return
        action, agent, timer = entry
        timer.stop()
        label = self._label(action, agent)
        if result.ok:
            text = self.tr("%1: done (%2)").replace("%1", label).replace("%2", result.message or "ok")
        else:
            text = self.tr("%1: refused: %2").replace("%1", label).replace("%2", result.message or "?")
        log.info(
            "supervisor: %s %s -> %s %s", action, agent, "ok" if result.ok else "refused", result.message
        )
        self.actions.show_result(result.ok, text)

    def _timed_out(self, command_id: str) -> None:
        entry = self.pending.pop(command_id, None)
        if entry is None:
            return
        label = self._label(entry[0], entry[1])
        self.actions.show_result(False, self.tr("%1: no answer from the PBX.").replace("%1", label))

    def _label(self, action: str, agent: str) -> str:
        return {
            "listen": self.tr("Listen to %1"),
            "whisper": self.tr("Whisper to %1"),
            "barge": self.tr("Barge in on %1"),
            "force.ready": self.tr("Force %1 ready"),
            "force.pause": self.tr("Force %1 not ready"),
        }.get(action, action + " %1").replace("%1", agent)
