"""The CTI desk: the local CTI socket, where its events go, and the commands sent back.

Events: a `pbx.*` link change goes to the AgentSession (and a banner says what it means for the
agent), an `agent.*` event is re-emitted as `agentEvent` (the agent desk follows it), everything
else goes to the screen pop. Commands (answer, dial, pause…) go to this agent's CTI source; a
refusal comes back as a banner. A `calls` desk (hold, transfer, hang up) sends through
`send_command` too and follows the calls on the AgentSession.

Two CTI sources (Settings `cti_source`): `local`, the PBX integration connects to this PC's CTI
socket; `bridge`, the desktop connects out to `calldesk cti bridge` with the central API access
token (desktop/cti/bridge_client.py). Both feed the same event path; with the bridge, the status
bar shows the bridge link, commands go to the bridge, and the local socket still listens for
local integrations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.config import Settings, bridge_address
from desktop.cti import bridge_client
from desktop.cti.bridge_client import BridgeClient, BridgeClientConfig
from desktop.cti.events import AgentEvent, CallEvent, CtiEvent, PbxEvent, PbxEventKind
from desktop.cti.listener import CommandResult, CtiListener
from desktop.desks.session import AgentSession
from desktop.services.pbx_requests import CommandResults
from desktop.services.screenpop import ScreenPopService
from desktop.services.tasks import cancel_and_wait
from desktop.views.banner import Banner
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


class CtiDesk(QObject):
    agentEvent = Signal(object)  # AgentEvent from this desktop's CTI source
    reloginRequested = Signal()  # the bridge refused the access token: sign in again
    callEvent = Signal(object)  # every CallEvent, any agent's (the screen pop keeps only this agent's)
    commandResult = Signal(object)  # CommandResult: the source's answer to a command sent here

    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        screenpop: ScreenPopService,
        settings: Settings,
        token: str,
        parent: QObject | None = None,
        *,
        access_token: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.session = session
        self.screenpop = screenpop
        self.settings = settings
        self._token = token
        self.listener: CtiListener | None = None  # None until started (or when it could not listen)
        self.bridge: BridgeClient | None = None  # with cti_source = "bridge", once started
        self._access_token = access_token or (lambda: "")  # the central API's current access token
        self._bridge_token = ""
        self._stale_banners: list[Banner | None] = []  # "bridge gone", "PBX gone": cleared when back
        self.results = CommandResults()  # commands someone waits on (`calldesk agent ...`, `dial`)
        self._tasks: set[asyncio.Task[int]] = set()
        window.answerRequested.connect(self.answer_ringing)

    @property
    def uses_bridge(self) -> bool:
        return self.settings.cti_source == "bridge"

    async def start(self) -> None:
        """Listen on the CTI socket and, with cti_source = bridge, connect to the bridge."""
        await self._start_local()
        if self.uses_bridge:
            self._start_bridge()

    async def _start_local(self) -> None:
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
            if not self.uses_bridge:
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
        if not self.uses_bridge:
            self.session.set_cti_listener(True, self._address())

    # -- the bridge --------------------------------------------------------------------------
    def _start_bridge(self) -> None:
        # the user's own setting, else the site's (MSI property CTI_BRIDGE)
        address = self.settings.cti_bridge_address or self.settings.cti_bridge
        try:
            host, port = bridge_address(address)
        except ValueError as exc:
            log.error("CTI bridge address %r: %s", address, exc)
            self.session.set_cti_listener(False, str(exc))
            self.window.show_banner(
                self.tr("The CTI bridge address in Settings is not usable (%1): calls will not pop.").replace(
                    "%1", str(exc)
                ),
                "error",
            )
            return
        config = BridgeClientConfig(
            host,
            port,
            tls=self.settings.cti_bridge_tls,
            ca_file=self.settings.cti_bridge_ca_file or None,
        )
        self._bridge_token = self._access_token()
        self.bridge = BridgeClient(
            config,
            self._bridge_token,
            self._on_event,
            on_status=self._on_bridge_status,
            on_command_result=self._on_command_result,
        )
        self.session.set_cti_listener(False, self.tr("CTI bridge %1: connecting").replace("%1", config.label))
        self.bridge.start()

    def set_token(self, token: str) -> None:
        """A new access token (token refresh or a new sign-in): pushed down the live bridge link
        (the session outlives the old token), or used at the next hello."""
        if token == self._bridge_token:
            return
        self._bridge_token = token
        if self.bridge is not None:
            self.bridge.set_token(token)

    def _on_bridge_status(self, status: str, detail: str) -> None:
        label = self.bridge.config.label if self.bridge is not None else ""
        if status == bridge_client.CONNECTED:
            self.session.set_cti_listener(True, self.tr("CTI bridge %1: connected").replace("%1", label))
            self._clear_stale_banners()
        elif status == bridge_client.DISCONNECTED:
            was_up = self.session.cti_listener.up
            self.session.set_cti_listener(False, self.tr("CTI bridge %1: disconnected").replace("%1", label))
            if was_up:
                text = self.tr("The CTI bridge is not reachable: calls will not pop until it is back. (%1)")
                self._stale_banners.append(self.window.show_banner(text.replace("%1", detail), "error"))
        elif status == bridge_client.RELOGIN_NEEDED:
            self.session.set_cti_listener(False, self.tr("CTI bridge %1: sign in again").replace("%1", label))
            fresh = self._access_token()
            if fresh and fresh != self._bridge_token:  # the API refreshed its token meanwhile
                self.set_token(fresh)
                return
            text = self.tr("The CTI bridge needs a new sign-in: calls will not pop until you sign in again.")
            self._stale_banners.append(self.window.show_banner(text, "error"))
            self.reloginRequested.emit()
        elif status == bridge_client.REPLACED:
            self.session.set_cti_listener(
                False, self.tr("CTI bridge %1: signed in on another PC").replace("%1", label)
            )
            self.window.show_banner(
                self.tr("You signed in on another PC: calls now pop there, not here."), "warning"
            )

    def _clear_stale_banners(self) -> None:
        banners, self._stale_banners = self._stale_banners, []
        for banner in banners:
            if banner is not None:
                with contextlib.suppress(RuntimeError):  # already closed by the agent
                    banner.dismiss()

    async def stop(self) -> None:
        """Stop listening and drop the commands still on their way. Safe to call twice."""
        await cancel_and_wait(list(self._tasks), "CTI desk")
        listener, self.listener = self.listener, None
        if listener is not None:
            await listener.stop()
        bridge, self.bridge = self.bridge, None
        if bridge is not None:
            await bridge.stop()

    def source_state(self) -> tuple[bool, str]:
        """Can commands reach the PBX now? (up, why not): the bridge link, or a source connected to
        the local socket, and the PBX behind it not known down."""
        if self.bridge is not None:
            if not self.bridge.connected:
                return False, self.tr("CTI bridge not connected")
        elif self.listener is None or self.session.agent_id not in self.listener.connected_agents():
            return False, self.tr("no CTI source connected")
        pbx = self.session.pbx_link
        if pbx.up is False:
            return False, self.tr("PBX disconnected: %1").replace("%1", pbx.detail)
        return True, ""

    def _address(self) -> str:
        if self.bridge is not None:
            return self.tr("CTI bridge %1").replace("%1", self.bridge.config.label)
        return f"{self.settings.cti_host}:{self.listener.port if self.listener else ''}"

    # -- events ------------------------------------------------------------------------------
    def _on_event(self, event: CtiEvent, source_agent: str | None) -> None:
        if isinstance(event, PbxEvent):
            self._on_pbx_link(event)
            return
        if isinstance(event, AgentEvent):
            self.agentEvent.emit(event)
        elif isinstance(event, CallEvent):
            self.callEvent.emit(event)
        self.screenpop.handle_event(event, source_agent)

    def _on_pbx_link(self, event: PbxEvent) -> None:
        """The CTI source lost (or regained) its PBX: calls will not pop meanwhile, so say it."""
        if event.kind is PbxEventKind.CONNECTED:
            self._clear_stale_banners()
            self.session.set_pbx_link(True, self._address())
            self.window.show_banner(self.tr("The telephone system is connected again."), "info")
            return
        log.warning("PBX disconnected: %s", event.detail)
        self.session.set_pbx_link(False, event.detail or self._address())
        text = self.tr("PBX disconnected: calls will not pop until the telephone system is back. (%1)")
        self._stale_banners.append(self.window.show_banner(text.replace("%1", event.detail), "error"))

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
        command_id = str(uuid.uuid4())
        command = {"type": "command", "action": action, **fields, "id": command_id}
        if self.bridge is not None:
            if not self.bridge.connected:
                self.window.show_banner(self.tr("Cannot send the command: no CTI connection."), "error")
                return None
            task = asyncio.ensure_future(self.bridge.send_command(command))
        elif self.listener is None or agent not in self.listener.connected_agents():
            self.window.show_banner(self.tr("Cannot send the command: no CTI connection."), "error")
            return None
        else:
            task = asyncio.ensure_future(self.listener.send_command(command, agent=agent))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return command_id

    async def request(self, wire: dict[str, Any]) -> tuple[bool, str]:
        """Send one command and wait for the PBX's answer: pbx_requests' `send` for the hand-off
        (`calldesk agent ready|pause`, `calldesk dial`), over whichever CTI source is in use."""
        command_id = f"cli-{uuid.uuid4().hex}"
        command = {"type": "command", **wire, "id": command_id}
        answer = self.results.expect(command_id)
        try:
            if self.bridge is not None:
                delivered = await self.bridge.send_command(command)
            elif self.listener is not None:
                delivered = await self.listener.send_command(command, agent=self.session.agent_id)
            else:
                delivered = 0
            if delivered == 0:
                return False, "no CTI source is connected for this desktop: the PBX link is down"
            return await answer
        finally:
            self.results.forget(command_id)

    def _on_command_result(self, result: CommandResult) -> None:
        self.results.resolve(result)
        self.commandResult.emit(result)
        if not result.ok:
            log.warning("CTI command %s refused: %s", result.id, result.message)
            self.window.show_banner(
                self.tr("The telephone system refused: %1").replace("%1", result.message or "?"), "warning"
            )
