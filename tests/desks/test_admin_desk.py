"""The admin's user screen against the real central API on loopback: list, add, change role and
PBX interface/queues, disable/enable, reset a password, clear errors for bad input, a refused
agent, and the screen at 1366x768 in English and zh_CN (screenshots saved and looked at)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.desks.admin_desk import AdminDesk
from desktop.services.admin_users import AdminError, AdminUsers
from desktop.services.api import CentralApi
from desktop.views.admin_users_dialog import AdminUsersDialog
from desktop.views.i18n import install_translator
from desktop.views.main_window import MainWindow


async def _wait(predicate, timeout_s: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met in time")
        await asyncio.sleep(0.02)


def _server_user(central, username: str) -> SimpleNamespace | None:
    rows = central._rows(
        "SELECT role, active, pbx_interface, queues, team, display_name FROM users WHERE username = :u",
        u=username,
    )
    if not rows:
        return None
    row = rows[0]._asdict()
    if isinstance(row["queues"], str):  # JSON text through a plain SQL read
        row["queues"] = json.loads(row["queues"])
    return SimpleNamespace(**row)


def _login_status(central, username: str, password: str) -> int:
    return httpx.post(
        f"{central.url}/api/v1/auth/token", json={"username": username, "password": password}, timeout=20
    ).status_code


def _type(qtbot, dialog: AdminUsersDialog, name: str, text: str) -> None:
    edit = dialog.edits[name]
    edit.clear()
    qtbot.keyClicks(edit, text)


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


async def _answered(dialog: AdminUsersDialog) -> str:
    await _wait(lambda: dialog.isEnabled() and dialog.message_text() is not None, what="an answer")
    return dialog.message_text() or ""


@pytest.fixture
async def admin_screen(seeded_central_sqlite, qtbot):
    central = seeded_central_sqlite
    window = MainWindow()
    qtbot.addWidget(window)
    api = CentralApi(central.url, token=central.token_for("admin"), max_retries=0)
    desk = AdminDesk(window, AdminUsers(api))
    menu_titles = [action.text() for action in window.menuBar().actions()]
    assert "&Admin" in menu_titles
    desk.users_action.trigger()
    dialog = desk.dialog
    assert dialog is not None
    await _wait(lambda: len(dialog.users) == 4, what="the user list")
    yield central, desk, dialog
    await desk.stop()
    await api.aclose()


async def test_admin_adds_changes_disables_and_resets_a_user(admin_screen, qtbot):
    central, _desk, dialog = admin_screen
    assert {u.username for u in dialog.users} == {"1001", "1002", "super", "admin"}
    _click(qtbot, dialog.new_button)
    for name, text in (
        ("username", "ops1"),
        ("display_name", "Ops One"),
        ("pbx_interface", "PJSIP/1099"),
        ("queues", "sales, service"),
        ("team", "east"),
        ("password", "first-pass-1"),
    ):
        _type(qtbot, dialog, name, text)
    _click(qtbot, dialog.add_button)
    assert await _answered(dialog) == "User ops1 added."
    row = _server_user(central, "ops1")
    assert (row.role, bool(row.active), row.pbx_interface, list(row.queues), row.team) == (
        "agent",
        True,
        "PJSIP/1099",
        ["sales", "service"],
        "east",
    )
    assert dialog.selected_username() == "ops1" and dialog.table.rowCount() == 5

    # role and interface/queues: choose, save
    dialog.role_box.setCurrentIndex(dialog.role_box.findData("supervisor"))
    _type(qtbot, dialog, "pbx_interface", "1100@default")
    _type(qtbot, dialog, "queues", "vip")
    _type(qtbot, dialog, "team", "")
    _click(qtbot, dialog.save_button)
    assert await _answered(dialog) == "Changes to ops1 saved."
    row = _server_user(central, "ops1")
    assert (row.role, row.pbx_interface, list(row.queues), row.team) == (
        "supervisor",
        "1100@default",
        ["vip"],
        None,
    )

    # disable: the account cannot sign in; enable again
    assert dialog.active_button.text() == "Disable"
    _click(qtbot, dialog.active_button)
    assert await _answered(dialog) == "ops1 is disabled and signed out."
    assert not _server_user(central, "ops1").active
    assert _login_status(central, "ops1", "first-pass-1") == 401
    assert dialog.active_button.text() == "Enable"
    _click(qtbot, dialog.active_button)
    assert await _answered(dialog) == "ops1 can sign in again."
    assert _login_status(central, "ops1", "first-pass-1") == 200

    # reset the password: the old one stops working
    _click(qtbot, dialog.password_button)  # nothing typed: said, nothing sent
    assert dialog.message_text() == "Type the new password first."
    _type(qtbot, dialog, "password", "second-pass-2")
    _click(qtbot, dialog.password_button)
    assert await _answered(dialog) == "The password of ops1 is reset; their sessions are ended."
    assert _login_status(central, "ops1", "second-pass-2") == 200
    assert _login_status(central, "ops1", "first-pass-1") == 401


@pytest.mark.parametrize(
    ("fields", "expected", "focus"),
    [
        ({"username": "ops2", "password": "short"}, "at least 8 characters", "password"),
        ({"username": "ops2", "password": ""}, "Type the new password first.", "password"),
        ({"username": "1001", "password": "long-enough-1"}, "already exists", "username"),
        ({"username": "bad name!", "password": "long-enough-1"}, "username", "username"),
        (
            {"username": "ops3", "password": "long-enough-1", "pbx_interface": "PJSIP 1001"},
            "",
            "pbx_interface",
        ),
        ({"username": "ops4", "password": "long-enough-1", "queues": "sales, bad queue!"}, "", "queues"),
        ({"username": "", "password": "long-enough-1"}, "Enter a user name.", "username"),
    ],
)
async def test_bad_input_gets_a_clear_message_next_to_the_field_and_adds_nothing(
    admin_screen, qtbot, fields, expected, focus
):
    central, _desk, dialog = admin_screen
    _click(qtbot, dialog.new_button)
    for name, text in fields.items():
        _type(qtbot, dialog, name, text)
    _click(qtbot, dialog.add_button)
    message = await _answered(dialog)
    assert expected in message and message, message
    assert dialog.property("tone") is None  # the dialog itself untouched; the label says it
    assert dialog.message.property("tone") == "error"
    assert QApplication.focusWidget() in (dialog.edits.get(focus), None)  # offscreen may have no focus
    assert len(central._rows("SELECT id FROM users")) == 4
    assert dialog.isEnabled()


async def test_an_agent_is_refused_with_a_clear_message(seeded_central_sqlite):
    central = seeded_central_sqlite
    api = CentralApi(central.url, token=central.token_for("1001"), max_retries=0)
    try:
        with pytest.raises(AdminError, match="role is not allowed"):
            await AdminUsers(api).list()
        with pytest.raises(AdminError, match="role is not allowed"):
            await AdminUsers(api).add("ops9", "long-enough-1", "admin")
    finally:
        await api.aclose()
    assert _server_user(central, "ops9") is None


async def test_the_screen_at_1366x768_in_english_and_chinese(admin_screen, qapp, qtbot):
    _central, _desk, dialog = admin_screen
    out = (
        Path(os.environ.get("CALLDESK_SCREENSHOT_DIR", ""))
        if os.environ.get("CALLDESK_SCREENSHOT_DIR")
        else None
    )
    window = dialog.parentWidget()
    window.resize(1366, 768)
    dialog.table.selectRow(0)
    try:
        for language in ("en", "zh_CN"):
            assert install_translator(qapp, language)
            qapp.processEvents()
            assert dialog.width() <= 1366 and dialog.height() <= 768
            assert dialog.minimumSizeHint().width() <= 1366 and dialog.minimumSizeHint().height() <= 768
            for button in (
                dialog.add_button,
                dialog.save_button,
                dialog.active_button,
                dialog.password_button,
            ):
                assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()), button.text()
            if out is not None:
                dialog.grab().save(str(out / f"admin-users-{language}.png"))
        assert dialog.add_button.text() == "添加用户" and dialog.windowTitle() == "用户"
        assert dialog.table.item(0, 2).text() in ("坐席", "班长", "管理员")
    finally:
        install_translator(qapp, "en")  # the next test starts in English
        qapp.processEvents()
