"""Who may do what on the central API: THE policy table (docs/security.md explains each row).

Two tables, both default-deny:

- `ENDPOINTS`: "METHOD /path" (the route's declared path) -> the roles that may call it. The
  bearer dependency in central.app looks every authenticated request up here; a route missing
  from the table is refused to everyone (a test lists every route of the app against it).
- `MUTATIONS`: (entity, kind) -> {role: Scope}, kind "create" | "update" | "delete" (an upsert
  of an absent record is a create). A role missing from a row may not do it. `authorize` applies
  the scope to one pushed mutation: refuse it (field, "forbidden") or return the record to
  write, with the server-owned fields set from the token (a contact's agent, a ticket's author).

Plus `PHONE_VISIBLE_ROLES`: who reads phone numbers in full from the API (others get them
masked, 138****8000, and use POST /customers/{id}/reveal, which is audited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

AGENT, SUPERVISOR, ADMIN = "agent", "supervisor", "admin"
ROLES = (AGENT, SUPERVISOR, ADMIN)
EVERYONE = frozenset(ROLES)
STAFF = frozenset({SUPERVISOR, ADMIN})
ADMINS = frozenset({ADMIN})

FORBIDDEN = "forbidden"

ENDPOINTS: dict[str, frozenset[str]] = {
    "GET /api/v1/auth/whoami": EVERYONE,
    "GET /api/v1/auth/pop-key": EVERYONE,  # the key of a desktop's pop index (central/pop_key.py)
    "POST /api/v1/auth/logout": EVERYONE,
    "GET /api/v1/customers/lookup": EVERYONE,
    "GET /api/v1/customers/search": EVERYONE,
    "GET /api/v1/customers/{customer_id}": EVERYONE,
    "GET /api/v1/customers/{customer_id}/summary": EVERYONE,
    "POST /api/v1/customers/{customer_id}/reveal": EVERYONE,
    "GET /api/v1/sync/changes": EVERYONE,
    "GET /api/v1/sync/notifications": EVERYONE,  # "the feed moved": every desktop holds one
    "GET /api/v1/sync/bootstrap/head": EVERYONE,
    "GET /api/v1/sync/bootstrap/changes": EVERYONE,
    "GET /api/v1/sync/bootstrap/window": EVERYONE,
    "GET /api/v1/sync/bootstrap/window/counts": EVERYONE,
    "POST /api/v1/sync/push": EVERYONE,  # each mutation is checked against MUTATIONS
    "GET /api/v1/tickets": EVERYONE,  # filtered to the tickets the caller may read
    "GET /api/v1/tickets/{ticket_id}": EVERYONE,  # 404 unless the caller may read it
    "GET /api/v1/contacts": EVERYONE,  # filtered: an agent sees only their own contact logs
    "GET /api/v1/kb/search": EVERYONE,
    "GET /api/v1/kb/articles/{article_id}": EVERYONE,
    "PUT /api/v1/attachments/{attachment_id}": EVERYONE,
    "GET /api/v1/attachments/{attachment_id}": EVERYONE,
    "GET /api/v1/admin/users": ADMINS,
    "POST /api/v1/admin/users": ADMINS,
    "PATCH /api/v1/admin/users/{username}": ADMINS,
    "GET /api/v1/admin/audit": ADMINS,
    "GET /api/v1/admin/audit.csv": ADMINS,
    # central/integrations (on main, merged after this table was written)
    "GET /api/v1/admin/integrations/deliveries": ADMINS,
    "POST /api/v1/admin/integrations/deliveries/{delivery_id}/replay": ADMINS,
    # central/update_policy.py: every desktop reads the policy, only an admin sets it
    "GET /api/v1/update-policy": EVERYONE,
    "PUT /api/v1/update-policy": ADMINS,
    # central/history.py: a day of agent intervals and queue statistics, for supervisors only
    "GET /api/v1/history/agent-intervals": STAFF,
    "GET /api/v1/history/agent-intervals.csv": STAFF,
    "GET /api/v1/history/queue-calls": STAFF,
    "GET /api/v1/history/queue-stats": STAFF,
    "GET /api/v1/history/queue-stats.csv": STAFF,
}

# Routes that need no token at all (sign-in itself, health, the public key, the API schema).
PUBLIC_ENDPOINTS = frozenset(
    {
        "GET /health",
        "GET /live",  # liveness: the process answers (central/probes.py)
        "GET /ready",  # readiness: the database answers
        "POST /api/v1/auth/token",
        "POST /api/v1/auth/refresh",
        "GET /api/v1/auth/public-key",
        # webhooks authenticated by their HMAC signature (central/integrations), not a bearer token
        "POST /api/v1/integrations/orders",
        "POST /api/v1/integrations/tickets/{ticket_id}/actions",
    }
)

PHONE_VISIBLE_ROLES = STAFF


class Scope(StrEnum):
    ANY = "any"  # no restriction
    SELF = "self"  # the server stamps the caller as the record's owner (contact agent, author)
    OWN = "own"  # only records the caller owns (created / assigned / their group's)
    TEAM = "team"  # OWN, plus records of the caller's team and queues
    CONTACT_FIELDS = "contact_fields"  # customer: only phones, email, city change
    NO_MONEY = "no_money"  # customer: anything but points and lifetime value


MUTATIONS: dict[tuple[str, str], dict[str, Scope]] = {
    ("customer", "create"): {AGENT: Scope.NO_MONEY, SUPERVISOR: Scope.NO_MONEY, ADMIN: Scope.ANY},
    ("customer", "update"): {AGENT: Scope.CONTACT_FIELDS, SUPERVISOR: Scope.NO_MONEY, ADMIN: Scope.ANY},
    ("customer", "delete"): {ADMIN: Scope.ANY},
    ("note", "create"): {AGENT: Scope.SELF, SUPERVISOR: Scope.SELF, ADMIN: Scope.SELF},
    ("note", "update"): {AGENT: Scope.OWN, SUPERVISOR: Scope.TEAM, ADMIN: Scope.ANY},
    # a note is its author's scratch: they (and their supervisor) may take it back
    ("note", "delete"): {AGENT: Scope.OWN, SUPERVISOR: Scope.TEAM, ADMIN: Scope.ANY},
    ("ticket", "create"): {AGENT: Scope.SELF, SUPERVISOR: Scope.SELF, ADMIN: Scope.SELF},
    ("ticket", "update"): {AGENT: Scope.OWN, SUPERVISOR: Scope.TEAM, ADMIN: Scope.ANY},
    ("ticket", "delete"): {ADMIN: Scope.ANY},
    ("contact", "create"): {AGENT: Scope.SELF, SUPERVISOR: Scope.SELF, ADMIN: Scope.SELF},
    ("contact", "update"): {AGENT: Scope.OWN, SUPERVISOR: Scope.TEAM, ADMIN: Scope.ANY},
    ("contact", "delete"): {ADMIN: Scope.ANY},
    # an attachment belongs to its ticket: whoever may change the ticket may attach to it
    ("attachment", "create"): {AGENT: Scope.OWN, SUPERVISOR: Scope.TEAM, ADMIN: Scope.ANY},
    ("attachment", "update"): {ADMIN: Scope.ANY},  # an attachment never changes
    ("attachment", "delete"): {ADMIN: Scope.ANY},
    # a desktop's record of a customer view or phone reveal (central.audit_push): everyone writes
    # their own, as the token's user; nobody changes or deletes one
    ("audit", "create"): {AGENT: Scope.SELF, SUPERVISOR: Scope.SELF, ADMIN: Scope.SELF},
}

# History records (central/history_push.py), pushed like the rest but kept outside the change feed
# and never changed by anyone else: entity -> the roles that may push it. Agent intervals and
# calls are stamped with the caller's own agent id (a payload naming another agent is refused);
# queue calls are what supervisor desktops saw of a queue. Nobody deletes history by a push.
HISTORY_WRITERS: dict[str, frozenset[str]] = {
    "agent_interval": EVERYONE,
    "agent_call": EVERYONE,
    "queue_call": STAFF,
}
SELF_STAMPED = frozenset({"agent_interval", "agent_call"})

CUSTOMER_CONTACT_FIELDS = frozenset({"phones", "email", "city"})
CUSTOMER_MONEY_FIELDS = ("points_balance", "lifetime_value_fen")
# Bookkeeping a client may send back changed without changing the customer.
_CUSTOMER_IGNORED = frozenset({"id", "version", "created_at", "updated_at"})


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a mutation: who, and which groups/agents their OWN/TEAM scopes reach."""

    user_id: int
    username: str
    role: str
    agent_id: str
    groups: frozenset[str] = frozenset()  # their queues and team
    team_agents: frozenset[str] = field(default_factory=frozenset)  # agent ids of their team


def endpoint_allowed(method: str, path: str, role: str) -> bool:
    return role in ENDPOINTS.get(f"{method} {path}", frozenset())


def scope_for(entity: str, kind: str, role: str) -> Scope | None:
    return MUTATIONS.get((entity, kind), {}).get(role)


def can_see_phones(role: str) -> bool:
    return role in PHONE_VISIBLE_ROLES


def _reach(actor: Actor, scope: Scope) -> tuple[set[str], frozenset[str]]:
    """(agent ids, group names) an OWN / TEAM scope covers."""
    agents = {actor.agent_id}
    if scope is Scope.TEAM:
        agents |= actor.team_agents
    return agents, actor.groups


def can_touch_ticket(actor: Actor, ticket: dict[str, Any], scope: Scope) -> bool:
    """May the actor change (or read) this existing ticket under `scope`?"""
    if scope is Scope.ANY:
        return True
    agents, groups = _reach(actor, scope)
    return (
        str(ticket.get("created_by") or "") in agents
        or str(ticket.get("assignee_agent") or "") in agents
        or (bool(ticket.get("assignee_group")) and str(ticket.get("assignee_group")) in groups)
    )


def can_touch_contact(actor: Actor, contact: dict[str, Any], scope: Scope) -> bool:
    if scope is Scope.ANY:
        return True
    agents, _groups = _reach(actor, scope)
    return str(contact.get("agent_id") or "") in agents


def read_scope(role: str) -> Scope:
    """How far a role reads tickets and contact logs (the same reach as changing them)."""
    return {AGENT: Scope.OWN, SUPERVISOR: Scope.TEAM}.get(role, Scope.ANY)


@dataclass(frozen=True, slots=True)
class Decision:
    """`data` to write (None for a delete), or `field` naming why it is refused."""

    allowed: bool
    data: dict[str, Any] | None = None
    field: str | None = None

    @staticmethod
    def refuse(field: str) -> Decision:
        return Decision(False, None, field)


def authorize(
    actor: Actor,
    entity: str,
    op: str,
    data: dict[str, Any] | None,
    server: dict[str, Any] | None,
    parent_ticket: dict[str, Any] | None = None,
) -> Decision:
    """Apply the policy table to one pushed mutation. `server` is the live server copy (None if
    absent); `parent_ticket` the ticket of an attachment."""
    kind = "delete" if op == "delete" else ("update" if server is not None else "create")
    scope = scope_for(entity, kind, actor.role)
    if scope is None:
        return Decision.refuse("op" if kind == "delete" else "entity")
    if op == "delete" or data is None:
        if (
            server is not None
            and scope in (Scope.OWN, Scope.TEAM)
            and not _owns(actor, entity, server, scope)
        ):
            return Decision.refuse("op")
        return Decision(True)
    if entity == "audit":
        forged = _forged_identity(actor, data)
        return Decision.refuse(forged) if forged else Decision(True, data)
    if entity == "customer":
        return _customer(scope, data, server)
    if entity == "ticket":
        return _ticket(actor, scope, data, server)
    if entity == "contact":
        if server is not None and not can_touch_contact(actor, server, scope):
            return Decision.refuse("agent_id")
        owner: str | None = actor.agent_id if server is None else str(server.get("agent_id") or "")
        return Decision(True, {**data, "agent_id": owner})
    if entity == "note":
        if server is not None and scope is not Scope.ANY and not _owns(actor, "note", server, scope):
            return Decision.refuse("author")
        owner = actor.agent_id if server is None else server.get("author_agent_id")
        return Decision(True, {**data, "author_agent_id": owner})
    if entity == "attachment":
        if scope is Scope.ANY:
            return Decision(True, data)
        if parent_ticket is None or not can_touch_ticket(actor, parent_ticket, scope):
            return Decision.refuse("ticket_id")
        return Decision(True, data)
    return Decision(True, data) if scope is Scope.ANY else Decision.refuse("entity")


def _forged_identity(actor: Actor, data: dict[str, Any]) -> str | None:
    """The field of an audit event naming a user other than the caller (the server says who)."""
    own = {"username": actor.username, "user_id": actor.user_id, "agent_id": actor.agent_id}
    for key, value in own.items():
        if data.get(key) not in (None, "", value):
            return key
    return None


def _owns(actor: Actor, entity: str, record: dict[str, Any], scope: Scope) -> bool:
    if entity == "ticket":
        return can_touch_ticket(actor, record, scope)
    if entity == "contact":
        return can_touch_contact(actor, record, scope)
    agents, _ = _reach(actor, scope)
    return str(record.get("author_agent_id") or "") in agents


def _customer(scope: Scope, data: dict[str, Any], server: dict[str, Any] | None) -> Decision:
    if scope is Scope.ANY:
        return Decision(True, data)
    if server is None:  # create: no points or lifetime value out of thin air
        for name in CUSTOMER_MONEY_FIELDS:
            if data.get(name, 0) not in (0, None):
                return Decision.refuse(name)
        return Decision(True, data)
    # Fields left out keep the server's value: leaving points out must not zero them.
    merged = {**server, **data}
    for name in sorted(set(merged) - _CUSTOMER_IGNORED):
        if merged.get(name) == server.get(name):
            continue
        if scope is Scope.CONTACT_FIELDS and name not in CUSTOMER_CONTACT_FIELDS:
            return Decision.refuse(name)
        if scope is Scope.NO_MONEY and name in CUSTOMER_MONEY_FIELDS:
            return Decision.refuse(name)
    return Decision(True, merged)


def _ticket(actor: Actor, scope: Scope, data: dict[str, Any], server: dict[str, Any] | None) -> Decision:
    if server is None:
        return Decision(True, {**data, "created_by": actor.agent_id})
    if not can_touch_ticket(actor, server, scope):
        return Decision.refuse("assignee_agent")
    if scope is not Scope.ANY:
        # History and comments are append-only: nobody below admin rewrites what happened.
        for name in ("history", "comments"):
            before, after = list(server.get(name) or []), list(data.get(name) or [])
            if after[: len(before)] != before:
                return Decision.refuse(name)
    return Decision(True, {**data, "created_by": server.get("created_by") or actor.agent_id})


def authorize_history(actor: Actor, entity: str, op: str, data: dict[str, Any] | None) -> Decision:
    """A pushed history record: the role may push it, it is an upsert, and a self-stamped record
    names no other agent; the record to write carries the caller's agent id."""
    if actor.role not in HISTORY_WRITERS.get(entity, frozenset()):
        return Decision.refuse("entity")
    if op != "upsert" or data is None:
        return Decision.refuse("op")
    if entity in SELF_STAMPED:
        claimed = data.get("agent_id")
        if claimed not in (None, "", actor.agent_id):
            return Decision.refuse("agent_id")
    return Decision(True, {**data, "agent_id": actor.agent_id})
