"""Users, password hashes (argon2) and bearer tokens for the central API.

Access tokens are Ed25519-signed and short-lived (central.tokens, key outside the database).
Each sign-in opens a session whose refresh token is stored hashed; logout, a password change or
disabling the user revokes sessions, and every request checks its session and user are still live
(`current_principal`), so a revoked or disabled user's token stops on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection

from central import policy, tokens
from central.tables import sessions, users

log = logging.getLogger(__name__)

TOKEN_LIFETIME_S = tokens.ACCESS_TOKEN_LIFETIME_S
REFRESH_TOKEN_LIFETIME_S = 12 * 3600  # one agent shift and some; a refresh keeps the session
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
    session_id: str = ""


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


def _refresh_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def open_session(conn: Connection, principal: Principal, now: datetime | None = None) -> tuple[str, str]:
    """Start a sign-in session; returns (session id, refresh token). Only the refresh token's
    hash is stored: a copy of the database mints nothing."""
    now = now or datetime.now(UTC)
    session_id = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    conn.execute(
        sessions.insert().values(
            id=session_id,
            user_id=principal.user_id,
            refresh_hash=_refresh_hash(secret),
            created_at=now,
            expires_at=now + timedelta(seconds=REFRESH_TOKEN_LIFETIME_S),
            revoked_at=None,
        )
    )
    return session_id, f"{session_id}.{secret}"


def rotate_refresh(
    conn: Connection, refresh_token: str, now: datetime | None = None
) -> tuple[Principal, str] | None:
    """(principal, new refresh token) for a live refresh token of an active user, else None.
    The old refresh token stops working (rotation)."""
    now = now or datetime.now(UTC)
    session_id, _, secret = refresh_token.partition(".")
    if not session_id or not secret or len(refresh_token) > 200:
        return None
    row = conn.execute(
        sa.select(sessions, users.c.username, users.c.role, users.c.agent_id, users.c.display_name)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.id == session_id, users.c.active == sa.true())
    ).first()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        return None
    if not hmac.compare_digest(row.refresh_hash, _refresh_hash(secret)):
        return None
    fresh = secrets.token_urlsafe(32)
    conn.execute(
        sessions.update().where(sessions.c.id == session_id).values(refresh_hash=_refresh_hash(fresh))
    )
    principal = Principal(row.user_id, row.username, row.role, row.agent_id, row.display_name, 0, session_id)
    return principal, f"{session_id}.{fresh}"


def revoke_session(conn: Connection, session_id: str) -> None:
    conn.execute(
        sessions.update()
        .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def revoke_user_sessions(conn: Connection, user_id: int) -> int:
    """End every session of a user (password change, disable): their tokens stop at once."""
    result = conn.execute(
        sessions.update()
        .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return result.rowcount or 0


def current_principal(conn: Connection, claims: tokens.Claims) -> Principal | None:
    """The principal of verified token claims as the database says NOW (role edits apply at
    once), or None if the user is disabled/gone or the session was revoked."""
    row = conn.execute(
        sa.select(users.c.role, users.c.display_name, users.c.agent_id, sessions.c.revoked_at)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(
            users.c.id == claims.user_id,
            users.c.username == claims.username,
            users.c.active == sa.true(),
            sessions.c.id == claims.session_id,
        )
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(
        claims.user_id,
        claims.username,
        row.role,
        row.agent_id,
        row.display_name,
        claims.expires_at,
        claims.session_id,
    )


def issue_token(key: Ed25519PrivateKey, principal: Principal, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
    claims = tokens.Claims(
        principal.user_id,
        principal.username,
        principal.role,
        principal.agent_id,
        principal.display_name,
        principal.session_id,
        0,
    )
    return tokens.issue(key, claims, lifetime_s)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


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


def load_actor(conn: Connection, principal: Principal) -> policy.Actor:
    """The policy's view of a caller: their queues and team (the groups their OWN scope reaches)
    and, for a team, the agent ids of its members (a supervisor's TEAM scope)."""
    row = conn.execute(sa.select(users.c.queues, users.c.team).where(users.c.id == principal.user_id)).first()
    queues = [str(q) for q in (row.queues or [])] if row is not None else []
    team = row.team if row is not None else None
    members: frozenset[str] = frozenset()
    if team:
        members = frozenset(conn.execute(sa.select(users.c.agent_id).where(users.c.team == team)).scalars())
    groups = frozenset([*queues, *([team] if team else [])])
    return policy.Actor(
        principal.user_id, principal.username, principal.role, principal.agent_id, groups, members
    )
