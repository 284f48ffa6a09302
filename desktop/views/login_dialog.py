"""Sign-in dialog: server URL, user name, password, remember me.

Without a secure password store (`secure_store=False`) the dialog says so at once and signs in
without remembering; plain http:// to another computer is refused unless the administrator
allowed it (`allow_insecure_http`), matching what desktop.services.api enforces.

Flow: the agent presses Sign in; the dialog validates the form (messages under the fields) and, if
valid, disables itself and emits `loginRequested(LoginValues)`. The caller tries to log in and then
calls `accept()` on success or `set_error(text)` (which re-enables the form) on failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

MAX_FIELD = 512
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class LoginValues:
    server_url: str
    username: str
    password: str
    remember: bool


class LoginDialog(QDialog):
    loginRequested = Signal(object)  # LoginValues

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        server_url: str = "",
        username: str = "",
        remember: bool = True,
        secure_store: bool = True,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__(parent)
        self.secure_store = secure_store
        self.allow_insecure_http = allow_insecure_http
        self.setObjectName("loginDialog")
        self.setModal(True)
        self.setMinimumWidth(460)
        self.server = QLineEdit(server_url)
        self.username = QLineEdit(username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for field in (self.server, self.username, self.password):
            field.setMaxLength(MAX_FIELD)
        self.remember = QCheckBox()
        self.remember.setChecked(remember and secure_store)
        self.remember.setEnabled(secure_store)
        self.keyring_note = QLabel()
        self.keyring_note.setObjectName("formNote")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(not secure_store)
        self.server_error, self.username_error, self.password_error = QLabel(), QLabel(), QLabel()
        for label in (self.server_error, self.username_error, self.password_error):
            label.setObjectName("formError")
            label.setWordWrap(True)
            label.hide()
        self.note = QLabel()
        self.note.setObjectName("formNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.heading = QLabel()
        self.heading.setObjectName("pageTitle")
        self.form = QFormLayout()
        self._server_label, self._user_label, self._password_label = QLabel(), QLabel(), QLabel()
        self.form.addRow(self._server_label, self.server)
        self.form.addRow("", self.server_error)
        self.form.addRow(self._user_label, self.username)
        self.form.addRow("", self.username_error)
        self.form.addRow(self._password_label, self.password)
        self.form.addRow("", self.password_error)
        self.form.addRow("", self.remember)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._retranslate()
        (self.password if server_url and username else self.server).setFocus()

    def values(self) -> LoginValues:
        return LoginValues(
            self.server.text().strip(),
            self.username.text().strip(),
            self.password.text(),
            self.remember.isChecked(),
        )

    def validate(self) -> bool:
        """Show a message under each bad field; True when the form can be submitted."""
        values = self.values()
        problems = {
            self.server_error: self._server_problem(values.server_url),
            self.username_error: "" if values.username else self.tr("Enter your user name."),
            self.password_error: "" if values.password else self.tr("Enter your password."),
        }
        for label, text in problems.items():
            label.setText(text)
            label.setVisible(bool(text))
        scheme, host = self._scheme_host(values.server_url)
        insecure = scheme == "http" and host not in LOCAL_HOSTS and not problems[self.server_error]
        if insecure and not self.allow_insecure_http:
            refused = self.tr(
                "This address is not encrypted (http://). Use https://: plain http is only allowed to "
                "this computer unless your administrator allows it."
            )
            self.server_error.setText(refused)
            self.server_error.show()
            problems[self.server_error] = refused
            insecure = False
        self.note.setText(
            self.tr("Warning: this address is not encrypted (http). Use https outside a test setup.")
            if insecure
            else ""
        )
        self.note.setVisible(insecure)
        return not any(problems.values())

    def submit(self) -> None:
        self.error.hide()
        if not self.validate():
            return
        self.set_busy(True)
        self.loginRequested.emit(self.values())

    def set_error(self, text: str) -> None:
        """Show why sign-in failed (text from the caller) and let the agent try again."""
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.set_busy(False)
        self.password.setFocus()
        self.password.selectAll()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.server, self.username, self.password):
            widget.setEnabled(not busy)
        self.remember.setEnabled(not busy and self.secure_store)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)

    @staticmethod
    def _scheme_host(url: str) -> tuple[str, str]:
        try:
            parts = urlsplit(url)
            return parts.scheme.lower(), (parts.hostname or "")
        except ValueError:
            return "", ""

    def _server_problem(self, url: str) -> str:
        if not url:
            return self.tr("Enter the CRM server address, for example https://crm.example.com.")
        scheme, host = self._scheme_host(url)
        if scheme not in ("http", "https") or not host or any(ch.isspace() for ch in url):
            return self.tr(
                "The server address must start with https:// and name a host, for example "
                "https://crm.example.com."
            )
        return ""

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sign in to CallDesk"))
        self.heading.setText(self.windowTitle())
        self._server_label.setText(self.tr("CRM server:"))
        self._user_label.setText(self.tr("User name:"))
        self._password_label.setText(self.tr("Password:"))
        self.remember.setText(self.tr("Remember me on this computer"))
        self.keyring_note.setText(
            self.tr(
                "No secure password store was found on this computer, so CallDesk cannot remember "
                "your sign-in: you will sign in each time, and offline sign-in is not available. To "
                "remember it, install and unlock a keyring (GNOME Keyring, KWallet), or ask your "
                "administrator."
            )
        )
        self.server.setPlaceholderText("https://crm.example.com")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
