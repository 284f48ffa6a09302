"""Access token signing and verification, and the signing key file (pure functions; the HTTP
side is in test_token_security and test_central_api)."""

from __future__ import annotations

import base64
import json
import os
import stat
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from central import auth, tokens

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
USER = auth.Principal(7, "1001", "agent", "1001", "坐席 1001", 0, "s" * 32)


def test_round_trip_keeps_identity():
    claims = tokens.verify(PUBLIC, auth.issue_token(KEY, USER))
    assert claims is not None
    assert (claims.user_id, claims.username, claims.role, claims.agent_id, claims.session_id) == (
        7, "1001", "agent", "1001", "s" * 32
    )  # fmt: skip
    assert claims.display_name == "坐席 1001"
    assert time.time() < claims.expires_at <= time.time() + tokens.ACCESS_TOKEN_LIFETIME_S + 1


def test_access_tokens_live_minutes_not_hours():
    assert tokens.ACCESS_TOKEN_LIFETIME_S <= 30 * 60


def test_expired_token_is_rejected():
    token = auth.issue_token(KEY, USER, lifetime_s=60)
    assert tokens.verify(PUBLIC, token, now=time.time() + 61) is None
    assert tokens.verify(PUBLIC, token, now=time.time() + 59) is not None


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampered_foreign_and_unsigned_tokens_are_rejected():
    token = auth.issue_token(KEY, USER)
    header, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    as_admin = _b64({**claims, "role": "admin"})
    assert tokens.verify(PUBLIC, f"{header}.{as_admin}.{signature}") is None
    assert tokens.verify(Ed25519PrivateKey.generate().public_key(), token) is None
    assert tokens.verify(PUBLIC, f"{header}.{body}") is None
    assert tokens.verify(PUBLIC, token + "x") is None
    # alg "none" and HMAC algorithms chosen by the token are never honoured
    for alg in ("none", "HS256"):
        assert tokens.verify(PUBLIC, f"{_b64({'alg': alg, 'typ': 'JWT'})}.{body}.") is None
        assert tokens.verify(PUBLIC, f"{_b64({'alg': alg, 'typ': 'JWT'})}.{body}.{signature}") is None


@given(st.text(max_size=300))
def test_garbage_never_raises(text):
    assert tokens.verify(PUBLIC, text) is None


@given(st.binary(max_size=200))
def test_validly_signed_garbage_claims_never_raise(payload):
    header = _b64({"alg": "EdDSA", "typ": "JWT"})
    body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(KEY.sign(f"{header}.{body}".encode())).rstrip(b"=").decode()
    assert tokens.verify(PUBLIC, f"{header}.{body}.{signature}") is None


def test_public_key_alone_verifies(tmp_path):
    pem = tokens.public_pem(KEY)
    assert "PRIVATE" not in pem
    assert tokens.verify(tokens.load_public_pem(pem), auth.issue_token(KEY, USER)) is not None


def test_signing_key_file_is_created_once_owner_only_and_reused(tmp_path):
    path = tmp_path / "keys" / "signing.pem"
    first = tokens.load_signing_key(path)
    assert path.exists()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = tokens.load_signing_key(path)
    assert tokens.key_id(first) == tokens.key_id(second)


def test_signing_key_from_the_environment_and_bad_keys(tmp_path, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    monkeypatch.setenv(tokens.KEY_ENV, pem)
    assert tokens.key_id(tokens.load_signing_key()) == tokens.key_id(key)
    monkeypatch.setenv(tokens.KEY_ENV, "not a key")
    with pytest.raises(tokens.SigningKeyError, match="PEM"):
        tokens.load_signing_key()
    bad = tmp_path / "bad.pem"
    bad.write_text("garbage")
    with pytest.raises(tokens.SigningKeyError, match=r"bad\.pem"):
        tokens.load_signing_key(bad)


def test_password_hash_is_argon2_and_salted():
    first, second = auth.hash_password("demo"), auth.hash_password("demo")
    assert first.startswith("$argon2id$") and first != second
