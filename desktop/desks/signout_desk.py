"""File > Sign out: ends the sign-in on the server and closes the desktop; on a shared PC
(Settings.wipe_cache_on_logout) it then deletes the local cache and attachments
(desktop/services/cache_wipe.py). While unsent work exists the agent is told and may sign out
keeping the cache, or cancel and let it sync first; the unsent work is never deleted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from desktop.desks.cache_health import open_and_wait
from desktop.services.cache_wipe import WipeRefused, pending_writes, wipe_cache
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


class SignOutDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        cache_path: Path,
        *,
        wipe: bool,
        end_session: Callable[[], Awaitable[None]],
        stop_runtime: Callable[[], Awaitable[None]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.cache_path = cache_path
        self.wipe = wipe
        self._end_session = end_session
        self._stop_runtime = stop_runtime
        self.message_box: QMessageBox | None = None
        self.task: asyncio.Task | None = None
        self.wiped = False
        window.signOutRequested.connect(self.request)

    def request(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self.sign_out())

    async def sign_out(self) -> bool:
        """True when signed out (and wiped if set); False when the agent cancelled."""
        wipe = self.wipe
        if wipe:
            pending = await asyncio.to_thread(pending_writes, self.cache_path)
            if pending:
                keep = await self._ask_keep(pending)
                if not keep:
                    return False
                wipe = False
        try:
            await self._end_session()
        except Exception as exc:  # the server ends it when the token expires anyway
            log.warning("sign out: the server was not told: %s", exc)
        await self._stop_runtime()  # closes both cache connections and the window
        if wipe:
            try:
                result = await asyncio.to_thread(wipe_cache, self.cache_path)
            except WipeRefused as exc:  # a write landed between the check and the stop
                log.warning("sign out: cache kept, %d unsent writes", exc.pending)
            else:
                self.wiped = not result.failed
                for failure in result.failed:
                    log.error("sign out: not deleted: %s", failure)
        log.info("signed out (cache %s)", "wiped" if self.wiped else "kept")
        return True

    async def _ask_keep(self, pending: int) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Sign out"),
            self.tr(
                "%1 changes have not reached the CRM server yet, so the local cache cannot be deleted "
                "now. Cancel and use Sync now, then sign out again; or sign out and keep the cache on "
                "this PC until they are sent."
            ).replace("%1", str(pending)),
            parent=self.window,
        )
        box.setObjectName("signOutUnsent")
        keep = box.addButton(self.tr("Sign out, keep the cache"), QMessageBox.ButtonRole.DestructiveRole)
        keep.setObjectName("keepCacheButton")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        self.message_box = box
        await open_and_wait(box)
        return box.clickedButton() is keep
