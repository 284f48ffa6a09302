"""Tells the agent when the admin's update policy says a newer CallDesk exists or is required.

Checks the central API once the desktop is up and every few hours after; the banner sits above
the main window's banners. Nothing is downloaded or installed here (docs/admin-guide.md): "Get it"
opens the admin's http(s) address in the browser, for IT's MSI deployment to do the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices

from desktop.services.update_check import UpdateCheckService, UpdatePolicySource
from desktop.views.main_window import MainWindow
from desktop.views.update_banner import UpdateBanner

log = logging.getLogger(__name__)

CHECK_EVERY_MS = 4 * 3600 * 1000


class UpdateDesk:
    def __init__(self, window: MainWindow, api: UpdatePolicySource) -> None:
        self.service = UpdateCheckService(api)
        self.banner = UpdateBanner(window)
        window.add_top_strip(self.banner)
        self.banner.downloadRequested.connect(self._open_download)
        self._timer = QTimer(window)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check_soon)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.check_soon()
        self._timer.start()

    def check_soon(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self.check())

    async def check(self) -> None:
        """One check; a failure keeps what the banner showed (the service logs why)."""
        notice = await self.service.check()
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            self.banner.show_notice(notice)

    @staticmethod
    def _open_download(url: str) -> None:
        if url.startswith(("https://", "http://")):
            QDesktopServices.openUrl(QUrl(url))
        else:
            log.warning("update: download address %r is not http(s); not opened", url[:80])

    async def stop(self) -> None:
        self._timer.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
