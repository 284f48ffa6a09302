"""One signed-in agent's desktop, assembled: cache, lookup, screen pop, CTI socket, main window.

Used by the desktop (`calldesk`) and the demo (`calldesk demo`) alike, so the demo runs exactly
the product's code path. Everything async runs on the qasync loop of the Qt thread.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt

from desktop.agent_ready import AgentReadyControl
from desktop.config import Settings
from desktop.controller import DesktopController
from desktop.cti.events import AgentEvent, CtiEvent, PbxEvent, PbxEventKind
from desktop.cti.listener import CommandResult, CtiListener
from desktop.services.api import CentralApi, Session
from desktop.services.attachments import AttachmentUploader
from desktop.services.cache_rebuild import CacheRebuild
from desktop.services.connectivity import ConnectivityService
from desktop.services.handoff import HandoffServer
from desktop.services.lookup import LookupService
from desktop.services.push import PushSync
from desktop.services.screenpop import ScreenPopService
from desktop.services.settings_service import SettingsSaveError, SettingsService
from desktop.services.sync import PullSync, SyncProgress
from desktop.services.worker import shutdown_worker
from desktop.settings_desk import SettingsDesk
from desktop.ticket_desk import TicketDesk
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


@dataclass
class DesktopRuntime:
    settings: Settings
    api: CentralApi
    session: Session
    cti_token: str
    window: MainWindow = field(default_factory=MainWindow)
    handoff: HandoffServer | None = None
    store: object | None = None
    lookup: LookupService | None = None
    screenpop: ScreenPopService | None = None
    controller: DesktopController | None = None
    tickets: TicketDesk | None = None  # tickets, wrap-up/contact log, my work, knowledge base
    agent_state: AgentReadyControl | None = None  # Ready / Not ready in the status bar
    uploader: AttachmentUploader | None = None  # ticket attachment bytes, after each push
    listener: CtiListener | None = None
    sync: PullSync | None = None
    connectivity: ConnectivityService | None = None  # background push + pull, status bar state
    config_file: Path | None = None  # the user's settings file (None: the platform's default)
    settings_desk: SettingsDesk | None = None  # File > Settings…, Rebuild cache
    last_sync_at: datetime | None = None  # last pull that went through, this session
    _pulling: bool = False
    _cancel_sync: asyncio.Event = field(default_factory=asyncio.Event)
    _background: set[asyncio.Task] = field(default_factory=set)
    pbx_connected: bool | None = None  # None until a source reports its PBX link
    _ringing_call_id: str | None = None

    async def start(self, *, initial_sync: bool = True) -> None:
        from desktop.cache.store import CacheStore

        cache_path = self.settings.resolved_cache_path()
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        self.store = CacheStore(cache_path)
        self.lookup = LookupService(self.store, self.api)
        self.screenpop = ScreenPopService(self.lookup, self.session.agent_id)
        self.controller = DesktopController(
            self.window, self.screenpop, self.lookup, self.settings, self.session.role
        )
        self.tickets = TicketDesk(
            self.window,
            self.screenpop,
            self.store,
            self.api,
            self.session.agent_id,
            dispositions=self.settings.disposition_codes,
            require_contact_before_ready=self.settings.require_contact_before_ready,
        )
        self.agent_state = AgentReadyControl(
            self.window, self.tickets.may_go_ready, self.tickets.open_pending_wrapup, self.send_cti_command
        )
        self.agent_state.agent_id = self.session.agent_id
        self.window.answerRequested.connect(self._on_answer_requested)
        self.screenpop.popped.connect(self._track_calls)
        self.screenpop.callUpdated.connect(self._forget_call)
        if self.handoff is not None:
            self.handoff.popRequested.connect(self._on_handoff_pop)
            self.handoff.dialRequested.connect(self._on_handoff_dial)
        self.settings_desk = SettingsDesk(
            self.window,
            SettingsService(
                self.settings,
                self.store,
                config_file=self.config_file,
                last_sync_at=lambda: self.last_sync_at,
            ),
            CacheRebuild(self.api, cache_path, pull=self._pull_sync(cache_path)),
            pause_sync=self._pause_background_sync,
            resume_sync=self._resume_background_sync,
            sync_busy=lambda: self._pulling,
            online=lambda: self.window.connection_state() != "offline",
            on_saved=self._on_settings_saved,
        )
        self.window.languageChangeRequested.connect(self._remember_language)
        self.window.conflictsRequested.connect(self.open_conflicts)
        self.window.syncNowRequested.connect(self.sync_now)
        self._show_conflict_count()
        for problem in self.settings.problems:
            self.window.show_banner(problem, "warning")
        self.window.show()
        if initial_sync:
            await self.pull()
        self.start_connectivity()
        await self.start_cti()

    def start_connectivity(self) -> None:
        """Push the outbox and pull changes in the background; show state and outbox count."""
        assert self.store is not None
        path = self.settings.resolved_cache_path()
        push = PushSync(self.api, path).run
        self.uploader = AttachmentUploader(self.api, self.tickets.attachments) if self.tickets else None

        async def push_then_upload():  # the attachment bytes follow their records
            result = await push()
            if self.uploader is not None:
                await self.uploader.run()
            return result

        self.connectivity = ConnectivityService(
            push_then_upload,
            self._pull_sync(path).run_incremental,
            self.store.outbox_count,  # type: ignore[attr-defined]
            on_state=self._on_connection_state,
            on_outbox=self._on_outbox_count,
        )
        self.connectivity.report_outbox()
        self.connectivity.start()

    def _on_connection_state(self, state: str) -> None:
        if state == "online":
            self.last_sync_at = datetime.now(UTC)
        self.window.set_connection_state(state)

    def _on_outbox_count(self, count: int) -> None:
        self.window.set_outbox_count(count)
        self._show_conflict_count()

    def _show_conflict_count(self) -> None:
        if self.store is not None:
            self.window.set_conflict_count(len(self.store.conflicts()))  # type: ignore[attr-defined]

    async def _pause_background_sync(self) -> None:
        if self.connectivity is not None:
            await self.connectivity.stop()

    def _resume_background_sync(self) -> None:
        """Background sync again, at once: it pushes what was kept through a rebuild."""
        if self.connectivity is not None:
            self.connectivity.start()
            self.connectivity.kick()

    def sync_now(self) -> None:
        """Sync > Sync now: one push + pull at once (a full pull before background sync runs)."""
        if self.connectivity is not None:
            self.connectivity.kick()
        elif not self._pulling:
            task = asyncio.ensure_future(self.pull())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _remember_language(self, language: str) -> None:
        """View > Language is saved too, so the choice survives a restart."""
        service = self.settings_desk.service if self.settings_desk is not None else None
        if service is None or service.settings.language == language:
            return
        try:
            self.settings = service.save({"language": language})
        except SettingsSaveError as exc:
            log.warning("language %s not saved: %s", language, exc)

    def _on_settings_saved(self, old: Settings, new: Settings) -> None:
        self.settings = new
        if new.language != old.language:
            self.window.languageChangeRequested.emit(new.language)

    def open_conflicts(self) -> None:
        """Show the sync conflicts (writes the server did not take as they were); a re-applied
        write is pushed at once."""
        from desktop.views.conflicts_dialog import ConflictsDialog

        if self.store is None:
            return
        dialog = ConflictsDialog(self.store, self.window)  # type: ignore[arg-type]
        if self.connectivity is not None:
            dialog.changed.connect(self.connectivity.kick)
        dialog.changed.connect(self._show_conflict_count)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    async def pull(self) -> None:
        self.sync = self._pull_sync(self.settings.resolved_cache_path())
        self.window.set_connection_state("syncing")
        self._pulling = True
        try:
            result = await self.sync.run(progress=self._on_sync_progress, cancel=self._cancel_sync)
        except Exception as exc:
            log.warning("sync failed: %s", exc)
            self.window.set_connection_state("offline")
            self.window.show_banner(
                QCoreApplication.translate(
                    "DesktopRuntime", "Could not sync with the CRM server; working from the local cache. (%1)"
                ).replace("%1", str(exc)),
                "warning",
            )
            return
        finally:
            self._pulling = False
        self.window.sync_finished(result)
        self.last_sync_at = datetime.now(UTC)
        self.window.set_connection_state("online")

    def _pull_sync(self, path: Path) -> PullSync:
        """The pull for this cache; a fresh cache bootstraps the configured detail window
        (`detail_window_days` <= 0: no window, every detail record)."""
        days = self.settings.detail_window_days
        return PullSync(self.api, path, detail_window_days=days if days > 0 else None)

    def _on_sync_progress(self, progress: SyncProgress) -> None:
        self.window.set_sync_progress(progress.applied, progress.remaining, progress.eta_s, progress.phase)

    async def start_cti(self) -> None:
        assert self.screenpop is not None
        self.listener = CtiListener(
            host=self.settings.cti_host,
            port=self.settings.cti_port,
            token=self.cti_token,
            on_event=self._on_cti_event,
            on_command_result=self._on_command_result,
        )
        try:
            await self.listener.start()
        except OSError as exc:
            log.error(
                "CTI socket could not listen on %s:%s: %s",
                self.settings.cti_host,
                self.settings.cti_port,
                exc,
            )
            self.window.set_cti_state(False, str(exc))
            self.window.show_banner(
                QCoreApplication.translate(
                    "DesktopRuntime",
                    "The CTI socket could not start on port %1: %2. Calls will not pop until it is "
                    "fixed in Settings.",
                )
                .replace("%1", str(self.settings.cti_port))
                .replace("%2", str(exc)),
                "error",
            )
            self.listener = None
            return
        self.window.set_cti_state(True, f"{self.settings.cti_host}:{self.listener.port}")

    def _on_cti_event(self, event: CtiEvent, source_agent: str | None) -> None:
        if isinstance(event, PbxEvent):
            self._on_pbx_link(event)
            return
        if isinstance(event, AgentEvent) and self.agent_state is not None:
            self.agent_state.on_agent_event(event)
        assert self.screenpop is not None
        self.screenpop.handle_event(event, source_agent)

    def _on_pbx_link(self, event: PbxEvent) -> None:
        """The CTI source lost (or regained) its PBX: calls will not pop meanwhile, so say it."""
        up = event.kind is PbxEventKind.CONNECTED
        self.pbx_connected = up
        detail = f"{self.settings.cti_host}:{self.listener.port if self.listener else ''}"
        if up:
            self.window.set_cti_state(True, detail)
            self.window.show_banner(
                QCoreApplication.translate("DesktopRuntime", "The telephone system is connected again."),
                "info",
            )
        else:
            log.warning("PBX disconnected: %s", event.detail)
            self.window.set_cti_state(False, event.detail or detail)
            self.window.show_banner(
                QCoreApplication.translate(
                    "DesktopRuntime",
                    "PBX disconnected: calls will not pop until the telephone system is back. (%1)",
                ).replace("%1", event.detail),
                "error",
            )

    def _on_handoff_pop(self, customer_id: str) -> None:
        assert self.controller is not None
        self.window.raise_for_call()
        self.controller._on_customer_chosen(customer_id)

    def _on_handoff_dial(self, number: str) -> None:
        self.send_cti_command("dial", target=number)

    def _on_answer_requested(self) -> None:
        if not self._ringing_call_id:
            self.window.show_banner(
                QCoreApplication.translate("DesktopRuntime", "There is no ringing call to answer."), "info"
            )
            return
        self.send_cti_command("answer", call_id=self._ringing_call_id)

    def _track_calls(self, pop) -> None:
        if pop.call_id:
            self._ringing_call_id = pop.call_id

    def _forget_call(self, event) -> None:
        if event.call_id == self._ringing_call_id and event.kind.value in ("answered", "ended"):
            self._ringing_call_id = None

    def send_cti_command(self, action: str, **fields: str) -> None:
        """Send a command (dial, answer, hangup, pause…) to this agent's CTI source; its result
        comes back through `_on_command_result`."""
        if self.listener is None or self.session.agent_id not in self.listener.connected_agents():
            self.window.show_banner(
                QCoreApplication.translate("DesktopRuntime", "Cannot send the command: no CTI connection."),
                "error",
            )
            return
        task = asyncio.ensure_future(
            self.listener.send_command(
                {"type": "command", "action": action, **fields}, agent=self.session.agent_id
            )
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _on_command_result(self, result: CommandResult) -> None:
        if not result.ok:
            log.warning("CTI command %s refused: %s", result.id, result.message)
            self.window.show_banner(
                QCoreApplication.translate("DesktopRuntime", "The telephone system refused: %1").replace(
                    "%1", result.message or "?"
                ),
                "warning",
            )

    async def stop(self) -> None:
        self._cancel_sync.set()
        if self.settings_desk is not None:
            await self.settings_desk.stop()
        if self.connectivity is not None:
            await self.connectivity.stop()
        if self.listener is not None:
            await self.listener.stop()
        if self.tickets is not None:
            self.tickets.stop()
        if self.controller is not None:
            self.controller.stop()
        if self.screenpop is not None:
            self.screenpop.stop()
        await self.api.aclose()
        if self.store is not None:
            self.store.close()
        shutdown_worker()
        if self.handoff is not None:
            self.handoff.close()
