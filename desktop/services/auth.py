"""Sign-in, token refresh and roles. Secrets live ONLY in the OS keyring (service "CallDesk").

Keys are per server URL and user: `<url>|<user>|session` holds the token and its expiry,
`<url>|<user>|password` the refresh material (the API has no refresh token, so a 401 re-logs in
with it). On a system without a secure store (headless Linux selects keyring's `fail` backend)
saving raises NoSecureStoreError; nothing is ever written to a file instead.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import keyring
import keyring.backends.fail
import keyring.errors

from calldesk_domain.models import format_ts, parse_ts
from desktop.services.api import CentralApi, Session

log = logging.getLogger(__name__)

KEYRING_SERVICE = "CallDesk"
# A token this close to expiry is not restored; the agent signs in again instead.
_EXPIRY_MARGIN = timedelta(seconds=60)


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


def can_see_full_numbers(role: str | None) -> bool:
    """Agents see masked numbers (138****8000); supervisors and admins see them in full."""
    return role in (Role.SUPERVISOR, Role.ADMIN)


class SecureStoreError(RuntimeError):
    """The OS keyring failed; the message says what to do."""


class NoSecureStoreError(SecureStoreError):
    def __init__(self) -> None:
        super().__init__(
            "No secure password store is available on this computer (keyring backend: none), so "
            "CallDesk cannot remember your sign-in. Install and unlock a keyring such as GNOME Keyring "
            "or KWallet, or sign in without 'remember me'. Secrets are never written to a plain file."
        )


def secure_store_available() -> bool:
    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def ensure_secure_store() -> None:
    if not secure_store_available():
        log.warning("auth: no secure keyring backend; credentials will not be remembered")
        raise NoSecureStoreError()


def _key(server_url: str, username: str, what: str) -> str:
    return f"{server_url.rstrip('/')}|{username}|{what}"


class CredentialStore:
    """Keyring access for one server; every failure becomes a SecureStoreError."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url.rstrip("/")

    def save(self, username: str, session: Session, password: str | None) -> None:
        ensure_secure_store()
        value = json.dumps(
            {
                "token": session.token,
                "role": session.role,
                "agent_id": session.agent_id,
                "display_name": session.display_name,
                "expires_at": format_ts(session.expires_at),
            }
        )
        try:
            keyring.set_password(KEYRING_SERVICE, _key(self.server_url, username, "session"), value)
            if password is not None:
                keyring.set_password(KEYRING_SERVICE, _key(self.server_url, username, "password"), password)
        except keyring.errors.KeyringError as exc:
            raise SecureStoreError(f"The system keyring refused to store your sign-in: {exc}") from exc

    def load_session(self, username: str) -> Session | None:
        raw = self._get(_key(self.server_url, username, "session"))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            expires_at = parse_ts(data["expires_at"])
            session = Session(
                token=str(data["token"]),
                role=str(data["role"]),
                agent_id=str(data["agent_id"]),
                display_name=str(data["display_name"]),
                expires_at=expires_at or datetime.now(UTC),
            )
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("auth: stored session for %s unreadable, ignored: %s", username, exc)
            return None
        return session

    def load_password(self, username: str) -> str | None:
        return self._get(_key(self.server_url, username, "password"))

    def clear(self, username: str) -> None:
        for what in ("session", "password"):
            try:
                keyring.delete_password(KEYRING_SERVICE, _key(self.server_url, username, what))
            except keyring.errors.PasswordDeleteError:
                pass
            except keyring.errors.KeyringError as exc:
                log.warning("auth: could not delete %s from keyring: %s", what, exc)

    def _get(self, key: str) -> str | None:
        if not secure_store_available():
            return None
        try:
            return keyring.get_password(KEYRING_SERVICE, key)
        except keyring.errors.KeyringError as exc:
            log.warning("auth: keyring read failed: %s", exc)
            return None


@dataclass
class AuthService:
    """Signs an agent in against `api` and keeps the api's token fresh."""

    api: CentralApi
    server_url: str = ""

    def __post_init__(self) -> None:
        self.credentials = CredentialStore(self.server_url or self.api.base_url)
        self.session: Session | None = None
        self.username: str | None = None

    async def login(self, username: str, password: str, remember: bool = True) -> Session:
        """Sign in. With `remember`, the keyring must work (else NoSecureStoreError, raised before
        any network traffic); without it nothing is stored and an expired token means signing in
        again. ApiError (401 etc.) propagates with its human message."""
        if remember:
            ensure_secure_store()
        session = await self.api.login(username, password)
        self.session, self.username = session, username
        if remember:
            self.credentials.save(username, session, password)
            self.api.token_refresher = self.refresh
        else:
            self.api.token_refresher = None
        log.info("auth: %s signed in as %s", username, session.role)
        return session

    def restore(self, username: str) -> Session | None:
        """Reuse a remembered, unexpired session without asking for the password."""
        session = self.credentials.load_session(username)
        if session is None or session.expires_at - _EXPIRY_MARGIN <= datetime.now(UTC):
            return None
        self.api.token = session.token
        self.api.token_refresher = self.refresh
        self.session, self.username = session, username
        return session

    async def refresh(self) -> str | None:
        """Token refresher for CentralApi: re-login with the remembered password (None if none)."""
        if self.username is None:
            return None
        password = self.credentials.load_password(self.username)
        if password is None:
            return None
        session = await self.api.login(self.username, password)
        self.session = session
        self.credentials.save(self.username, session, None)
        log.info("auth: token refreshed for %s", self.username)
        return session.token

    def logout(self) -> None:
        if self.username is not None:
            self.credentials.clear(self.username)
        self.api.token = None
        self.api.token_refresher = None
        self.session = self.username = None

    @property
    def role(self) -> str | None:
        return self.session.role if self.session else None
