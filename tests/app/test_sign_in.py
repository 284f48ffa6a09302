"""Sign-in through the real login dialog against the real central API on loopback."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop.app import cti_token, sign_in
from desktop.config import Settings
from desktop.views.login_dialog import LoginDialog


def _dialog() -> LoginDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, LoginDialog) and widget.isVisible():
            return widget
    return None


async def _until(predicate, timeout_s: float = 5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not (value := predicate()):
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
    return value


def _fill_and_submit(qtbot, dialog: LoginDialog, user: str, password: str) -> None:
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, user)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


async def test_wrong_password_is_shown_then_right_one_signs_in(seeded_central_sqlite, qtbot, memory_keyring):
    settings = Settings(central_url=seeded_central_sqlite.url)
    task = asyncio.ensure_future(sign_in(settings))
    dialog = await _until(_dialog)
    _fill_and_submit(qtbot, dialog, "1001", "wrong")
    await _until(lambda: dialog.error.isVisible())
    assert dialog.error.text()
    assert not task.done()

    _fill_and_submit(qtbot, dialog, "1001", "demo")
    api, _auth, session = await asyncio.wait_for(task, 10)
    try:
        assert session.agent_id == "1001" and session.role == "agent"
        assert any("1001" in key for _service, key in memory_keyring.secrets)  # remembered in keyring only
        # a second start restores the remembered session without the dialog
        again = await sign_in(Settings(central_url=seeded_central_sqlite.url, username="1001"))
        assert again is not None and again[2].agent_id == "1001"
        await again[0].aclose()
    finally:
        await api.aclose()


async def test_cancel_returns_none(qtbot):
    task = asyncio.ensure_future(sign_in(Settings(central_url="http://127.0.0.1:9")))
    dialog = await _until(_dialog)
    dialog.reject()
    assert await asyncio.wait_for(task, 5) is None


def test_cti_token_is_created_once_in_the_keyring(memory_keyring):
    first, temporary = cti_token()
    second, _ = cti_token()
    assert first == second and not temporary and len(first) >= 24


def test_cti_token_without_secure_store_is_temporary_and_never_stored():
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    token, temporary = cti_token()
    assert temporary and token
