"""The supervisor desk: the live board of queues and agents for a supervisor's (or admin's) desktop.

Built by DesktopApp only for those roles. It joins the CTI stream this desktop receives (queue
events from the screen pop, agent and call events from the CTI desk) to one `SupervisorBoard`,
shows its snapshots on a "Supervisor" page of the main window and on the wallboard (View >
Wallboard, F11), and marks the figures stale while no CTI source is connected, the CTI socket is
not listening or the PBX behind the source is down. It also counts the open tickets the central
server escalated, in the status bar, with a notice when the count grows.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QObject, QTimer

from calldesk_domain.board import Thresholds
from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S
from desktop.config import Settings
from desktop.desks.cti_desk import CtiDesk
from desktop.desks.session import AgentSession, LinkState
from desktop.desks.supervisor_actions import SupervisorActionsDesk
from desktop.services.screenpop import ScreenPopService
from desktop.services.supervisor import SupervisorBoard
from desktop.services.tickets import TicketService
from desktop.views.agent_grid import AgentDayDialog
from desktop.views.main_window import MainWindow
from desktop.views.supervisor_page import OverdueBadge, SupervisorPage
from desktop.views.wallboard import Wallboard

log = logging.getLogger(__name__)

SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
LINK_POLL_MS = 1000  # the CTI socket says nothing when its last source leaves: look every second
MAX_TEAMS = 5000


@dataclass(frozen=True, slots=True)
class SupervisorSettings:
    zone: tzinfo
    sl_threshold_s: float
    teams: dict[str, str]
    thresholds: Thresholds
    problems: tuple[str, ...]


def supervisor_settings(settings: Settings) -> SupervisorSettings:
    """`[supervisor]` read leniently: a bad entry is named in `problems` and its default kept."""
    problems: list[str] = []
    try:
        zone: tzinfo = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        problems.append(f"timezone {settings.timezone!r} unknown ({exc}); using Asia/Shanghai")
        zone = ZoneInfo("Asia/Shanghai")
    table: Mapping[str, Any] = settings.supervisor if isinstance(settings.supervisor, dict) else {}
    sl = table.get("sl_threshold_s", DEFAULT_SL_THRESHOLD_S)
    if isinstance(sl, bool) or not isinstance(sl, int | float) or not (0 < sl <= 3600 and math.isfinite(sl)):
        problems.append(f"supervisor sl_threshold_s {sl!r} is not a number of seconds (1-3600); using 20")
        sl = DEFAULT_SL_THRESHOLD_S
    raw_teams = table.get("teams", {})
    teams: dict[str, str] = {}
    if isinstance(raw_teams, dict) and len(raw_teams) <= MAX_TEAMS:
        for agent, team in raw_teams.items():
            if isinstance(team, str) and team.strip():
                teams[str(agent)] = team.strip()[:60]
            else:
                problems.append(f"supervisor teams: agent {agent!r} needs a team name")
    else:
        problems.append(f'supervisor teams must be a table of at most {MAX_TEAMS} agent = "team"')
    thresholds, threshold_problems = Thresholds.from_mapping(table.get("thresholds"))
    problems.extend(threshold_problems)
    for problem in problems:
        log.warning("settings: %s", problem)
    return SupervisorSettings(zone, float(sl), teams, thresholds, tuple(problems))


class SupervisorDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        screenpop: ScreenPopService,
        cti: CtiDesk,
        tickets: TicketService,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.session = session
        self.cti = cti
        self.tickets = tickets
        self.config = supervisor_settings(settings)
        config = self.config
        self.board = SupervisorBoard(
            config.zone, config.sl_threshold_s, config.teams, clock=clock, parent=self
        )
        self.page = SupervisorPage(config.thresholds, config.zone)
        window.add_page(self.page)
        window.view_menu.addAction(self.page.wallboard_action)
        window.addAction(self.page.wallboard_action)  # F11 with the menu bar hidden too
        self.overdue = OverdueBadge()
        window.statusBar().insertPermanentWidget(0, self.overdue)  # a sync message must not cover it
        self.wallboard: Wallboard | None = None
        self.day_dialog: AgentDayDialog | None = None
        self.agent_actions = SupervisorActionsDesk(
            self.page.agent_grid.agent_actions, cti, session, parent=self
        )

        for show in self.page.views():  # each in its own loop turn (SupervisorBoard.add_view)
            self.board.add_view(show)
        self.page.agent_activated.connect(self.show_agent_day)
        self.page.wallboard_requested.connect(self.open_wallboard)
        screenpop.queueEvent.connect(self.board.feed)
        cti.agentEvent.connect(self.board.feed)
        cti.callEvent.connect(self.board.feed)
        session.pbxLinkChanged.connect(self._on_link)
        session.ctiListenerChanged.connect(self._on_link)
        tickets.ticketSaved.connect(self.refresh_overdue)
        session.connectivityChanged.connect(self.refresh_overdue)  # a pull may bring escalations
        self._live: bool | None = None
        self._link_poll = QTimer(self)
        self._link_poll.setInterval(LINK_POLL_MS)
        self._link_poll.timeout.connect(self._check_link)
        self._started = self._stopped = False

    # -- life ------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for problem in self.config.problems:
            self.window.show_banner(problem, "warning")
        self.board.start()
        self.agent_actions.start()
        self._check_link()
        self._link_poll.start()
        self.refresh_overdue()

    def stop(self) -> None:
        """Stop the board's timers, the link poll and the wallboard's cycle; close its windows.
        Signals that still arrive (a last sync state, a late event) change nothing after this."""
        self._stopped = True
        self._link_poll.stop()
        self.agent_actions.stop()
        self.board.stop()
        wall, self.wallboard = self.wallboard, None
        if wall is not None:
            self.board.remove_view(wall.show_snapshot)
            wall.cycle_timer.stop()
            with contextlib.suppress(RuntimeError):  # already deleted with its window
                wall.close()
                wall.deleteLater()
        dialog, self.day_dialog = self.day_dialog, None
        if dialog is not None:
            with contextlib.suppress(RuntimeError):
                dialog.done(0)

    def timers_running(self) -> list[QTimer]:
        """The timers this desk owns that are still active (for stop()'s check)."""
        owned = [self._link_poll, *self.board.findChildren(QTimer), *self.agent_actions.findChildren(QTimer)]
        if self.wallboard is not None:
            owned.append(self.wallboard.cycle_timer)
        return [timer for timer in owned if timer.isActive()]

    # -- the CTI link ----------------------------------------------------------------------------
    def _on_link(self, _link: LinkState) -> None:
        self._check_link()

    def _check_link(self) -> None:
        """Live only with the socket listening, a source connected and its PBX not known down."""
        if self._stopped:
            return
        listener = self.cti.listener
        pbx = self.session.pbx_link
        if self.cti.bridge is not None:  # the bridge link is the source (the local socket may be idle)
            live, detail = self.cti.source_state()
        elif self.session.cti_listener.up is False or listener is None:
            live, detail = False, self.tr("the CTI socket is not listening")
        elif not listener.connected_agents():
            live, detail = False, self.tr("no CTI source connected")
        elif pbx.up is False:
            live, detail = False, self.tr("PBX disconnected: %1").replace("%1", pbx.detail)
        else:
            live, detail = True, ""
        if live == self._live:
            return
        self._live = live
        if live:
            self.board.source_up()
        else:
            log.warning("supervisor board: figures stale (%s)", detail)
            self.board.source_down(detail)

    # -- windows ---------------------------------------------------------------------------------
    def open_wallboard(self) -> Wallboard:
        """View > Wallboard (F11): full screen in its own window, raised if it is open already."""
        wall = self.wallboard
        if wall is None:
            wall = Wallboard(self.config.thresholds, self.config.zone)
            self.board.add_view(wall.show_snapshot)  # shows the last snapshot at once
            self.wallboard = wall
        wall.showFullScreen()
        wall.raise_()
        wall.activateWindow()
        return wall

    def show_agent_day(self, agent: str) -> AgentDayDialog:
        if self.day_dialog is not None:
            with contextlib.suppress(RuntimeError):
                self.day_dialog.done(0)
        dialog = AgentDayDialog(self.board.agent_day(agent), self.config.zone, self.window)
        dialog.setObjectName("agentDayDialog")
        dialog.open()
        self.day_dialog = dialog
        return dialog

    # -- overdue tickets -------------------------------------------------------------------------
    def refresh_overdue(self, *_args: object) -> None:
        if self._stopped:  # the window and its status bar may be gone
            return
        try:
            count = self.tickets.escalated_open_count()
        except Exception:  # a broken local record must not take the window down
            log.exception("supervisor: could not count escalated tickets")
            return
        before = self.overdue.count
        self.overdue.set_count(count)
        if count > before:
            self.window.show_banner(
                self.tr("%1 open tickets are overdue and escalated to you (was %2).")
                .replace("%1", str(count))
                .replace("%2", str(before)),
                "warning",
            )
