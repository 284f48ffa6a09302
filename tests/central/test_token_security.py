"""Tokens against a real server: sign-in sessions, refresh, logout, revocation on password change
and disable, forged/expired/tampered tokens, the public key, and login lockout."""

from __future__ import annotations

import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central import auth, tokens
from central.users import update_user


def _login(seeded, username: str = "1001", password: str = "demo", **kwargs) -> httpx.Response:
    return httpx.post(
        f"{seeded.url}/api/v1/auth/token",
        json={"username": username, "password": password},
        timeout=10,
        **kwargs,
    )


def _whoami(seeded, access: str) -> httpx.Response:
    return httpx.get(
        f"{seeded.url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {access}"}, timeout=10
    )


def _refresh(seeded, refresh: str) -> httpx.Response:
    return httpx.post(f"{seeded.url}/api/v1/auth/refresh", json={"refresh_token": refresh}, timeout=10)


def test_sign_in_gives_a_short_access_token_and_a_rotating_refresh_token(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    body = _login(seeded).json()
    assert body["expires_in"] <= 30 * 60 and body["refresh_expires_in"] > body["expires_in"]
    assert _whoami(seeded, body["access_token"]).status_code == 200
    renewed = _refresh(seeded, body["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != body["refresh_token"]
    assert _whoami(seeded, fresh["access_token"]).json()["username"] == "1001"
    assert _refresh(seeded, body["refresh_token"]).status_code == 401  # rotated away
    for garbage in ("x.y", "nodot", "a" * 40 + "." + "b" * 40):
        assert _refresh(seeded, garbage).status_code in (401, 422)


def test_refresh_tokens_are_stored_hashed(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    refresh = _login(seeded).json()["refresh_token"]
    secret = refresh.split(".", 1)[1]
    with seeded.engine.connect() as conn:
        dump = " ".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM sessions"))
    assert secret not in dump


def test_logout_ends_the_session_at_once(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    body = _login(seeded).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert httpx.post(f"{seeded.url}/api/v1/auth/logout", headers=headers, timeout=10).status_code == 204
    assert _whoami(seeded, body["access_token"]).status_code == 401
    assert _refresh(seeded, body["refresh_token"]).status_code == 401
    assert _whoami(seeded, _login(seeded).json()["access_token"]).status_code == 200  # others unaffected


@pytest.mark.parametrize(
    "change", [{"active": False}, {"password": "a-new-password"}, {"role": "supervisor"}]
)
def test_disable_password_change_and_role_change_revoke_tokens(seeded_central_sqlite, change):
    seeded = seeded_central_sqlite
    body = _login(seeded).json()
    other = _login(seeded, "1002").json()
    with seeded.engine.begin() as conn:
        update_user(conn, "1001", **change)
    response = _whoami(seeded, body["access_token"])
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"
    assert _refresh(seeded, body["refresh_token"]).status_code == 401
    assert _whoami(seeded, other["access_token"]).status_code == 200
    if "active" in change:
        assert _login(seeded).status_code == 401  # a disabled user cannot sign in either


def test_forged_expired_and_tampered_tokens(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    good = _login(seeded).json()["access_token"]
    claims = tokens.verify(tokens.load_public_pem(_public_key(seeded)), good)
    assert claims is not None
    stranger = Ed25519PrivateKey.generate()
    as_admin = auth.Principal(claims.user_id, "1001", "admin", "1001", "x", 0, claims.session_id)
    forged = auth.issue_token(stranger, as_admin)
    expired = tokens.issue(tokens.load_signing_key(), claims, lifetime_s=-1)
    header, body, signature = good.split(".")
    for bad in (forged, expired, f"{header}.{body}.{signature[::-1]}", f"{header}.{body}.", good + "."):
        response = _whoami(seeded, bad)
        assert response.status_code == 401, bad
        assert response.headers["www-authenticate"].lower().startswith("bearer")


def _public_key(seeded) -> str:
    response = httpx.get(f"{seeded.url}/api/v1/auth/public-key", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["alg"] == "EdDSA" and "PRIVATE" not in body["public_key_pem"]
    return body["public_key_pem"]


def test_the_public_key_alone_verifies_access_tokens(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    public = tokens.load_public_pem(_public_key(seeded))
    claims = tokens.verify(public, _login(seeded, "super").json()["access_token"])
    assert claims is not None and (claims.username, claims.role, claims.agent_id) == (
        "super",
        "supervisor",
        "9001",
    )


def test_the_database_holds_no_signing_secret(seeded_central_sqlite):
    from central.migrate import table_names

    assert "server_secrets" not in table_names(seeded_central_sqlite.engine)


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    statuses = [_login(seeded, "1002", "wrong").status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = _login(seeded, "1002", "demo")  # even the right password waits
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1
    assert "try again in" in locked.json()["error"]["message"]
    assert _login(seeded, "1001").status_code == 200  # another account is not locked


def test_lockout_ends_and_doubles(seeded_central_sqlite):
    from central.throttle import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(max_user_failures=3, lockout_s=10, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("a", "1.2.3.4") == 0
        throttle.failed("a", "1.2.3.4")
    assert throttle.retry_after("A", "5.6.7.8") == pytest.approx(10)
    now[0] = 11
    assert throttle.retry_after("a", "1.2.3.4") == 0
    for _ in range(3):
        throttle.failed("a", "1.2.3.4")
    assert throttle.retry_after("a", "9.9.9.9") == pytest.approx(20)


def test_many_addresses_failures_lock_the_address(seeded_central_sqlite):
    from central.throttle import LoginThrottle

    throttle = LoginThrottle(max_user_failures=100, max_address_failures=4, clock=time.monotonic)
    for name in ("a", "b", "c", "d"):
        throttle.failed(name, "10.0.0.1")
    assert throttle.retry_after("fresh-name", "10.0.0.1") > 0
    assert throttle.retry_after("fresh-name", "10.0.0.2") == 0


@pytest.mark.parametrize("end", ["logout", "disable"])
def test_push_and_pull_check_the_sign_in_on_their_own_connection(seeded_central, end):
    """Push and pull read the sign-in first thing on the connection they work on (not in a
    dependency of their own): an ended sign-in or a disabled account is refused with 401 there
    too, and a refused push writes nothing, not even its Idempotency-Key."""
    seeded = seeded_central
    access = _login(seeded).json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    pull = httpx.get(f"{seeded.url}/api/v1/sync/changes", params={"since": 0, "limit": 1}, headers=headers)
    assert pull.status_code == 200
    if end == "logout":
        assert httpx.post(f"{seeded.url}/api/v1/auth/logout", headers=headers, timeout=10).status_code == 204
    else:
        with seeded.engine.begin() as conn:
            update_user(conn, "1001", active=False)
    mutation = {
        "client_id": "c-after-" + end,
        "entity": "note",
        "id": "N-after-" + end,
        "op": "upsert",
        "data": {"customer_id": "C0000001", "text": "written after the sign-in ended"},
    }
    push = httpx.post(
        f"{seeded.url}/api/v1/sync/push",
        json={"mutations": [mutation]},
        headers={**headers, "Idempotency-Key": "key-after-" + end},
        timeout=10,
    )
    pull = httpx.get(f"{seeded.url}/api/v1/sync/changes", params={"since": 0, "limit": 1}, headers=headers)
    for response in (push, pull):
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "invalid_token"
    with seeded.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM push_results WHERE client_id = 'c-after-" + end + "'),"
            " (SELECT count(*) FROM notes WHERE id = 'N-after-" + end + "'),"
            " (SELECT count(*) FROM idempotency_keys)"
        ).one()
    assert tuple(stored) == (0, 0, 0)
