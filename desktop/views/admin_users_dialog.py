"""The admin's user screen: the accounts of the central server and a form to change them.

Dumb view: it shows `UserRecord`s and emits what the admin asks for; the admin desk does the
calls and answers with `show_users`, `show_done` or `show_error` (which names the field).
Selecting a user fills the form; "New user" empties it for an account to add.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.admin_users import ROLES, UserRecord
from desktop.views.i18n import QT_TRANSLATE_NOOP
from desktop.views.row_table import put_row, row_table, selected_index

ROLE_NAMES = {
    "agent": QT_TRANSLATE_NOOP("AdminUsersDialog", "Agent"),
    "supervisor": QT_TRANSLATE_NOOP("AdminUsersDialog", "Supervisor"),
    "admin": QT_TRANSLATE_NOOP("AdminUsersDialog", "Administrator"),
}
COLUMNS = 8
MIN_PASSWORD = 8  # central/users.py
FIELDS = ("username", "display_name", "role", "agent_id", "pbx_interface", "queues", "team", "password")


class AdminUsersDialog(QDialog):
    refreshRequested = Signal()
    addRequested = Signal(dict)  # the form's fields
    saveRequested = Signal(str, dict)  # username, changes (role, display name, interface, queues, team)
    activeRequested = Signal(str, bool)  # username, active
    passwordRequested = Signal(str, str)  # username, new password

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminUsersDialog")
        self.users: list[UserRecord] = []
        self.table = row_table(self, "adminUsersTable", COLUMNS, 1)
        self.table.itemSelectionChanged.connect(self._on_selected)
        self.edits: dict[str, QLineEdit] = {}
        for name in FIELDS:
            if name == "role":
                continue
            edit = QLineEdit()
            edit.setObjectName(f"admin_{name}")
            edit.setMaxLength(256 if name == "password" else 64)
            self.edits[name] = edit
        self.edits["password"].setEchoMode(QLineEdit.EchoMode.Password)
        self.role_box = QComboBox()
        self.role_box.setObjectName("admin_role")
        for role in ROLES:
            self.role_box.addItem("", role)
        self._captions = {name: QLabel() for name in FIELDS}
        form = QFormLayout()
        for name in FIELDS:
            form.addRow(self._captions[name], self.role_box if name == "role" else self.edits[name])
        self.form_box = QGroupBox()
        self.form_box.setLayout(form)
        self.new_button = QPushButton()
        self.add_button = QPushButton()
        self.save_button = QPushButton()
        self.active_button = QPushButton()
        self.password_button = QPushButton()
        self.refresh_button = QPushButton()
        for name, button, slot in (
            ("adminNew", self.new_button, self.clear_form),
            ("adminAdd", self.add_button, self._add),
            ("adminSave", self.save_button, self._save),
            ("adminActive", self.active_button, self._toggle_active),
            ("adminPassword", self.password_button, self._reset_password),
            ("adminRefresh", self.refresh_button, self.refreshRequested.emit),
        ):
            button.setObjectName(name)
            button.clicked.connect(slot)
        self.message = QLabel()
        self.message.setObjectName("formError")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        for button in (self.new_button, self.add_button, self.save_button, self.active_button):
            buttons.addWidget(button)
        buttons.addWidget(self.password_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        side = QVBoxLayout()
        side.addWidget(self.form_box)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addLayout(side, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(1180, 560)
        self._retranslate()
        self.clear_form()

    # ---- what the desk calls ------------------------------------------------------------------
    def show_users(self, users: list[UserRecord], select: str | None = None) -> None:
        keep = select or self.selected_username()
        self.users = list(users)
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            put_row(self.table, row, self._cells(user), user.username, bold=not user.active)
        rows = [row for row, user in enumerate(self.users) if user.username == keep]
        if rows:
            self.table.selectRow(rows[0])
        # the same row selected again emits nothing: show the server's copy of it now
        self._on_selected()
        self.setEnabled(True)

    def show_done(self, text: str) -> None:
        self.message.setProperty("tone", "info")
        self.message.setText(text)
        self.message.show()
        self.setEnabled(True)

    def show_error(self, text: str, field: str | None = None) -> None:
        self.message.setProperty("tone", "error")
        self.message.setText(text)
        self.message.show()
        self.setEnabled(True)
        target = self.role_box if field == "role" else self.edits.get(field or "")
        if target is not None:
            target.setFocus()

    def busy(self) -> None:
        self.message.hide()
        self.setEnabled(False)

    def message_text(self) -> str | None:
        return None if self.message.isHidden() else self.message.text()

    def selected_username(self) -> str | None:
        index = selected_index(self.table, len(self.users))
        return None if index is None else self.users[index].username

    def selected_user(self) -> UserRecord | None:
        index = selected_index(self.table, len(self.users))
        return None if index is None else self.users[index]

    # ---- the form -----------------------------------------------------------------------------
    def clear_form(self) -> None:
        self.table.clearSelection()
        for edit in self.edits.values():
            edit.clear()
        self.edits["username"].setReadOnly(False)
        self.edits["agent_id"].setReadOnly(False)
        self.role_box.setCurrentIndex(0)
        self._update_buttons()
        self.edits["username"].setFocus()

    def _on_selected(self) -> None:
        user = self.selected_user()
        if user is None:
            self._update_buttons()
            return
        values = {
            "username": user.username,
            "display_name": user.display_name,
            "agent_id": user.agent_id,
            "pbx_interface": user.pbx_interface,
            "queues": ", ".join(user.queues),
            "team": user.team,
            "password": "",
        }
        for name, value in values.items():
            self.edits[name].setText(value)
        self.edits["username"].setReadOnly(True)  # the account's name and agent id never change
        self.edits["agent_id"].setReadOnly(True)
        self.role_box.setCurrentIndex(max(0, self.role_box.findData(user.role)))
        self._update_buttons()

    def _update_buttons(self) -> None:
        user = self.selected_user()
        self.add_button.setEnabled(user is None)
        for button in (self.save_button, self.active_button, self.password_button):
            button.setEnabled(user is not None)
        self._retranslate_active(user)

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {name: edit.text() for name, edit in self.edits.items()}
        fields["role"] = self.role_box.currentData()
        return fields

    def _checked_password(self) -> str | None:
        """The password typed, or None after saying what is wrong with it (the server checks too)."""
        password = self.edits["password"].text()
        if not password:
            self.show_error(self.tr("Type the new password first."), "password")
            return None
        if len(password) < MIN_PASSWORD:
            self.show_error(
                self.tr("A password needs at least %1 characters.").replace("%1", str(MIN_PASSWORD)),
                "password",
            )
            return None
        return password

    def _add(self) -> None:
        fields = self._fields()
        if not fields["username"].strip():
            self.show_error(self.tr("Enter a user name."), "username")
            return
        if self._checked_password() is None:
            return
        self.busy()
        self.addRequested.emit(fields)

    def _save(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        fields = self._fields()
        changes = {k: fields[k] for k in ("role", "display_name", "pbx_interface", "queues", "team")}
        self.busy()
        self.saveRequested.emit(user.username, changes)

    def _toggle_active(self) -> None:
        user = self.selected_user()
        if user is not None:
            self.busy()
            self.activeRequested.emit(user.username, not user.active)

    def _reset_password(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        password = self._checked_password()
        if password is None:
            return
        self.busy()
        self.passwordRequested.emit(user.username, password)

    # ---- text ---------------------------------------------------------------------------------
    def _cells(self, user: UserRecord) -> list[str]:
        return [
            user.username,
            user.display_name,
            self.tr(ROLE_NAMES.get(user.role, user.role)),
            user.agent_id,
            user.pbx_interface,
            ", ".join(user.queues),
            user.team,
            self.tr("Active") if user.active else self.tr("Disabled"),
        ]

    def _retranslate_active(self, user: UserRecord | None) -> None:
        disable = user is None or user.active
        self.active_button.setText(self.tr("Disable") if disable else self.tr("Enable"))

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Users"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("User name"),
                self.tr("Display name"),
                self.tr("Role"),
                self.tr("Agent id"),
                self.tr("PBX interface"),
                self.tr("Queues"),
                self.tr("Team"),
                self.tr("Status"),
            ]
        )
        captions = {
            "username": self.tr("User name:"),
            "display_name": self.tr("Display name:"),
            "role": self.tr("Role:"),
            "agent_id": self.tr("Agent id:"),
            "pbx_interface": self.tr("PBX interface:"),
            "queues": self.tr("Queues:"),
            "team": self.tr("Team:"),
            "password": self.tr("Password:"),
        }
        for name, text in captions.items():
            self._captions[name].setText(text)
        self.edits["pbx_interface"].setPlaceholderText(self.tr("e.g. PJSIP/1001 or 1001@default"))
        self.edits["queues"].setPlaceholderText(self.tr("e.g. sales, service"))
        self.edits["password"].setPlaceholderText(self.tr("8 characters or more"))
        for index, role in enumerate(ROLES):
            self.role_box.setItemText(index, self.tr(ROLE_NAMES[role]))
        self.form_box.setTitle(self.tr("Account"))
        self.new_button.setText(self.tr("New user"))
        self.add_button.setText(self.tr("Add user"))
        self.save_button.setText(self.tr("Save changes"))
        self.password_button.setText(self.tr("Reset password"))
        self.refresh_button.setText(self.tr("Refresh"))
        self._retranslate_active(self.selected_user())
        for row, user in enumerate(self.users):
            put_row(self.table, row, self._cells(user), user.username, bold=not user.active)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
