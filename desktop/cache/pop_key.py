"""The key an agent's pop index is hashed with (central/pop_key.py: the server masks numbers
for roles that may not see them and sends each with its keyed hash).

The key is NEVER written to the cache file: with it, the masked digits and the hash, a number
is recovered by trying 10,000 candidates. It lives in the OS keyring (and this process's memory);
the cache keeps only its public id (`sync_state` "pop_key_id"), so a key that changed (another
deployment, a new signing key) is noticed and the pop index rebuilt.
"""

from __future__ import annotations

import base64
import binascii
import logging
import sqlite3

import keyring
import keyring.errors

from desktop.cache.statements import get_state, set_state

log = logging.getLogger(__name__)

KEYRING_SERVICE = "calldesk-pop-key"
STATE_KEY = "pop_key_id"
_known: dict[str, bytes] = {}  # key id -> key, for this process (the keyring may be absent)


def decode(document: object) -> tuple[str, bytes] | None:
    """(key id, key) from the server's GET /api/v1/auth/pop-key answer; None if unusable."""
    if not isinstance(document, dict):
        return None
    kid, text = document.get("kid"), document.get("key")
    if not isinstance(kid, str) or not kid or len(kid) > 64 or not isinstance(text, str):
        return None
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return (kid, key) if len(key) >= 16 else None


def stored_id(conn: sqlite3.Connection) -> str | None:
    return get_state(conn, STATE_KEY)


def remember(conn: sqlite3.Connection, kid: str, key: bytes) -> None:
    """Keep the key (keyring + memory) and its id in the cache (in the caller's transaction)."""
    _known[kid] = key
    try:
        keyring.set_password(KEYRING_SERVICE, kid, base64.b64encode(key).decode("ascii"))
    except keyring.errors.KeyringError as exc:  # works this session; offline pops need it kept
        log.warning("pop key not kept in the keyring (offline pops need a sign-in first): %s", exc)
    set_state(conn, STATE_KEY, kid)


def holds_full_numbers(conn: sqlite3.Connection) -> bool:
    """Any phone stored in full (a cache pulled before the server masked numbers)."""
    return conn.execute("SELECT 1 FROM phones WHERE masked IS NULL LIMIT 1").fetchone() is not None


def load(conn: sqlite3.Connection) -> tuple[str, bytes] | None:
    """The cache's key, if this process or the keyring has it."""
    kid = stored_id(conn)
    if kid is None:
        return None
    if kid not in _known:
        try:
            text = keyring.get_password(KEYRING_SERVICE, kid)
        except keyring.errors.KeyringError as exc:
            log.warning("pop key not read from the keyring: %s", exc)
            return None
        if text is None:
            return None
        try:
            _known[kid] = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            log.warning("pop key in the keyring is damaged; it is fetched again at the next sync")
            return None
    return kid, _known[kid]
