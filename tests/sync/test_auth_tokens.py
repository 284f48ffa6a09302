"""The desktop's token pair against the real central API: refresh before expiry and once on a
401, then re-login; sign-out ends the server session; offline sign-in within a grace period;
plain http refused to remote hosts; a locked account is not hammered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from desktop.services.api import ApiError, CentralApi
from desktop.services.auth import AuthService
from desktop.services.secure_transport import insecure_transport_problem, is_loopback_url


async def test_a_token_about_to_expire_is_refreshed_before_the_request(seeded_central_sqlite) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        auth = AuthService(api, seeded_central_sqlite.url)
        first = await auth.login("1001", "demo", remember=True)
        api.token_expires_at = datetime.now(UTC) + timedelta(seconds=30)  # inside the margin
        await api.lookup("13800138000")
        assert api.token != first.token and auth.session is not None
        assert auth.session.refresh_token != first.refresh_token  # rotated
        assert api.token_expires_at is not None and api.token_expires_at > datetime.now(UTC) + timedelta(
            minutes=5
        )


async def test_after_logout_on_the_server_the_refresh_fails_and_the_401_surfaces(
    seeded_central_sqlite,
) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        auth = AuthService(api, seeded_central_sqlite.url)
        await auth.login("1001", "demo", remember=False)
        token = api.token
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            httpx.post(f"{seeded_central_sqlite.url}/api/v1/auth/logout", headers=headers).status_code == 204
        )
        with pytest.raises(ApiError) as caught:
            await api.lookup("13800138000")
        assert caught.value.status == 401  # refreshed once, refused: the agent signs in again


async def test_sign_out_ends_the_session_on_the_server(seeded_central_sqlite, memory_keyring) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        auth = AuthService(api, seeded_central_sqlite.url)
        session = await auth.login("1001", "demo", remember=True)
        await auth.sign_out()
        assert api.token is None and memory_keyring.secrets == {}
        whoami = httpx.get(
            f"{seeded_central_sqlite.url}/api/v1/auth/whoami",
            headers={"Authorization": f"Bearer {session.token}"},
        )
        assert whoami.status_code == 401


async def test_restore_uses_a_live_refresh_token_when_the_access_token_expired(
    seeded_central_sqlite, memory_keyring
) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        session = await AuthService(api, seeded_central_sqlite.url).login("1001", "demo", remember=True)
    async with CentralApi(seeded_central_sqlite.url) as api:
        auth = AuthService(api, seeded_central_sqlite.url)
        auth.credentials.save(
            "1001", session.__class__(**{**_fields(session), "expires_at": datetime.now(UTC)}), None
        )
        restored = auth.restore("1001")
        assert restored is not None
        assert await api.lookup("13800138000") == [] or True  # any answer: the call went through
        assert api.token != session.token


def _fields(session) -> dict:
    return {name: getattr(session, name) for name in session.__dataclass_fields__}


async def test_offline_sign_in_within_the_grace_period(
    seeded_central_sqlite, memory_keyring, dead_url
) -> None:
    async with CentralApi(seeded_central_sqlite.url) as api:
        await AuthService(api, seeded_central_sqlite.url).login("1001", "demo", remember=True)
    async with CentralApi(dead_url, max_retries=0) as offline_api:
        auth = AuthService(offline_api, seeded_central_sqlite.url)
        assert auth.offline_login("1001", "wrong") is None
        assert auth.offline_login("1002", "demo") is None  # never signed in here
        assert auth.offline_login("1001", "demo", grace=timedelta(seconds=0)) is None  # grace over
        session = auth.offline_login("1001", "demo")
        assert session is not None and session.role == "agent" and auth.role == "agent"


def test_plain_http_only_to_loopback_unless_allowed() -> None:
    assert (
        is_loopback_url("http://127.0.0.1:8765")
        and is_loopback_url("http://localhost")
        and is_loopback_url("http://[::1]:1")
    )
    assert insecure_transport_problem("http://127.0.0.1:8765", False) is None
    assert insecure_transport_problem("https://crm.example.com", False) is None
    problem = insecure_transport_problem("http://crm.example.com", False)
    assert problem and "https://" in problem
    assert insecure_transport_problem("http://10.0.0.5:8765", True) is None


async def test_the_client_refuses_plain_http_to_a_remote_host_before_sending_anything() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "ok"})

    async with CentralApi("http://crm.example.com", transport=httpx.MockTransport(record)) as api:
        with pytest.raises(ApiError) as caught:
            await api.login("1001", "demo")
        assert caught.value.code == "insecure_transport" and "https://" in caught.value.message
    assert sent == []
    async with CentralApi(
        "http://crm.example.com", transport=httpx.MockTransport(record), allow_insecure_http=True
    ) as api:
        assert (await api.health())["status"] == "ok"


async def test_a_locked_account_is_answered_at_once_not_retried(seeded_central_sqlite) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with CentralApi(seeded_central_sqlite.url, sleep=sleep) as api:
        for _ in range(5):
            with pytest.raises(ApiError):
                await api.login("1002", "wrong")
        with pytest.raises(ApiError) as caught:
            await api.login("1002", "demo")
    assert caught.value.status == 429 and "try again in" in caught.value.message
    assert slept == []
