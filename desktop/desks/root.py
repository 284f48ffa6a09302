"""DesktopApp: the composition root of one signed-in agent's desktop. It only builds, starts and
stops; what happens at run time is the desks' (desktop/desks/*_desk.py) and the AgentSession's.

Used by the desktop (`calldesk`) and the demo (`calldesk demo`) alike, so the demo runs exactly
the product's code path. Everything async runs on the qasync loop of the Qt thread; cache work
leaves it through one CacheOps (desktop/services/ops.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from desktop.cache.store import CacheStore
from desktop.config import Settings
from desktop.desks.admin_desk import AdminDesk
from desktop.desks.agent_desk import AgentDesk
from desktop.desks.calls_desk import CallsDesk, wrapup_policy
from desktop.desks.cti_desk import CtiDesk
from desktop.desks.customer_desk import CustomerDesk
from desktop.desks.history_desk import HistoryDesk
from desktop.desks.missed_desk import MissedCallsDesk
from desktop.desks.queue_history_desk import QueueHistoryDesk
from desktop.desks.relogin_desk import ReloginDesk
from desktop.desks.session import AgentSession, LinkState
from desktop.desks.settings_desk import SettingsDesk
from desktop.desks.signout_desk import SignOutDesk
from desktop.desks.supervisor_desk import SUPERVISOR_ROLES, SupervisorDesk
from desktop.desks.sync_desk import SyncDesk
from desktop.desks.ticket_desk import TicketDesk
from desktop.desks.update_desk import UpdateDesk
from desktop.private_files import private_dir
from desktop.services.admin_users import AdminUsers
from desktop.services.agent_history import AgentHistory, centre_zone
from desktop.services.api import ApiError, CentralApi, Session
from desktop.services.audit import AuditService
from desktop.services.cache_rebuild import CacheRebuild
from desktop.services.customers import CustomerService
from desktop.services.handoff import HandoffServer
from desktop.services.lookup import LookupService
from desktop.services.missed_store import MissedCallStore
from desktop.services.ops import CacheOps
from desktop.services.pbx_requests import command_handler
from desktop.services.pop_key_sync import adopt_pop_key
from desktop.services.queue_history import QueueHistory
from desktop.services.screenpop import ScreenPopService
from desktop.services.settings_service import SettingsSaveError, SettingsService
from desktop.services.worker import shutdown_worker
from desktop.services.wrapup_state import WrapupStateFile
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


class DesktopApp:
    """Builds every service, desk and the window in `__init__`; `start()` shows the window, pulls
    and listens; `stop()` releases everything it made (idempotent).

    A supervisor's or admin's desktop also has the `supervisor` desk (queue panel, agent grid,
    wallboard, overdue tickets); an agent's has none of it. A `calls` desk (hold, transfer, hang
    up: CtiDesk.send_command + AgentSession's call signals + a view) is built the same way, after
    `cti`.
    """

    def __init__(
        self,
        settings: Settings,
        api: CentralApi,
        login: Session,
        cti_token: str,
        *,
        window: MainWindow | None = None,
        handoff: HandoffServer | None = None,
        config_file: Path | None = None,
        end_session: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.api = api
        self.login = login
        self.cti_token = cti_token  # what CTI sources must say in their hello
        self.handoff = handoff
        self.config_file = config_file  # the user's settings file (None: the platform's default)
        self.window = window if window is not None else MainWindow()
        self.session = AgentSession(login.agent_id)
        self._started = self._stopped = False

        cache_path = settings.resolved_cache_path()
        private_dir(cache_path.parent)
        self.store = CacheStore(cache_path)  # the UI thread's: reads only
        self.ops = CacheOps(cache_path)  # every write: on the cache worker thread
        self.lookup = LookupService(self.store, api, self.ops, region=settings.phone_region)
        self.screenpop = ScreenPopService(self.lookup, login.agent_id, online=lambda: self.session.online)
        self.audit = AuditService(self.ops, api)
        self.session.follow(self.screenpop)  # first: it knows a call before a desk paints or logs it
        self._bind_status()

        self.customers = CustomerDesk(
            self.window,
            self.screenpop,
            self.lookup,
            settings,
            login.role,
            self.session,
            CustomerService(self.store, self.ops, region=settings.phone_region),
            audit=self.audit,
        )
        self.tickets = TicketDesk(
            self.window,
            self.session,
            self.store,
            api,
            login.agent_id,
            dispositions=settings.disposition_codes,
            require_contact_before_ready=settings.require_contact_before_ready,
            ops=self.ops,
        )
        self.sync = SyncDesk(
            self.window, self.session, api, self.store, self.ops, settings, self.tickets.attachments
        )
        # an agent's write is pushed at once, not at the next poll: the server then tells the other
        # desktops (issue #18: visible on another desktop within 2 s)
        self.tickets.tickets.ticketSaved.connect(self.sync.local_write)
        self.tickets.contacts.contactSaved.connect(self.sync.local_write)
        self.cti = CtiDesk(
            self.window,
            self.session,
            self.screenpop,
            settings,
            cti_token,
            access_token=lambda: api.token or "",
        )
        self.agent = AgentDesk(
            self.window,
            self.session,
            self.tickets.may_go_ready,
            self.tickets.open_pending_wrapup,
            self.cti.send_command,
            reasons=settings.agent_pause_reasons(),
        )
        self.cti.agentEvent.connect(self.agent.on_agent_event)
        self.cti.commandResult.connect(self.agent.on_command_result)
        api.token_listeners.append(self.cti.set_token)  # a refreshed token reaches the live bridge link
        self.history = HistoryDesk(
            self.window,
            self.session,
            AgentHistory(self.ops, centre_zone(settings.timezone)),
            self.customers.display_number,
        )
        self.cti.agentEvent.connect(self.history.on_agent_event)
        self.relogin = ReloginDesk(
            self.window,
            api,
            login.agent_id,
            settings.username,
            self.cti.set_token,
            settings.ca_bundle or True,
        )
        self.cti.reloginRequested.connect(self.relogin.ask)
        self.supervisor: SupervisorDesk | None = None
        self.queue_history: QueueHistoryDesk | None = None
        if login.role in SUPERVISOR_ROLES:
            self.supervisor = SupervisorDesk(
                self.window, self.session, self.screenpop, self.cti, self.tickets.tickets, settings
            )
            # the zone as the supervisor desk settled it (an unknown name: its default)
            config = self.supervisor.config
            self.queue_history = QueueHistoryDesk(
                self.window,
                self.supervisor,
                QueueHistory(api, self.ops, str(config.zone), config.sl_threshold_s),
            )
        self.calls = CallsDesk(
            self.window,
            self.session,
            self.cti,
            settings,
            self.agent.request,
            WrapupStateFile.beside(cache_path),
        )
        self.missed = MissedCallsDesk(
            self.window,
            self.screenpop,
            self.calls.bar.call_back,
            MissedCallStore(self.ops, centre_zone(settings.timezone)),
        )
        self.window.card.callBackRequested.connect(self.calls.bar.call_back)
        self.window.recent_calls.callBackRequested.connect(self.calls.bar.call_back)
        self.settings_desk = SettingsDesk(
            self.window,
            SettingsService(
                settings,
                self.store,
                config_file=config_file,
                last_sync_at=lambda: self.session.last_sync_at,
                cti_token=cti_token,
            ),
            CacheRebuild(api, cache_path, pull=self.sync.pull_sync(cache_path), ops=self.ops),
            pause_sync=self.sync.pause_background,
            resume_sync=self.sync.resume_background,
            sync_busy=lambda: self.sync.pulling,
            online=lambda: self.session.online,
            on_saved=self._on_settings_saved,
        )
        self.updates = UpdateDesk(self.window, api)
        self.sign_out = SignOutDesk(  # end_session: AuthService.sign_out (forgets the remembered login too)
            self.window,
            cache_path,
            wipe=settings.wipe_cache_on_logout,
            end_session=end_session or api.logout,
            stop_runtime=self.stop,
        )
        # the server refuses the admin routes to anyone else; the menu is not even built for them
        self.admin = AdminDesk(self.window, AdminUsers(api)) if login.role == "admin" else None
        self.window.languageChangeRequested.connect(self._remember_language)
        # `calldesk agent pause --reason` accepts these (kept current when Settings change)
        self.pause_reasons: set[str] = set(settings.agent_pause_reasons())
        if handoff is not None:
            handoff.region = settings.phone_region
            handoff.popRequested.connect(self._on_handoff_pop)
            handoff.dialRequested.connect(self.cti.dial)
            # `calldesk agent ready|pause`, `calldesk dial`: to the PBX, its answer back to the CLI
            handoff.set_command_handler(command_handler(self.cti.request, self.pause_reasons))

    def _bind_status(self) -> None:
        """The status bar shows what the session says."""
        window, session = self.window, self.session
        session.connectivityChanged.connect(window.set_connection_state)
        session.outboxCountChanged.connect(window.set_outbox_count)
        session.conflictCountChanged.connect(window.set_conflict_count)

        def show_link(link: LinkState) -> None:
            window.set_cti_state(bool(link.up), link.detail)

        session.ctiListenerChanged.connect(show_link)
        session.pbxLinkChanged.connect(show_link)

    async def start(self, *, initial_sync: bool = True) -> None:
        self._started = True
        self.sync.show_conflict_count()
        for problem in self.settings.problems:
            self.window.show_banner(problem, "warning")
        self.window.show()
        await self.history.start()  # today's intervals and calls, before any new event
        await self.missed.start()  # missed calls and their seen marks, before any queue event
        await self.tickets.start()  # files attached to new tickets never saved before the restart
        try:  # the key an agent's pop index is hashed with, even when no pull runs now
            await adopt_pop_key(self.api, self.ops)
        except ApiError as exc:  # offline: the keyring's copy serves (desktop/cache/pop_key.py)
            log.info("pop key not fetched: %s", exc.message)
        if initial_sync:
            await self.sync.pull()
        if self.queue_history is not None:
            await self.queue_history.start()  # today's totals so far, before the live stream
        self.sync.start_background()
        self.updates.start()
        await self.cti.start()
        if self.supervisor is not None:
            self.supervisor.start()
        self.calls.start()

    # -- the few things that join two desks ----------------------------------------------------
    def _on_handoff_pop(self, customer_id: str) -> None:
        self.window.raise_for_call()
        self.customers.show_customer(customer_id)

    def _remember_language(self, language: str) -> None:
        """View > Language is saved too, so the choice survives a restart."""
        service = self.settings_desk.service
        if service.settings.language == language:
            return
        try:
            self.settings = service.save({"language": language})
        except SettingsSaveError as exc:
            log.warning("language %s not saved: %s", language, exc)

    def _on_settings_saved(self, old: Settings, new: Settings) -> None:
        self.settings = new
        if new.language != old.language:
            self.window.languageChangeRequested.emit(new.language)
        # the phone region, pause reasons and wrap-up times apply at once
        self.lookup.region = new.phone_region
        self.customers.customers.region = new.phone_region
        if self.handoff is not None:
            self.handoff.region = new.phone_region
        self.pause_reasons.clear()
        self.pause_reasons.update(new.agent_pause_reasons())
        self.agent.set_reasons(new.agent_pause_reasons())
        self.calls.policy = wrapup_policy(new)

    # -- stop ----------------------------------------------------------------------------------
    async def stop(self) -> None:
        """Release everything built here: tasks, timers, dialogs, the CTI socket, background sync,
        the HTTP client, both cache connections, the worker thread, the handoff socket and the
        window. Safe to call twice, and without start()."""
        if self._stopped:
            return
        self._stopped = True
        # Late signals (a pull finishing while sync stops) must not paint views being torn down.
        self.tickets.stop_painting()
        await self.settings_desk.stop()
        if self.queue_history is not None:
            await self.queue_history.stop()
        if self.supervisor is not None:
            self.supervisor.stop()
        await self.updates.stop()
        if self.admin is not None:
            await self.admin.stop()
        await self.sync.stop()
        self.relogin.stop()
        self.calls.stop()
        await self.cti.stop()
        await self.history.stop()
        await self.missed.stop()
        await self.customers.stop()
        await self.audit.close()  # views recorded a moment ago reach the outbox before the worker goes
        self.tickets.stop()
        await self.screenpop.close()
        await self.api.aclose()
        self.store.close()
        shutdown_worker()
        if self.handoff is not None:
            self.handoff.close()
        with contextlib.suppress(RuntimeError):  # a test harness may have deleted it already
            self.window.close()
