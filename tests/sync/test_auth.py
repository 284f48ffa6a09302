"""Credentials live only in the keyring; a machine without one gets a clear NoSecureStoreError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import keyring
import keyring.backends.fail
import pytest

from desktop.services.api import ApiError, CentralApi, Session
from desktop.services.auth import (
    KEYRING_SERVICE,
    AuthService,
    CredentialStore,
    NoSecureStoreError,
    Role,
    can_see_full_numbers,
)

SERVER = "https://crm.example.com/"


def _session(minutes: int = 60) -> Session:
    return Session("tok-123", "supervisor", "9001", "王主管", datetime.now(UTC) + timedelta(minutes=minutes))


def test_roles_and_number_masking() -> None:
    assert not can_see_full_numbers(Role.AGENT)
    assert not can_see_full_numbers("agent")
    assert can_see_full_numbers("supervisor")
    assert can_see_full_numbers(Role.ADMIN)
    assert not can_see_full_numbers(None)
    assert not can_see_full_numbers("root")


def test_keyring_round_trip_keyed_by_server_and_user(memory_keyring) -> None:
    store = CredentialStore(SERVER)
    session = _session()
    store.save("super", session, "demo")
    assert set(memory_keyring.secrets) == {
        (KEYRING_SERVICE, "https://crm.example.com|super|session"),
        (KEYRING_SERVICE, "https://crm.example.com|super|offline"),
    }
    assert not any("demo" in value for value in memory_keyring.secrets.values())  # never the password
    loaded = store.load_session("super")
    assert loaded is not None
    assert (loaded.token, loaded.role, loaded.agent_id, loaded.display_name) == (
        "tok-123",
        "supervisor",
        "9001",
        "王主管",
    )
    assert abs((loaded.expires_at - session.expires_at).total_seconds()) < 1
    assert store.check_offline("super", "demo", timedelta(days=1))
    assert not store.check_offline("super", "wrong", timedelta(days=1))
    assert CredentialStore("https://other.example.com").load_session("super") is None
    assert store.load_session("someone-else") is None
    store.clear("super")
    assert memory_keyring.secrets == {}


def test_corrupt_keyring_entry_is_ignored(memory_keyring) -> None:
    memory_keyring.secrets[(KEYRING_SERVICE, "https://crm.example.com|super|session")] = "{not json"
    assert CredentialStore(SERVER).load_session("super") is None


def test_fail_backend_raises_no_secure_store_and_writes_nothing(tmp_path, monkeypatch) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoSecureStoreError) as caught:
        CredentialStore(SERVER).save("super", _session(), "demo")
    assert "secure" in str(caught.value).lower()
    assert "never written to a plain file" in str(caught.value)
    assert list(tmp_path.iterdir()) == []
    assert CredentialStore(SERVER).load_session("super") is None  # reading degrades to "not remembered"


async def test_login_with_remember_fails_before_any_network_traffic_without_a_keyring() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    api = CentralApi("http://127.0.0.1:9", max_retries=0)  # nothing listens: a request would be ApiError
    auth = AuthService(api)
    with pytest.raises(NoSecureStoreError):
        await auth.login("1001", "demo", remember=True)
    with pytest.raises(ApiError) as caught:  # without remember it does try the server
        await auth.login("1001", "demo", remember=False)
    assert caught.value.unreachable
    await api.aclose()


async def test_restore_skips_expired_sessions(memory_keyring) -> None:
    api = CentralApi(SERVER)
    auth = AuthService(api, SERVER)
    auth.credentials.save("1001", _session(minutes=-5), "demo")
    assert auth.restore("1001") is None
    assert api.token is None
    auth.credentials.save("1001", _session(minutes=30), "demo")
    restored = auth.restore("1001")
    assert restored is not None
    assert api.token == "tok-123"
    assert auth.role == "supervisor"
    auth.logout()
    assert api.token is None
    assert memory_keyring.secrets == {}
    await api.aclose()
