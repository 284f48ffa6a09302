"""Users, password hashes (argon2) and bearer tokens for the central API.

Tokens are stateless: base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, claims)).
The secret is generated once and stored in the `server_secrets` table, so every API process on
the same database accepts the same tokens (stateless servers behind a load balancer).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from central.tables import server_secrets, users

log = logging.getLogger(__name__)

TOKEN_LIFETIME_S = 8 * 3600  # one agent shift
ROLES = ("agent", "supervisor", "admin")

# username, password, role, agent_id, display name
DEMO_USERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("1001", "demo", "agent", "1001", "坐席 1001 王芳"),
    ("1002", "demo", "agent", "1002", "坐席 1002 李强"),
    ("super", "demo", "supervisor", "9001", "班长 赵敏"),
    ("admin", "demo", "admin", "9000", "系统管理员"),
)
# username -> (PBX interface, queues) of the demo users (the same values migration 0007 fills in).
DEMO_CTI: dict[str, tuple[str | None, list[str]]] = {
    "1001": ("PJSIP/1001", ["sales"]),
    "1002": ("PJSIP/1002", ["sales", "service"]),
    "super": (None, ["sales", "service"]),
}

_hasher = PasswordHasher()
# A real hash to verify against when the user does not exist, so response time does not reveal it.
_DUMMY_HASH = _hasher.hash("calldesk-no-such-user")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token belongs to."""

    user_id: int
    username: str
    role: str
    agent_id: str
    display_name: str
    expires_at: int


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    conn: Connection, username: str, password: str, role: str, agent_id: str, display_name: str
) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    result = conn.execute(
        users.insert().values(
            username=username,
            password_hash=hash_password(password),
            role=role,
            agent_id=agent_id,
            display_name=display_name,
            created_at=datetime.now(UTC),
        )
    )
    return int(result.inserted_primary_key[0])


def ensure_demo_users(conn: Connection) -> int:
    """Create the contract's demo users that are missing; returns how many were created."""
    present = set(conn.execute(sa.select(users.c.username)).scalars())
    missing = [user for user in DEMO_USERS if user[0] not in present]
    # One argon2 hash (~0.1-0.25 s) for the shared, published demo password, not one per user.
    hashes = {password: hash_password(password) for _, password, _, _, _ in missing}
    for username, password, role, agent_id, display_name in missing:
        interface, queues = DEMO_CTI.get(username, (None, []))
        conn.execute(
            users.insert().values(
                username=username,
                password_hash=hashes[password],
                role=role,
                agent_id=agent_id,
                display_name=display_name,
                created_at=datetime.now(UTC),
                pbx_interface=interface,
                queues=queues,
            )
        )
    return len(missing)


def authenticate(conn: Connection, username: str, password: str) -> Principal | None:
    """The user if the password is right, else None (same cost either way)."""
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    return Principal(row.id, row.username, row.role, row.agent_id, row.display_name, 0)


def load_secret(engine: Engine) -> bytes:
    """The token signing secret, created on first use (race-safe across processes)."""
    with engine.begin() as conn:
        value = conn.execute(
            sa.select(server_secrets.c.value).where(server_secrets.c.name == "token")
        ).scalar()
    if value is None:
        try:
            with engine.begin() as conn:
                conn.execute(server_secrets.insert().values(name="token", value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another process created it first
        with engine.begin() as conn:
            value = conn.execute(
                sa.select(server_secrets.c.value).where(server_secrets.c.name == "token")
            ).scalar_one()
    return bytes.fromhex(value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(secret: bytes, principal: Principal, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
    claims = {
        "uid": principal.user_id,
        "sub": principal.username,
        "role": principal.role,
        "agent": principal.agent_id,
        "name": principal.display_name,
        "exp": int(time.time()) + lifetime_s,
    }
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    signature = _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{signature}"


def verify_token(secret: bytes, token: str, now: float | None = None) -> Principal | None:
    """The principal of a well-formed, correctly signed, unexpired token; None otherwise."""
    if not token or len(token) > 4096 or token.count(".") != 1:
        return None
    body, signature = token.split(".")
    try:
        expected = _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            return None
        claims = json.loads(_unb64(body))
        principal = Principal(
            int(claims["uid"]),
            str(claims["sub"]),
            str(claims["role"]),
            str(claims["agent"]),
            str(claims["name"]),
            int(claims["exp"]),
        )
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        return None
    if principal.expires_at <= (time.time() if now is None else now):
        return None
    return principal


def user_profile(conn: Connection, principal: Principal) -> dict[str, object] | None:
    """What `GET /api/v1/auth/whoami` answers for a verified token, read from the user record
    now; None when the user is gone or disabled (the token then stops working)."""
    row = conn.execute(sa.select(users).where(users.c.id == principal.user_id)).first()
    if row is None or not row.active or row.username != principal.username:
        return None
    return {
        "username": row.username,
        "agent_id": row.agent_id,
        "role": row.role,
        "display_name": row.display_name,
        "pbx_interface": row.pbx_interface,
        "queues": list(row.queues or []),
        "team": row.team,
        "expires_at": datetime.fromtimestamp(principal.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
