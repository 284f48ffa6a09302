"""Managing user accounts: shared by `calldesk central users ...` and /api/v1/admin/users.

Disabling a user, changing their password or their role revokes every sign-in session they
have, so their tokens stop on their next request (central.auth.current_principal).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from central import auth
from central.tables import users

_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_QUEUE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
# "PJSIP/1001", "SIP/1001", "Local/1001@ctx" on Asterisk; "1001@default" on FreeSWITCH.
_INTERFACE = re.compile(r"^[A-Za-z0-9_./@:-]{1,64}$")
MIN_PASSWORD = 8


class UserError(ValueError):
    """A user operation that cannot be done; the message says why (and `field` which input)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _row(conn: Connection, username: str) -> Any:
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None:
        raise UserError(f"no user {username!r}", "username")
    return row


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 256:
        raise UserError(f"a password needs {MIN_PASSWORD} to 256 characters", "password")


def check_role(role: str) -> None:
    if role not in auth.ROLES:
        raise UserError(f"role must be one of {', '.join(auth.ROLES)}, not {role!r}", "role")


def check_interface(interface: str | None) -> None:
    if interface is not None and not _INTERFACE.match(interface):
        raise UserError(
            f"not a PBX interface: {interface!r} (e.g. PJSIP/1001 or 1001@default)", "pbx_interface"
        )


def check_queues(queues: list[str]) -> None:
    if len(queues) > 50 or not all(isinstance(q, str) and _QUEUE.match(q) for q in queues):
        raise UserError("queues: up to 50 names of letters, digits, '_', '.', '-'", "queues")


def check_team(team: str | None) -> None:
    if team is not None and not _QUEUE.match(team):
        raise UserError("team: letters, digits, '_', '.', '-' (1-32)", "team")


def describe(row: Any) -> dict[str, Any]:
    """A user as the admin API and `users list` show it (never the password hash)."""
    return {
        "username": row.username,
        "role": row.role,
        "agent_id": row.agent_id,
        "display_name": row.display_name,
        "active": bool(row.active),
        "pbx_interface": row.pbx_interface,
        "queues": list(row.queues or []),
        "team": row.team,
    }


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    *,
    agent_id: str | None = None,
    display_name: str | None = None,
    pbx_interface: str | None = None,
    queues: list[str] | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    if not _NAME.match(username):
        raise UserError("username: 1-64 letters, digits, '_', '.', '@', '-'", "username")
    check_role(role)
    check_password(password)
    check_interface(pbx_interface)
    check_queues(queues or [])
    check_team(team)
    agent = agent_id or username
    if not _NAME.match(agent) or len(agent) > 32:
        raise UserError("agent id: 1-32 letters, digits, '_', '.', '@', '-'", "agent_id")
    name = (display_name or username).strip()[:64] or username
    if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first() is not None:
        raise UserError(f"user {username!r} already exists", "username")
    try:
        conn.execute(
            users.insert().values(
                username=username,
                password_hash=auth.hash_password(password),
                role=role,
                agent_id=agent,
                display_name=name,
                created_at=datetime.now(UTC),
                active=True,
                pbx_interface=pbx_interface,
                queues=list(queues or []),
                team=team,
            )
        )
    except IntegrityError as exc:
        raise UserError(f"user {username!r} already exists", "username") from exc
    return describe(_row(conn, username))


def update_user(conn: Connection, username: str, **changes: Any) -> dict[str, Any]:
    """Apply `changes` (active, role, password, pbx_interface, queues, team, display_name); a
    change of active/role/password ends the user's sessions."""
    row = _row(conn, username)
    values: dict[str, Any] = {}
    revoke = False
    if "active" in changes and changes["active"] is not None:
        values["active"] = bool(changes["active"])
        revoke = revoke or not values["active"]
    if changes.get("role") is not None:
        check_role(changes["role"])
        values["role"] = changes["role"]
        revoke = revoke or changes["role"] != row.role
    if changes.get("password") is not None:
        check_password(changes["password"])
        values["password_hash"] = auth.hash_password(changes["password"])
        revoke = True
    if "pbx_interface" in changes:
        check_interface(changes["pbx_interface"])
        values["pbx_interface"] = changes["pbx_interface"]
    if changes.get("queues") is not None:
        check_queues(changes["queues"])
        values["queues"] = list(changes["queues"])
    if "team" in changes:
        check_team(changes["team"])
        values["team"] = changes["team"]
    if changes.get("display_name") is not None:
        name = str(changes["display_name"]).strip()
        if not name or len(name) > 64:
            raise UserError("display name: 1-64 characters", "display_name")
        values["display_name"] = name
    if values:
        conn.execute(users.update().where(users.c.id == row.id).values(**values))
    if revoke:
        auth.revoke_user_sessions(conn, row.id)
    return describe(_row(conn, username))


def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [describe(row) for row in conn.execute(sa.select(users).order_by(users.c.username))]
