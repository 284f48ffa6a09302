"""Audit events written locally and pushed through the outbox (central/audit_push.py).

A customer view (the card shown, from which call) or a phone reveal is one outbox row of entity
"audit" with its own event id; there is no local record to keep in step with it, and the
server's answer only removes the row. The event names no user: the server writes it as the
signed-in user of the push (a desktop cannot record a view as someone else).
"""

from __future__ import annotations

import sqlite3

from desktop.cache import outbox
from desktop.cache.rows import now_text
from desktop.cache.statements import Transaction

ENTITY = "audit"
ACTIONS = ("view", "reveal")


def record(
    conn: sqlite3.Connection, action: str, customer_id: str, call_id: str = "", event_id: str = ""
) -> str:
    """Queue one audit event in its own transaction; returns the outbox id. `event_id`: the id
    the server already recorded it under (an online reveal), else a new one."""
    if action not in ACTIONS:
        raise outbox.OutboxError(f"audit action must be one of {ACTIONS}, got {action!r}")
    if not isinstance(customer_id, str) or not customer_id:
        raise outbox.OutboxError("an audit event needs a customer id")
    event_id = event_id or outbox.new_id()
    payload = {
        "id": event_id,
        "action": action,
        "customer_id": customer_id,
        "call_id": call_id or "",
        "at": now_text(),
    }
    with Transaction(conn):
        return outbox.enqueue(conn, ENTITY, event_id, "upsert", payload, None)


def pending_events(conn: sqlite3.Connection) -> list[dict]:
    """Audit events not yet acknowledged by the server, oldest first."""
    return [entry.payload for entry in outbox.pending(conn) if entry.entity == ENTITY]
