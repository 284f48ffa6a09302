"""Sign-in and initial-sync dialogs: validation messages, caller-supplied errors, progress, cancel."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop.views.login_dialog import LoginDialog, LoginValues
from desktop.views.sync_dialog import SyncDialog


@pytest.fixture
def login(qtbot) -> LoginDialog:
    dialog = LoginDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _ok(dialog: LoginDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_empty_form_shows_every_problem_and_emits_nothing(login, qtbot):
    seen = []
    login.loginRequested.connect(seen.append)
    qtbot.mouseClick(_ok(login), Qt.MouseButton.LeftButton)
    assert seen == []
    assert login.server_error.isVisible() and "CRM server address" in login.server_error.text()
    assert login.username_error.text() == "Enter your user name."
    assert login.password_error.text() == "Enter your password."
    assert _ok(login).isEnabled()


@pytest.mark.parametrize(
    "url", ["crm.example.com", "ftp://crm.example.com", "https://", "https://exa mple.com"]
)
def test_bad_server_address_is_explained(login, qtbot, url):
    login.server.setText(url)
    login.username.setText("1001")
    login.password.setText("secret")
    seen = []
    login.loginRequested.connect(seen.append)
    qtbot.mouseClick(_ok(login), Qt.MouseButton.LeftButton)
    assert seen == []
    assert "https://" in login.server_error.text()


def test_valid_form_emits_values_and_waits_for_the_caller(login, qtbot):
    qtbot.keyClicks(login.server, " https://crm.example.com ")
    qtbot.keyClicks(login.username, "1001")
    qtbot.keyClicks(login.password, "p@ss word")
    login.remember.setChecked(False)
    with qtbot.waitSignal(login.loginRequested, timeout=1000) as signal:
        qtbot.mouseClick(_ok(login), Qt.MouseButton.LeftButton)
    assert signal.args == [LoginValues("https://crm.example.com", "1001", "p@ss word", False)]
    assert not _ok(login).isEnabled() and not login.password.isEnabled()  # busy while the caller logs in
    assert login.isVisible()
    login.set_error("Wrong user name or password.")
    assert login.error.isVisible() and login.error.text() == "Wrong user name or password."
    assert _ok(login).isEnabled() and login.password.isEnabled()
    login.accept()
    assert not login.isVisible()


def test_plain_http_is_refused_to_remote_hosts_and_allowed_for_local_test_servers(login, qtbot):
    login.username.setText("u")
    login.password.setText("p")
    login.server.setText("http://crm.example.com")
    assert login.validate() is False
    assert login.server_error.isVisible() and "https://" in login.server_error.text()
    qtbot.mouseClick(_ok(login), Qt.MouseButton.LeftButton)
    assert _ok(login).isEnabled()  # nothing was sent
    login.server.setText("http://127.0.0.1:8000")
    assert login.validate() is True
    assert not login.note.isVisible() and not login.server_error.isVisible()


def test_plain_http_allowed_by_the_administrator_still_warns(qtbot):
    dialog = LoginDialog(allow_insecure_http=True)
    qtbot.addWidget(dialog)
    dialog.username.setText("u")
    dialog.password.setText("p")
    dialog.server.setText("http://crm.example.com")
    assert dialog.validate() is True
    assert not dialog.note.isHidden() and "not encrypted" in dialog.note.text()


def test_without_a_keyring_the_dialog_says_why_at_once_and_signs_in_without_remembering(qtbot, tmp_path):
    dialog = LoginDialog(server_url="https://crm.example.com", username="1001", secure_store=False)
    qtbot.addWidget(dialog)
    dialog.resize(460, 300)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.keyring_note.isVisible() and "secure password store" in dialog.keyring_note.text()
    assert not dialog.remember.isChecked() and not dialog.remember.isEnabled()
    dialog.password.setText("demo")
    with qtbot.waitSignal(dialog.loginRequested, timeout=1000) as signal:
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert signal.args[0].remember is False
    dialog.set_error("x")
    assert not dialog.remember.isEnabled()  # stays off after a failed attempt
    dialog.grab().save(str(tmp_path / "login-no-keyring.png"))


def test_prefilled_dialog_focuses_password(qtbot):
    dialog = LoginDialog(server_url="https://crm.example.com", username="1001")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.password.hasFocus, timeout=2000)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(server=st.text(max_size=80), user=st.text(max_size=40), password=st.text(max_size=40))
def test_any_input_validates_without_crashing(qtbot, server, user, password):
    dialog = LoginDialog()
    qtbot.addWidget(dialog)
    dialog.server.setText(server)
    dialog.username.setText(user)
    dialog.password.setText(password)
    seen = []
    dialog.loginRequested.connect(seen.append)
    valid = dialog.validate()
    dialog.submit()
    assert bool(seen) == valid
    if valid:
        assert urlsplit(seen[0].server_url).scheme.lower() in ("http", "https")
        assert seen[0].username and seen[0].password
    dialog.deleteLater()


def test_sync_dialog_progress_cancel_and_finish(qtbot):
    dialog = SyncDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.counts.text() == "Connecting to the CRM server…"
    assert dialog.bar.maximum() == 0  # busy indicator until figures arrive
    dialog.update_progress(25_000, 75_000, 42, "pop_index")
    assert dialog.step.text() == "Customers and phone numbers"
    assert dialog.counts.text() == "25,000 of 100,000 records downloaded"
    assert dialog.eta.text() == "about 42 s left"
    assert dialog.bar.value() == 25_000 and dialog.bar.maximum() == 100_000
    dialog.update_progress(25_000, 75_000, 42, "search_index")
    assert dialog.step.text() == "Building the search index…"
    dialog.update_progress(30_000, 70_000, 40, "details")
    assert dialog.step.text() == "Recent orders and history"
    assert dialog.bar.value() == 30_000
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    with qtbot.waitSignal(dialog.cancelRequested, timeout=1000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert not cancel.isEnabled()
    assert "Stopping" in dialog.explain.text()
    dialog.finish(SimpleNamespace(applied=25_000, seconds=3.0, cancelled=True))
    assert dialog.explain.text() == "Sync cancelled after 25,000 changes."
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Close)
    assert close is not None
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_sync_dialog_escape_means_cancel_while_running(qtbot):
    dialog = SyncDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.cancelRequested, timeout=1000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # stays up until the caller reports the sync stopped


def test_enter_in_the_password_field_signs_in(qtbot):
    dialog = LoginDialog(server_url="https://crm.example.com", username="1001")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, "secret")
    with qtbot.waitSignal(dialog.loginRequested, timeout=1000) as signal:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert signal.args[0].password == "secret"
