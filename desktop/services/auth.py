"""Sign-in, token refresh, offline sign-in and roles. Secrets live ONLY in the OS keyring
(service "CallDesk"); the password itself is never stored.

Keys are per server URL and user: `<url>|<user>|session` holds the access token, the refresh
token and their expiries; `<url>|<user>|offline` a salted scrypt verifier of the password and
when it was last checked by the server, for offline sign-in within a grace period. The access
token lives minutes: CentralApi calls `AuthService.refresh` shortly before it expires and once
on a 401; when the refresh token has ended too, the agent signs in again. On a system without a
secure store (headless Linux selects keyring's `fail` backend) saving raises
NoSecureStoreError; nothing is ever written to a file instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import keyring
import keyring.backends.fail
import keyring.errors

from calldesk_domain.models import format_ts, parse_ts
from desktop.services.api import ApiError, CentralApi, Session

log = logging.getLogger(__name__)

KEYRING_SERVICE = "CallDesk"
# A token this close to expiry is not restored; the agent signs in again instead.
_EXPIRY_MARGIN = timedelta(seconds=60)
DEFAULT_OFFLINE_GRACE = timedelta(days=3)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


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


def _verifier(password: str) -> dict[str, str]:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return {"salt": base64.b64encode(salt).decode(), "hash": base64.b64encode(digest).decode()}


def _key(server_url: str, username: str, what: str) -> str:
    return f"{server_url.rstrip('/')}|{username}|{what}"


class CredentialStore:
    """Keyring access for one server; every failure becomes a SecureStoreError."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url.rstrip("/")

    def save(self, username: str, session: Session, password: str | None) -> None:
        """Remember the session; with `password` (just accepted by the server) also an offline
        verifier of it, never the password."""
        ensure_secure_store()
        value = json.dumps(
            {
                "token": session.token,
                "role": session.role,
                "agent_id": session.agent_id,
                "display_name": session.display_name,
                "expires_at": format_ts(session.expires_at),
                "refresh_token": session.refresh_token,
                "refresh_expires_at": format_ts(session.refresh_expires_at),
            }
        )
        try:
            keyring.set_password(KEYRING_SERVICE, _key(self.server_url, username, "session"), value)
            if password is not None:
                verifier = json.dumps({**_verifier(password), "verified_at": format_ts(datetime.now(UTC))})
                keyring.set_password(KEYRING_SERVICE, _key(self.server_url, username, "offline"), verifier)
        except keyring.errors.KeyringError as exc:
            raise SecureStoreError(f"The system keyring refused to store your sign-in: {exc}") from exc

    def check_offline(self, username: str, password: str, grace: timedelta) -> bool:
        """Does `password` match the one the server last accepted, within `grace` of that?"""
        raw = self._get(_key(self.server_url, username, "offline"))
        if not raw:
            return False
        try:
            stored = json.loads(raw)
            verified_at = parse_ts(stored["verified_at"])
            salt = base64.b64decode(stored["salt"])
            expected = base64.b64decode(stored["hash"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("auth: offline verifier for %s unreadable, ignored: %s", username, exc)
            return False
        if verified_at is None or datetime.now(UTC) - verified_at > grace:
            return False
        actual = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
        return hmac.compare_digest(actual, expected)

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
                refresh_token=str(data.get("refresh_token") or ""),
                refresh_expires_at=parse_ts(data.get("refresh_expires_at")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("auth: stored session for %s unreadable, ignored: %s", username, exc)
            return None
        return session

    def clear(self, username: str) -> None:
        for what in ("session", "offline", "password"):  # "password": left by older versions
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
        # the refresh token renews the access token either way; only remembering needs the keyring
        self.api.token_refresher = self.refresh
        if remember:
            self.credentials.save(username, session, password)
        log.info("auth: %s signed in as %s", username, session.role)
        return session

    def restore(self, username: str) -> Session | None:
        """Reuse a remembered session without asking for the password: its access token if still
        good, else its refresh token if still good (renewed on the first request)."""
        session = self.credentials.load_session(username)
        if session is None:
            return None
        now = datetime.now(UTC)
        token_good = session.expires_at - _EXPIRY_MARGIN > now
        refresh_good = bool(session.refresh_token) and (
            session.refresh_expires_at is not None and session.refresh_expires_at - _EXPIRY_MARGIN > now
        )
        if not token_good and not refresh_good:
            return None
        self.api.token = session.token
        self.api.token_expires_at = session.expires_at
        self.api.token_refresher = self.refresh
        self.session, self.username = session, username
        return session

    def offline_login(
        self, username: str, password: str, grace: timedelta = DEFAULT_OFFLINE_GRACE
    ) -> Session | None:
        """Sign in without the server (it is unreachable): the password checked against the
        verifier the last online sign-in left, within `grace`. The session gives the role and
        agent id; the desktop works from its cache until the server answers again."""
        session = self.credentials.load_session(username)
        if session is None or not self.credentials.check_offline(username, password, grace):
            return None
        self.api.token = session.token
        self.api.token_expires_at = session.expires_at
        self.api.token_refresher = self.refresh
        self.session, self.username = session, username
        log.info("auth: %s signed in offline as %s", username, session.role)
        return session

    async def refresh(self) -> str | None:
        """Token refresher for CentralApi: a new access token from the refresh token (None when
        there is none or it has ended: the agent must sign in again)."""
        if self.username is None or self.session is None or not self.session.refresh_token:
            return None
        try:
            fresh = await self.api.refresh_session(self.session.refresh_token)
        except ApiError as exc:
            log.warning("auth: refresh for %s failed: %s", self.username, exc.message)
            return None
        self.session = replace(fresh, display_name=fresh.display_name or self.session.display_name)
        try:
            self.credentials.save(self.username, self.session, None)
        except SecureStoreError as exc:  # the running session goes on; only remembering failed
            log.warning("auth: refreshed session not remembered: %s", exc)
        log.info("auth: token refreshed for %s", self.username)
        return fresh.token

    async def sign_out(self) -> None:
        """End the sign-in on the server too (its tokens stop at once), then forget it here."""
        await self.api.logout()
        self.logout()

    def logout(self) -> None:
        if self.username is not None:
            self.credentials.clear(self.username)
        self.api.token = None
        self.api.token_expires_at = None
        self.api.token_refresher = None
        self.session = self.username = None

    @property
    def role(self) -> str | None:
        return self.session.role if self.session else None
