"""A live session's access token: renewed in place, enforced at its expiry.

Access tokens live minutes and a shift lasts hours. The desktop refreshes its token with the
central API and pushes the new one down the open connection:

  desktop -> {"type":"token","token":"<new access token>"}
  bridge  -> {"type":"token.ok","agent":"1001","expires_at":<epoch s>}
          or {"type":"token.refused","code":"bad_token"|"token_expired"|"forbidden"|"other_user"|
              "central_unavailable"|"busy","message":...}

The bridge checks the new token exactly as a hello's (central API whoami). A refused token
changes nothing: the session keeps the token it has until that one expires (a desktop with a bad
refresh keeps its calls for the rest of its token's life, and the refusal is logged once per
session and reason). A token of another user is refused (`other_user`): a connection never
changes hands. When the session's token expires (plus `token_grace_s`) and no new one came, the
bridge sends `{"type":"error","code":"token_expired",...}` and closes: the desktop signs in again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from desktop.cti.bridge.identity import HelloRefused, Identity

if TYPE_CHECKING:
    from desktop.cti.bridge.server import BridgeServer, Session

log = logging.getLogger("desktop.cti.bridge")

MAX_TOKEN_CHARS = 4096


async def renew(server: BridgeServer, session: Session, message: dict[str, Any]) -> None:
    """Answer one `token` line: adopt the new identity or refuse it, keeping the session."""
    if session.renewing or not session.take_command_token():
        refuse(
            server,
            session,
            "busy",
            "a token check for this session is already running (or too many token lines)",
        )
        return
    token = message.get("token")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        refuse(server, session, "bad_token", "a token line needs the central API access token")
        return
    session.renewing = True
    try:
        identity = await server.identities.identify(token)
    except HelloRefused as exc:
        refuse(server, session, exc.code, exc.message)
        return
    finally:
        session.renewing = False
    if session.closed:
        return
    if identity.agent_id != session.identity.agent_id:
        refuse(
            server,
            session,
            "other_user",
            f"the token belongs to {identity.agent_id[:64]}, not to {session.identity.agent_id}: "
            "a connection does not change hands",
        )
        return
    adopt(server, session, identity)
    server.stats.tokens_renewed += 1
    log.debug(
        "bridge: %s at %s renewed its token until %.0f", identity.agent_id, session.peer, identity.expires_at
    )
    session.send({"type": "token.ok", "agent": identity.agent_id, "expires_at": identity.expires_at})


def adopt(server: BridgeServer, session: Session, identity: Identity) -> None:
    """The session now runs on `identity`: a changed interface, role or queue list re-routes it."""
    old = session.identity
    if (old.pbx_interface, old.role, old.queues) == (identity.pbx_interface, identity.role, identity.queues):
        session.identity = identity
        return
    server.router.remove(session)
    session.identity = identity
    server.router.add(session)
    log.info(
        "bridge: %s at %s: user record changed (%s, %s)",
        identity.agent_id,
        session.peer,
        identity.role,
        identity.pbx_interface or "no interface",
    )


def refuse(server: BridgeServer, session: Session, code: str, message: str) -> None:
    server.stats.tokens_refused += 1
    if code not in session.token_refusals_logged:
        session.token_refusals_logged.add(code)
        server.log_limited.log(
            f"token:{code}",
            logging.WARNING,
            "bridge: refused a new token from %s at %s: %s (%s); the session keeps its current token",
            session.identity.agent_id,
            session.peer,
            message,
            code,
        )
    session.send({"type": "token.refused", "code": code, "message": message})


def expired(server: BridgeServer, sessions: Iterable[Session], now: float | None = None) -> list[Session]:
    """The sessions whose token ran out (past the grace) with no renewal."""
    now = time.time() if now is None else now
    grace = server.limits.token_grace_s
    return [
        s
        for s in sessions
        if not s.closed and s.identity.expiry_known and s.identity.expires_at + grace <= now
    ]


async def close_expired(server: BridgeServer, sessions: Iterable[Session], now: float | None = None) -> int:
    """Close the sessions whose token ran out unrenewed; how many. Not while the central API is
    down: no desktop could renew then, and closing would only stop every pop (they are closed once
    it answers again, unless renewed first)."""
    due = expired(server, sessions, now)
    if not due:
        return 0
    reachable = getattr(server.identities, "reachable", None)
    if reachable is not None and not await reachable():
        server.log_limited.log(
            "expiry:central_down",
            logging.WARNING,
            "bridge: %d sessions have expired tokens but the central API does not answer: kept until it does",
            len(due),
        )
        return 0
    for session in due:
        if session.closed:
            continue
        server.stats.expired_closed += 1
        log.info(
            "bridge: closing %s at %s: its access token expired and no new one came",
            session.identity.agent_id,
            session.peer,
        )
        session.send(
            {
                "type": "error",
                "code": "token_expired",
                "message": "the access token has expired: log in again",
            }
        )
        session.close()
    return len(due)
