"""The CTI desk: the local CTI socket, where its events go, and the commands sent back.

Events: a `pbx.*` link change goes to the AgentSession (and a banner says what it means for the
agent), an `agent.*` event is re-emitted as `agentEvent` (the agent desk follows it), everything
else goes to the screen pop. Commands (answer, dial, pause…) go to this agent's CTI source; a
refusal comes back as a banner. A `calls` desk (hold, transfer, hang up) sends through
`send_command` too and follows the calls on the AgentSession.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from PySide6.QtCore import QObject, Signal

from desktop.config import Settings
from desktop.cti.events import AgentEvent, CtiEvent, PbxEvent, PbxEventKind
from desktop.cti.listener import CommandResult, CtiListener
from desktop.desks.session import AgentSession
from desktop.services.screenpop import ScreenPopService
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


class CtiDesk(QObject):
    agentEvent = Signal(object)  # AgentEvent from this desktop's CTI source
    commandResult = Signal(object)  # CommandResult: the source's answer to a command sent here

    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        screenpop: ScreenPopService,
        settings: Settings,
        token: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.session = session
        self.screenpop = screenpop
        self.settings = settings
        self._token = token
        self.listener: CtiListener | None = None  # None until started (or when it could not listen)
        self._tasks: set[asyncio.Task[int]] = set()
        window.answerRequested.connect(self.answer_ringing)

    async def start(self) -> None:
        """Listen on the CTI socket; a port that cannot be had is said in a banner, not raised."""
        listener = CtiListener(
            host=self.settings.cti_host,
            port=self.settings.cti_port,
            token=self._token,
            on_event=self._on_event,
            on_command_result=self._on_command_result,
        )
        try:
            await listener.start()
        except OSError as exc:
            host, port = self.settings.cti_host, self.settings.cti_port
            log.error("CTI socket could not listen on %s:%s: %s", host, port, exc)
            self.session.set_cti_listener(False, str(exc))
            self.window.show_banner(
                self.tr(
                    "The CTI socket could not start on port %1: %2. Calls will not pop until it is "
                    "fixed in Settings.",
                )
                .replace("%1", str(self.settings.cti_port))
                .replace("%2", str(exc)),
                "error",
            )
            return
        self.listener = listener
        self.session.set_cti_listener(True, self._address())

    async def stop(self) -> None:
        """Stop listening and drop the commands still on their way. Safe to call twice."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        listener, self.listener = self.listener, None
        if listener is not None:
            await listener.stop()

    def _address(self) -> str:
        return f"{self.settings.cti_host}:{self.listener.port if self.listener else ''}"

    # -- events ------------------------------------------------------------------------------
    def _on_event(self, event: CtiEvent, source_agent: str | None) -> None:
        if isinstance(event, PbxEvent):
            self._on_pbx_link(event)
            return
        if isinstance(event, AgentEvent):
            self.agentEvent.emit(event)
        self.screenpop.handle_event(event, source_agent)

    def _on_pbx_link(self, event: PbxEvent) -> None:
        """The CTI source lost (or regained) its PBX: calls will not pop meanwhile, so say it."""
        if event.kind is PbxEventKind.CONNECTED:
            self.session.set_pbx_link(True, self._address())
            self.window.show_banner(self.tr("The telephone system is connected again."), "info")
            return
        log.warning("PBX disconnected: %s", event.detail)
        self.session.set_pbx_link(False, event.detail or self._address())
        self.window.show_banner(
            self.tr("PBX disconnected: calls will not pop until the telephone system is back. (%1)").replace(
                "%1", event.detail
            ),
            "error",
        )

    # -- commands ----------------------------------------------------------------------------
    def answer_ringing(self) -> None:
        """Answer (the call bar's button): the call the AgentSession says is ringing."""
        call_id = self.session.ringing_call_id
        if not call_id:
            self.window.show_banner(self.tr("There is no ringing call to answer."), "info")
            return
        self.send_command("answer", call_id=call_id)

    def dial(self, number: str) -> None:
        """`calldesk dial tel:…` handed over by a second start."""
        self.send_command("dial", target=number)

    def send_command(self, action: str, **fields: str) -> str | None:
        """Send a command (dial, answer, hangup, pause…) to this agent's CTI source; its result
        comes back through `_on_command_result` (and `commandResult`) with the id returned here.
        None: not sent (no CTI connection; a banner says so)."""
        agent = self.session.agent_id
        if self.listener is None or agent not in self.listener.connected_agents():
            self.window.show_banner(self.tr("Cannot send the command: no CTI connection."), "error")
            return None
        command_id = str(uuid.uuid4())
        task = asyncio.ensure_future(
            self.listener.send_command(
                {"type": "command", "action": action, **fields, "id": command_id}, agent=agent
            )
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return command_id

    def _on_command_result(self, result: CommandResult) -> None:
        self.commandResult.emit(result)
        if not result.ok:
            log.warning("CTI command %s refused: %s", result.id, result.message)
            self.window.show_banner(
                self.tr("The telephone system refused: %1").replace("%1", result.message or "?"), "warning"
            )
