"""The sync desk: the first pull, background push + pull, Sync now, Cancel, and the conflicts.

Everything it learns goes to the AgentSession (connectivity, the last pull that went through,
outbox and conflict counts); the status bar follows the session. The status bar's Cancel button
stops a running pull between two pages. The conflicts dialog is given the conflicts as data and
callbacks that re-apply or dismiss one on the cache worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from desktop.config import Settings
from desktop.desks.dialogs import DialogSlot
from desktop.desks.session import AgentSession
from desktop.services.api import CentralApi
from desktop.services.attachments import AttachmentService, AttachmentUploader
from desktop.services.conflicts import ConflictService
from desktop.services.connectivity import ConnectivityService
from desktop.services.notifications import FeedChannel
from desktop.services.ops import CacheOps
from desktop.services.push import PushResult, PushSync
from desktop.services.sync import PullSync, SyncProgress, SyncResult
from desktop.views.conflicts_dialog import ConflictsDialog
from desktop.views.main_window import MainWindow

if TYPE_CHECKING:
    from desktop.cache.store import CacheStore

log = logging.getLogger(__name__)


class SyncDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        api: CentralApi,
        store: CacheStore,
        ops: CacheOps,
        settings: Settings,
        attachments: AttachmentService,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.session = session
        self.api = api
        self.store = store
        self.ops = ops
        self.settings = settings
        self.uploader = AttachmentUploader(api, attachments)  # ticket attachment bytes, after each push
        self.connectivity: ConnectivityService | None = None  # None until background sync starts
        self.sync: PullSync | None = None  # the last foreground pull
        self.conflicts = ConflictService(ops)
        self.conflicts_dialogs: DialogSlot[ConflictsDialog] = DialogSlot()
        self._pulling = False
        self._cancel = asyncio.Event()
        self._tasks: set[asyncio.Task[object]] = set()
        window.syncNowRequested.connect(self.sync_now)
        window.syncCancelRequested.connect(self.cancel_pull)
        window.conflictsRequested.connect(self.request_conflicts)

    @property
    def pulling(self) -> bool:
        """A foreground pull (the first one, or Sync now before background sync) is running."""
        return self._pulling

    def pull_sync(self, path: Path | None = None) -> PullSync:
        """The pull for this cache; a fresh cache bootstraps the configured detail window
        (`detail_window_days` <= 0: no window, every detail record)."""
        days = self.settings.detail_window_days
        return PullSync(
            self.api, path or self.store.path, detail_window_days=days if days > 0 else None, ops=self.ops
        )

    # -- foreground pull ---------------------------------------------------------------------
    async def pull(self) -> SyncResult | None:
        """One pull with progress in the status bar; its Cancel stops it between pages.
        None when it failed (said in a banner)."""
        self.sync = self.pull_sync()
        self._cancel = asyncio.Event()
        self.session.set_connectivity("syncing")
        self._pulling = True
        try:
            result = await self.sync.run(progress=self._on_progress, cancel=self._cancel)
        except Exception as exc:
            log.warning("sync failed: %s", exc)
            self.window.sync_finished(None)
            self.session.set_connectivity("offline")
            self.window.show_banner(
                self.tr("Could not sync with the CRM server; working from the local cache. (%1)").replace(
                    "%1", str(exc)
                ),
                "warning",
            )
            return None
        finally:
            self._pulling = False
        self.window.sync_finished(result)
        self.session.set_connectivity("online")
        return result

    def cancel_pull(self) -> None:
        """The status bar's Cancel: the running pull stops after the page being applied."""
        if self._pulling:
            log.info("sync: cancelled by the agent")
            self._cancel.set()

    def _on_progress(self, progress: SyncProgress) -> None:
        self.window.set_sync_progress(progress.applied, progress.remaining, progress.eta_s, progress.phase)

    def sync_now(self) -> None:
        """Sync > Sync now: one push + pull at once (a full pull before background sync runs)."""
        if self.connectivity is not None:
            self.connectivity.kick()
        elif not self._pulling:
            self._spawn(self.pull())

    # -- background sync ---------------------------------------------------------------------
    def start_background(self) -> None:
        """Push the outbox and pull changes in the background; state and counts to the session."""
        if self.connectivity is None:
            push = PushSync(self.api, self.store.path, ops=self.ops).run

            async def push_then_upload() -> PushResult:  # the attachment bytes follow their records
                result = await push()
                await self.uploader.run()
                return result

            pull = self.pull_sync()
            self.connectivity = ConnectivityService(
                push_then_upload,
                pull.run_incremental,
                self.store.outbox_count,
                on_state=self.session.set_connectivity,
                on_outbox=self._on_outbox_count,
                interval_s=float(self.settings.sync_poll_seconds),
                # the server says when to pull (polling is the fallback); see Settings.feed_notifications
                channel=FeedChannel(self.api) if self.settings.feed_notifications else None,
                apply_step=pull.apply_step,  # a current cache takes the streamed changes, no pull
            )
        self.connectivity.report_outbox()
        self.connectivity.start()

    def local_write(self, _record: object = None) -> None:
        """Something was written to the outbox: push (and pull) now, once background sync runs."""
        if self.connectivity is not None:
            self.connectivity.kick()

    async def pause_background(self) -> None:
        if self.connectivity is not None:
            await self.connectivity.stop()

    def resume_background(self) -> None:
        """Background sync again, at once: it pushes what was kept through a rebuild."""
        if self.connectivity is not None:
            self.connectivity.start()
            self.connectivity.kick()

    def _on_outbox_count(self, count: int) -> None:
        self.session.set_outbox_count(count)
        self.show_conflict_count()

    def show_conflict_count(self) -> None:
        try:
            self.session.set_conflict_count(len(self.store.conflicts()))
        except Exception:  # a broken cache must not take the window down
            log.exception("conflicts could not be counted")

    # -- conflicts ---------------------------------------------------------------------------
    def request_conflicts(self) -> None:
        """Sync > Conflicts…: read the list on the worker, then show it."""
        self._spawn(self.open_conflicts())

    @property
    def conflicts_dialog(self) -> ConflictsDialog | None:
        """The conflicts dialog while it is open (released and deleted when it closes)."""
        return self.conflicts_dialogs.current

    async def open_conflicts(self) -> ConflictsDialog:
        """Show the sync conflicts (writes the server did not take as they were); a re-applied
        write is pushed at once."""
        error = ""
        try:
            conflicts = await self.conflicts.load()
        except Exception as exc:  # a broken cache must not take the window down
            log.exception("conflicts could not be read")
            conflicts, error = [], str(exc)
        dialog = ConflictsDialog(
            conflicts,
            reapply=self.conflicts.reapply,
            dismiss=self.conflicts.dismiss,
            error=error,
            parent=self.window,
        )
        if self.connectivity is not None:
            dialog.changed.connect(self.connectivity.kick)
        dialog.changed.connect(lambda: self.session.set_conflict_count(len(dialog.conflicts())))
        self.conflicts_dialogs.hold(dialog)
        dialog.open()
        return dialog

    # -- lifecycle ---------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Stop the pull and background sync and wait for them. Safe to call twice."""
        self._cancel.set()
        if self.connectivity is not None:
            await self.connectivity.stop()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.conflicts_dialogs.close()
