"""Wires the Settings dialog and "Rebuild cache" into the running desktop.

Like the ticket desk it is the only place that knows both the services
(SettingsService, CacheRebuild) and the views (SettingsDialog, SyncDialog):

- File > Settings… / Ctrl+, (MainWindow.settingsRequested) opens the dialog; a saved change is
  handed to `on_saved(old, new)` (the composition root applies the language at once);
- "Rebuild cache" first checks that the CRM server answers (offline: refused with a message,
  nothing deleted), pauses background sync, rebuilds with the progress dialog, then resumes
  background sync, which pushes the kept unsent changes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.config import Settings
from desktop.desks.dialogs import DialogSlot
from desktop.services.cache_rebuild import CacheRebuild, RebuildRefused, RebuildResult
from desktop.services.settings_service import SettingsService
from desktop.services.sync import SyncProgress
from desktop.views.main_window import MainWindow
from desktop.views.settings_dialog import SettingsDialog
from desktop.views.sync_dialog import SyncDialog

log = logging.getLogger(__name__)


class SettingsDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        service: SettingsService,
        rebuild: CacheRebuild,
        *,
        pause_sync: Callable[[], Awaitable[None]],
        resume_sync: Callable[[], None],
        sync_busy: Callable[[], bool] = lambda: False,
        online: Callable[[], bool] = lambda: True,
        on_saved: Callable[[Settings, Settings], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.service = service
        self._rebuild = rebuild
        self._pause_sync = pause_sync
        self._resume_sync = resume_sync
        self._sync_busy = sync_busy
        self._online = online
        self._on_saved = on_saved
        self.dialogs: DialogSlot[SettingsDialog] = DialogSlot()
        self.sync_dialog: SyncDialog | None = None
        self.message_box: QMessageBox | None = None
        self.rebuild_task: asyncio.Task | None = None
        self._cancel = asyncio.Event()
        window.settingsRequested.connect(self.open_settings)

    @property
    def dialog(self) -> SettingsDialog | None:
        """The Settings dialog while it is open (released and deleted when it closes)."""
        return self.dialogs.current

    def open_settings(self) -> SettingsDialog:
        shown = self.dialog
        if shown is not None:
            shown.refresh_figures()
            shown.raise_()
            return shown
        dialog = SettingsDialog(self.service, self.window, online=self._online())
        dialog.saved.connect(self._saved)
        dialog.rebuildRequested.connect(self.start_rebuild)
        dialog.set_rebuilding(self.rebuilding)
        self.dialogs.hold(dialog)
        dialog.open()
        return dialog

    def _saved(self, old: Settings, new: Settings) -> None:
        if self._on_saved is not None:
            self._on_saved(old, new)

    @property
    def rebuilding(self) -> bool:
        return self.rebuild_task is not None and not self.rebuild_task.done()

    def start_rebuild(self) -> None:
        if self.rebuilding:
            return
        self._cancel = asyncio.Event()
        self.rebuild_task = asyncio.ensure_future(self.rebuild())

    async def rebuild(self) -> RebuildResult | None:
        """Check, pause background sync, rebuild with progress, resume. None when refused."""
        if self._sync_busy():
            self._tell(self.tr("A download is already running. Try again when it has finished."))
            return None
        self._set_running(True)
        try:
            try:
                await self._rebuild.check_reachable()
            except RebuildRefused as exc:
                self._tell_refused(exc)
                return None
            await self._pause_sync()
            sync_dialog = SyncDialog(self._parent_widget(), rebuilding=True)
            sync_dialog.setObjectName("rebuildProgress")
            sync_dialog.cancelRequested.connect(self._cancel.set)
            self.sync_dialog = sync_dialog
            sync_dialog.open()
            try:
                result = await self._rebuild.run(progress=self._progress, cancel=self._cancel)
            except RebuildRefused as exc:  # the server went away after the check, or a disk error
                sync_dialog.fail(self._refused_text(exc))
                return None
            finally:
                self._resume_sync()
            if result.sync is None:
                sync_dialog.fail(
                    self.tr(
                        "The cache was emptied but the download stopped: %1\nIt continues by itself "
                        "when the CRM server answers again. Your unsent changes are kept."
                    ).replace("%1", result.sync_error or "?")
                )
            else:
                sync_dialog.finish(result.sync)
            return result
        finally:
            self._set_running(False)

    async def stop(self) -> None:
        self._cancel.set()
        if self.rebuild_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.rebuild_task

    def _progress(self, progress: SyncProgress) -> None:
        if self.sync_dialog is not None:
            self.sync_dialog.update_progress(
                progress.applied, progress.remaining, progress.eta_s, progress.phase
            )

    def _set_running(self, running: bool) -> None:
        if self.dialog is not None:
            self.dialog.set_rebuilding(running)
            if not running:
                self.dialog.refresh_figures()

    def _parent_widget(self) -> QWidget:
        return self.dialog if self.dialog is not None and self.dialog.isVisible() else self.window

    def _refused_text(self, exc: RebuildRefused) -> str:
        if exc.reason == "offline":
            return self.tr(
                "The cache was not rebuilt: the CRM server cannot be reached (%1). Nothing was "
                "deleted; try again when the connection is back."
            ).replace("%1", exc.detail)
        return self.tr(
            "The cache was not rebuilt: the local cache file could not be written (%1). Nothing "
            "was deleted. Check free disk space."
        ).replace("%1", exc.detail)

    def _tell_refused(self, exc: RebuildRefused) -> None:
        self._tell(self._refused_text(exc))

    def _tell(self, text: str) -> None:
        log.info("rebuild: %s", text)
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Rebuild cache"), text, parent=self._parent_widget()
        )
        box.setObjectName("rebuildMessage")
        self.message_box = box
        box.open()
