"""Token signing and verification (pure functions; the HTTP side is in test_central_api)."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from central import auth

SECRET = b"s" * 32
USER = auth.Principal(7, "1001", "agent", "1001", "坐席 1001", 0)


def test_round_trip_keeps_identity():
    principal = auth.verify_token(SECRET, auth.issue_token(SECRET, USER))
    assert principal is not None
    assert (principal.user_id, principal.username, principal.role, principal.agent_id) == (
        7,
        "1001",
        "agent",
        "1001",
    )
    assert principal.display_name == "坐席 1001"
    assert principal.expires_at > time.time()


def test_expired_token_is_rejected():
    token = auth.issue_token(SECRET, USER, lifetime_s=60)
    assert auth.verify_token(SECRET, token, now=time.time() + 61) is None
    assert auth.verify_token(SECRET, token, now=time.time() + 59) is not None


def test_tampered_or_foreign_tokens_are_rejected():
    token = auth.issue_token(SECRET, USER)
    body, signature = token.split(".")
    admin = auth.issue_token(SECRET, auth.Principal(7, "1001", "admin", "1001", "x", 0)).split(".")[0]
    assert auth.verify_token(SECRET, f"{admin}.{signature}") is None
    assert auth.verify_token(b"t" * 32, token) is None
    assert auth.verify_token(SECRET, body) is None
    assert auth.verify_token(SECRET, token + "x") is None


@given(st.text(max_size=300))
def test_garbage_never_raises(text):
    assert auth.verify_token(SECRET, text) is None


@given(st.binary(max_size=200))
def test_validly_signed_garbage_claims_never_raise(payload):
    import base64
    import hashlib
    import hmac

    body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(SECRET, body.encode(), hashlib.sha256).digest()).rstrip(
        b"="
    )
    assert auth.verify_token(SECRET, f"{body}.{signature.decode()}") is None


def test_password_hash_is_argon2_and_salted():
    first, second = auth.hash_password("demo"), auth.hash_password("demo")
    assert first.startswith("$argon2id$") and first != second
