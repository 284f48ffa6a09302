"""The admin desk: Admin > Users… opens the user screen and runs what the admin asks for.

Built only for a signed-in admin (the server refuses everyone else anyway: /api/v1/admin/users
is admin-only in central/policy.py). Joins AdminUsers (the API calls) to AdminUsersDialog; every
answer, good or bad, is said in the dialog, and the list is read again after each change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from desktop.services.admin_users import AdminError, AdminUsers, UserRecord
from desktop.services.tasks import cancel_and_wait
from desktop.views.admin_users_dialog import AdminUsersDialog

log = logging.getLogger(__name__)


class AdminDesk(QObject):
    def __init__(self, window: QMainWindow, service: AdminUsers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.service = service
        self.dialog: AdminUsersDialog | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.menu = QMenu(window)
        self.menu.setObjectName("adminMenu")
        help_menu = getattr(window, "help_menu", None)  # before Help, where menus usually end
        bar = window.menuBar()
        if isinstance(help_menu, QMenu):
            bar.insertMenu(help_menu.menuAction(), self.menu)
        else:
            bar.addMenu(self.menu)
        self.users_action = QAction(self)
        self.users_action.setObjectName("adminUsersAction")
        self.users_action.triggered.connect(self.open_users)
        self.menu.addAction(self.users_action)
        window.installEventFilter(self)
        self._retranslate()

    def open_users(self) -> AdminUsersDialog:
        if self.dialog is None:
            dialog = AdminUsersDialog(self.window)
            dialog.refreshRequested.connect(lambda: self._spawn(self._refresh()))
            dialog.addRequested.connect(lambda fields: self._spawn(self._add(fields)))
            dialog.saveRequested.connect(lambda name, changes: self._spawn(self._save(name, changes)))
            dialog.activeRequested.connect(lambda name, active: self._spawn(self._set_active(name, active)))
            dialog.passwordRequested.connect(lambda name, pw: self._spawn(self._password(name, pw)))
            self.dialog = dialog
        self.dialog.show()
        self.dialog.raise_()
        self._spawn(self._refresh())
        return self.dialog

    # ---- the calls ------------------------------------------------------------------------------
    async def _refresh(self, select: str | None = None) -> list[UserRecord] | None:
        dialog = self.dialog
        if dialog is None:
            return None
        try:
            users = await self.service.list()
        except AdminError as exc:
            dialog.show_error(self.tr("The user list could not be read: %1").replace("%1", exc.message))
            return None
        dialog.show_users(users, select)
        return users

    async def _run(self, call: Awaitable[UserRecord], done: str) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        try:
            user = await call
        except AdminError as exc:
            dialog.show_error(exc.message, exc.field)
            return
        if await self._refresh(user.username) is not None:
            dialog.show_done(done.replace("%1", user.username))

    async def _add(self, fields: dict[str, Any]) -> None:
        call = self.service.add(
            fields.get("username", ""),
            fields.get("password", ""),
            fields.get("role", ""),
            display_name=fields.get("display_name", ""),
            agent_id=fields.get("agent_id", ""),
            pbx_interface=fields.get("pbx_interface", ""),
            queues=fields.get("queues", ""),
            team=fields.get("team", ""),
        )
        await self._run(call, self.tr("User %1 added."))

    async def _save(self, username: str, changes: dict[str, Any]) -> None:
        await self._run(self.service.change(username, **changes), self.tr("Changes to %1 saved."))

    async def _set_active(self, username: str, active: bool) -> None:
        done = self.tr("%1 can sign in again.") if active else self.tr("%1 is disabled and signed out.")
        await self._run(self.service.set_active(username, active), done)

    async def _password(self, username: str, password: str) -> None:
        done = self.tr("The password of %1 is reset; their sessions are ended.")
        await self._run(self.service.reset_password(username, password), done)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- language and stop ----------------------------------------------------------------------
    def _retranslate(self) -> None:
        self.menu.setTitle(self.tr("&Admin"))
        self.users_action.setText(self.tr("&Users…"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        return False

    async def stop(self) -> None:
        await cancel_and_wait(list(self._tasks), "admin desk")
        with contextlib.suppress(RuntimeError):  # already deleted with the window
            self.window.removeEventFilter(self)
            if self.dialog is not None:
                self.dialog.close()
        self.dialog = None
