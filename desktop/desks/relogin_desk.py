"""Signing in again while the desktop runs: when the CTI bridge refuses the access token
(expired, revoked), the login dialog opens with the user name filled in; a good sign-in gives the
central API and the bridge link the new token. The agent's work stays where it is."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject

from desktop.services.api import ApiError, CentralApi
from desktop.views.login_dialog import LoginDialog, LoginValues
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


class ReloginDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        api: CentralApi,
        agent_id: str,
        username: str,
        on_token: Callable[[str], None],
        verify: bool | str = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.api = api
        self.agent_id = agent_id
        self.username = username
        self.verify = verify
        self.on_token = on_token
        self.dialog: LoginDialog | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def ask(self) -> None:
        """Open the login dialog (once: a second refusal while it is open changes nothing)."""
        if self.dialog is not None and self.dialog.isVisible():
            return
        dialog = LoginDialog(self.window, server_url=self.api.base_url, username=self.username)
        dialog.loginRequested.connect(self._on_login)
        self.dialog = dialog
        dialog.show()

    def _on_login(self, values: LoginValues) -> None:
        task = asyncio.ensure_future(self._attempt(values))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attempt(self, values: LoginValues) -> None:
        """Sign in on a separate client: the running desk's API keeps its token unless the new
        sign-in is the same agent (another user must not take over this agent's desk)."""
        dialog = self.dialog
        probe = CentralApi(self.api.base_url, verify=self.verify)
        try:
            session = await probe.login(values.username, values.password)
        except ApiError as exc:
            log.warning("re-login of %s failed: %s", values.username, exc.message)
            if dialog is not None:
                dialog.set_error(exc.message)
            return
        finally:
            await probe.aclose()
        if session.agent_id != self.agent_id:
            log.warning("re-login as agent %s refused on the desk of %s", session.agent_id, self.agent_id)
            if dialog is not None:
                dialog.set_error(
                    self.tr("Sign in as agent %1 to continue on this desk.").replace("%1", self.agent_id)
                )
            return
        self.api.token = session.token
        self.on_token(session.token)
        if dialog is not None:
            dialog.accept()

    def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None
