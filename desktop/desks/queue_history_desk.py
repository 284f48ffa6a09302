"""The supervisor's history desk (issue #15): today's totals back after a restart, the queue calls
this desktop watched reported to the central history, and Export day to CSV.

On start, today's queue calls stored centrally are fed to the board (`SupervisorBoard.seed`), so
the queue panel and the wallboard show the day so far, not the minutes since the restart; and
today's agent intervals (`SupervisorBoard.seed_agents`), so the agent grid (calls handled,
occupancy) and an agent's day (double-click) do too. Live events continue from there. Every
`REPORT_MS` (and at stop) the board's finished calls that are new or changed are queued in the
outbox as `queue_call` records; the background push sends them. The Supervisor tab's "Export day
to CSV…" opens one ExportDayDialog, owned here; the download runs as a task and its outcome is
shown in the dialog.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

from desktop.desks.supervisor_desk import SupervisorDesk
from desktop.services.api import ApiError
from desktop.services.ops import CacheUnavailable
from desktop.services.queue_history import QueueHistory
from desktop.services.tasks import cancel_and_wait
from desktop.views.export_day_dialog import ExportDayDialog
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)

REPORT_MS = 60_000


class QueueHistoryDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        supervisor: SupervisorDesk,
        history: QueueHistory,
        *,
        export_folder: Path | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.board = supervisor.board
        self.zone = supervisor.config.zone
        self.history = history
        self.clock = clock
        self.export_folder = export_folder or Path.home()
        self.dialog: ExportDayDialog | None = None
        self.seeded = 0
        self.seeded_agents = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(REPORT_MS)
        self._timer.timeout.connect(lambda: self._spawn(self.report()))
        supervisor.page.export_requested.connect(self.open_export)

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), self.zone).date()

    async def start(self) -> None:
        await self.load_today()
        self._timer.start()

    async def stop(self) -> None:
        self._timer.stop()
        with contextlib.suppress(ApiError, CacheUnavailable, RuntimeError):
            await asyncio.wait_for(self.report(), timeout=3.0)
        await cancel_and_wait(list(self._tasks), "supervisor history")
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            with contextlib.suppress(RuntimeError):  # already deleted with the window
                dialog.done(0)

    async def load_today(self) -> None:
        try:
            calls = await self.history.today_calls(self.today())
            intervals = await self.history.today_intervals(self.today())
        except ApiError as exc:
            log.warning("supervisor: today's history not loaded: %s", exc.message)
            self.window.show_banner(
                self.tr(
                    "Today's earlier figures could not be loaded (%1); the panel counts from now."
                ).replace("%1", exc.message),
                "warning",
            )
            return
        self.seeded = self.board.seed(calls)
        self.seeded_agents = self.board.seed_agents(intervals)
        log.info(
            "supervisor: %d of today's %d stored queue calls and %d agents (%d intervals) added to the board",
            self.seeded,
            len(calls),
            self.seeded_agents,
            len(intervals),
        )

    async def report(self) -> int:
        """Queue the board's new or changed finished calls for push."""
        try:
            return await self.history.report(self.board.finished_calls())
        except CacheUnavailable as exc:
            log.error("supervisor: queue calls not queued for the history: %s", exc)
            return 0

    # -- export ----------------------------------------------------------------------------------
    def open_export(self) -> ExportDayDialog:
        dialog = self.dialog
        if dialog is None:
            dialog = ExportDayDialog(self.today(), self.export_folder, self.window)
            dialog.exportRequested.connect(lambda day, path: self._spawn(self.export(day, path)))
            self.dialog = dialog
        dialog.open()
        dialog.raise_()
        return dialog

    async def export(self, day: date, path: Path) -> None:
        dialog = self.dialog
        try:
            done = await self.history.export_day(day, path)
        except ApiError as exc:
            log.warning("supervisor: export of %s failed: %s", day, exc.message)
            text, ok = self.tr("Not exported: %1").replace("%1", exc.message), False
        except OSError as exc:
            log.warning("supervisor: export of %s to %s failed: %s", day, path, exc)
            text, ok = (
                self.tr("Not exported: the file could not be written (%1).").replace("%1", str(exc)),
                False,
            )
        else:
            text = (
                self.tr("Exported %1 to %2 and %3.")
                .replace("%1", day.isoformat())
                .replace("%2", str(done.queue_stats))
                .replace("%3", done.agent_intervals.name)
            )
            ok = True
        if dialog is not None:
            with contextlib.suppress(RuntimeError):
                dialog.show_result(text, ok)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
