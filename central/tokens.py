"""Access tokens: short-lived JWTs signed with Ed25519 (RFC 8037 "EdDSA").

The private key lives OUTSIDE the database: the PEM text in $CALLDESK_CENTRAL_SIGNING_KEY, or a
file ($CALLDESK_CENTRAL_KEY_FILE, else `central-signing-key.pem` in the platform's user config
folder), created on first start readable by its owner only (0600). Anyone holding the public key
(`GET /api/v1/auth/public-key`) can verify a token, the CTI bridge included; only the server can
mint one. Every API process behind a load balancer must be given the same key.

A token is `base64url(header).base64url(claims).base64url(signature)` with header
{"alg": "EdDSA", "typ": "JWT", "kid"} and claims {uid, sub, role, agent, name, sid, iat, exp, jti}.
`sid` names the sign-in session (central.auth): the server refuses a token whose session was
revoked or whose user was disabled, on the very next request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger(__name__)

KEY_ENV = "CALLDESK_CENTRAL_SIGNING_KEY"
KEY_FILE_ENV = "CALLDESK_CENTRAL_KEY_FILE"
ACCESS_TOKEN_LIFETIME_S = 15 * 60
MAX_TOKEN_LENGTH = 4096
_HEADER_ALG = "EdDSA"


class SigningKeyError(RuntimeError):
    """The configured signing key cannot be read or is not an Ed25519 private key."""


@dataclass(frozen=True, slots=True)
class Claims:
    """What a correctly signed, unexpired access token says."""

    user_id: int
    username: str
    role: str
    agent_id: str
    display_name: str
    session_id: str
    expires_at: int


def default_key_path() -> Path:
    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    if configured:
        return Path(configured)
    return Path(platformdirs.user_config_dir("calldesk-central", appauthor=False)) / "central-signing-key.pem"


def _parse_private(pem: bytes, origin: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{origin} is not a PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{origin} is not an Ed25519 key")
    return key


def _create_key_file(path: Path) -> None:
    """Write a new key with owner-only permissions; never overwrite one another process made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    log.warning("created a new token signing key at %s (keep it secret; back it up)", path)


def load_signing_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The server's signing key from the environment or its file, created on first use."""
    inline = os.environ.get(KEY_ENV, "").strip()
    if inline and path is None:
        return _parse_private(inline.encode("ascii", "replace"), f"${KEY_ENV}")
    target = path or default_key_path()
    if not target.exists():
        _create_key_file(target)
    if os.name == "posix" and target.stat().st_mode & 0o077:
        log.warning("token signing key %s is readable by other users: chmod 600 it", target)
    try:
        pem = target.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the token signing key {target}: {exc}") from exc
    return _parse_private(pem, str(target))


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short fingerprint of the public key (the JWT `kid`), so a verifier can tell keys apart."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_pem(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(
    key: Ed25519PrivateKey,
    claims: Claims,
    lifetime_s: int = ACCESS_TOKEN_LIFETIME_S,
    now: float | None = None,
) -> str:
    """A signed access token for `claims` (its expires_at is replaced by now + lifetime_s)."""
    issued = int(time.time() if now is None else now)
    header = {"alg": _HEADER_ALG, "typ": "JWT", "kid": key_id(key)}
    body = {
        "uid": claims.user_id,
        "sub": claims.username,
        "role": claims.role,
        "agent": claims.agent_id,
        "name": claims.display_name,
        "sid": claims.session_id,
        "iat": issued,
        "exp": issued + lifetime_s,
        "jti": secrets.token_hex(8),  # two tokens are never the same string, even in one second
    }
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode()) for part in (header, body)
    )
    return f"{signing_input}.{_b64(key.sign(signing_input.encode('ascii')))}"


def verify(public_key: Ed25519PublicKey, token: str, now: float | None = None) -> Claims | None:
    """The claims of a well-formed, correctly signed, unexpired token; None otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return None
    header_b64, body_b64, signature_b64 = token.split(".")
    try:
        header = json.loads(_unb64(header_b64))
        if not isinstance(header, dict) or header.get("alg") != _HEADER_ALG:
            return None  # never "none" or an HMAC algorithm chosen by the token itself
        public_key.verify(_unb64(signature_b64), f"{header_b64}.{body_b64}".encode("ascii"))
        body = json.loads(_unb64(body_b64))
        claims = Claims(
            int(body["uid"]),
            str(body["sub"]),
            str(body["role"]),
            str(body["agent"]),
            str(body["name"]),
            str(body["sid"]),
            int(body["exp"]),
        )
    except (InvalidSignature, ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        return None
    if claims.expires_at <= (time.time() if now is None else now):
        return None
    return claims
