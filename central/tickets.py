"""Tickets, contact logs and the knowledge base on the central API.

Write path (`save_record`): validate with the shared domain rules, redact card numbers, give the
record its next version and one change-feed row, in the caller's transaction. The server owns
the SLA clock: `created_at` and `sla_due_at` are fixed the first time the server sees a ticket
(the client's creation time, never later than the server's own clock, + 15 minutes) and never
moved by a client afterwards; `escalated` once set stays set.

Reads: ticket lists for "mine", "team" (group queue, no agent yet) and "overdue" (not handed
off past `sla_due_at`; listing them escalates them, with a history entry and a feed change),
and the knowledge-base search.

No `from __future__ import annotations`: FastAPI resolves the route annotations at import time.
"""

import logging
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import sqlalchemy as sa
from fastapi import FastAPI, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Connection

from calldesk_domain.models import format_ts, parse_ts
from calldesk_domain.ticket_validation import Issue, validate_contact, validate_ticket
from calldesk_domain.tickets import (
    OPEN_STATUSES,
    ContactLog,
    Ticket,
    TicketStatus,
    escalate,
    redact_contact,
    redact_ticket,
    sla_due,
)
from central import auth, policy
from central.push import register_entity
from central.route_deps import RouteDeps
from central.schemas import ErrorResponse
from central.tables import SERVICE_TABLES, contacts, kb_articles, tickets
from central.writes import _append_changes, _last_versions, lock_records, record_key

log = logging.getLogger(__name__)

RECORD_TYPES: dict[str, type[Ticket] | type[ContactLog]] = {"ticket": Ticket, "contact": ContactLog}
MAX_ID = 32
VIEWS = ("mine", "team", "overdue", "all")


class RecordInvalid(ValueError):
    """A ticket or contact the server refuses; `issues` name the fields."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.field}: {i.message}" for i in issues))
        self.issues = issues


def validate(entity: str, data: dict[str, Any], today: date | None = None) -> list[tuple[str, str]]:
    """(field, message) pairs, the shape the push registry expects."""
    return [(issue.field, issue.message) for issue in _issues(entity, data, today)]


def _issues(entity: str, data: dict[str, Any], today: date | None = None) -> list[Issue]:
    if not isinstance(data, dict):
        return [Issue("data", "invalid", "record must be a JSON object")]
    record_id = str(data.get("id") or "")
    if len(record_id) > MAX_ID:
        return [Issue("id", "too_long", f"id is longer than {MAX_ID} characters")]
    if entity == "ticket":
        return validate_ticket(data, today or datetime.now(UTC).date())
    return validate_contact(data)


def validate_ticket_data(data: dict[str, Any]) -> list[tuple[str, str]]:
    return validate("ticket", data)


def validate_contact_data(data: dict[str, Any]) -> list[tuple[str, str]]:
    return validate("contact", data)


def prepare_ticket(data: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A pushed (already valid) ticket as the server stores it: defaults filled, card numbers
    redacted, the SLA clock computed here (creation time never later than the server's clock,
    due 15 minutes after it) and `updated_at` = server time. A later write that is not based on
    the server's current version is a conflict (push), so server-set fields survive."""
    now = now or datetime.now(UTC)
    ticket = redact_ticket(Ticket.from_dict(data))
    created = ticket.created_at if ticket.created_at and ticket.created_at <= now else now
    ticket.created_at, ticket.sla_due_at, ticket.updated_at = created, sla_due(created), now
    return ticket.to_dict()


def prepare_contact(data: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    contact = redact_contact(ContactLog.from_dict(data))
    contact.created_at = contact.created_at or now or datetime.now(UTC)
    return contact.to_dict()


# Tickets and contacts arrive from desktops through POST /api/v1/sync/push (central/push.py).
register_entity("ticket", tickets, validate_ticket_data, prepare=prepare_ticket)
register_entity("contact", contacts, validate_contact_data, prepare=prepare_contact)


def _row(table: sa.Table, record: dict[str, Any], ts_fields: tuple[str, ...]) -> dict[str, Any]:
    row = {column.key: record.get(column.key) for column in table.columns}
    for name in ts_fields:
        row[name] = parse_ts(row[name])
    return row


def record_from_row(entity: str, row: Any) -> dict[str, Any]:
    cls = RECORD_TYPES[entity]
    mapping = row._mapping if hasattr(row, "_mapping") else row
    data = {f.name: mapping[f.name] for f in fields(cls) if f.name in mapping}
    return cls.from_dict(data).to_dict()


def _existing(conn: Connection, entity: str, record_id: str) -> dict[str, Any] | None:
    table = SERVICE_TABLES[entity]
    row = conn.execute(sa.select(table).where(table.c.id == record_id)).first()
    return record_from_row(entity, row) if row is not None else None


def save_record(
    conn: Connection, entity: str, data: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """Validate, redact and upsert one ticket/contact; returns the stored record (with version).

    Raises RecordInvalid (nothing written) when the data breaks a rule.
    """
    if entity not in RECORD_TYPES:
        raise ValueError(f"unknown service entity {entity!r}")
    now = now or datetime.now(UTC)
    issues = _issues(entity, data, now.date())
    if issues:
        raise RecordInvalid(issues)
    lock_records(conn, [record_key(entity, data["id"])])
    previous = _existing(conn, entity, data["id"])
    if entity == "ticket":
        record = _server_ticket(Ticket.from_dict(data), previous, now).to_dict()
    else:
        record = redact_contact(ContactLog.from_dict(data)).to_dict()
        if previous is None or not record.get("created_at"):
            record["created_at"] = format_ts(now)
    record["version"] = _last_versions(conn, entity, [record["id"]]).get(record["id"], 0) + 1
    table = SERVICE_TABLES[entity]
    row = _row(table, record, RECORD_TYPES[entity]._TS_FIELDS)
    if previous is None:
        conn.execute(table.insert().values(**row))
    else:
        conn.execute(table.update().where(table.c.id == record["id"]).values(**row))
    _append_changes(conn, entity, [(record["id"], "upsert", record["version"], record)], fresh=False)
    return record


def _server_ticket(ticket: Ticket, previous: dict[str, Any] | None, now: datetime) -> Ticket:
    redact_ticket(ticket)
    if previous is None:
        created = ticket.created_at if ticket.created_at and ticket.created_at <= now else now
        ticket.created_at = created
        ticket.sla_due_at = sla_due(created)
    else:
        before = Ticket.from_dict(previous)
        ticket.created_at, ticket.sla_due_at = before.created_at, before.sla_due_at
        ticket.escalated = ticket.escalated or before.escalated
        ticket.created_by = before.created_by or ticket.created_by
    ticket.updated_at = now
    return ticket


def escalate_overdue(conn: Connection, now: datetime) -> int:
    """Escalate every ticket still "new" past its due time; returns how many were escalated."""
    rows = conn.execute(
        sa.select(tickets).where(
            tickets.c.status == TicketStatus.NEW.value,
            tickets.c.sla_due_at < now,
            tickets.c.escalated == sa.false(),
        )
    ).all()
    for row in rows:
        ticket = escalate(Ticket.from_dict(record_from_row("ticket", row)), now)
        save_record(conn, "ticket", ticket.to_dict(), now)
        log.info("ticket %s overdue since %s: escalated to supervisor", ticket.id, ticket.sla_due_at)
    return len(rows)


def list_tickets(
    conn: Connection,
    view: str,
    agent_id: str,
    *,
    group: str = "",
    status: str = "",
    category: str = "",
    customer_id: str = "",
    limit: int = 200,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Tickets of one view, oldest due first."""
    now = now or datetime.now(UTC)
    query = sa.select(tickets)
    open_statuses = [s.value for s in OPEN_STATUSES]
    if view == "mine":
        query = query.where(
            tickets.c.status.in_(open_statuses),
            sa.or_(
                tickets.c.assignee_agent == agent_id,
                sa.and_(
                    tickets.c.assignee_agent == "",
                    tickets.c.assignee_group == "",
                    tickets.c.created_by == agent_id,
                ),
            ),
        )
    elif view == "team":
        query = query.where(tickets.c.status.in_(open_statuses), tickets.c.assignee_agent == "")
        if group:
            query = query.where(tickets.c.assignee_group == group)
    elif view == "overdue":
        query = query.where(
            tickets.c.status == TicketStatus.NEW.value,
            tickets.c.sla_due_at.is_not(None),
            tickets.c.sla_due_at < now,
        )
    if status:
        query = query.where(tickets.c.status == status)
    if category:
        query = query.where(tickets.c.category == category)
    if customer_id:
        query = query.where(tickets.c.customer_id == customer_id)
    query = query.order_by(tickets.c.sla_due_at, tickets.c.id).limit(limit)
    return [record_from_row("ticket", row) for row in conn.execute(query)]


def search_articles(conn: Connection, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Articles whose title, body or tags contain every word of `text`; title hits first.

    An empty `text` lists the articles by id.
    """
    words = [word for word in text.split() if word][:8]
    rows = conn.execute(sa.select(kb_articles).order_by(kb_articles.c.id)).all()
    scored: list[tuple[int, str, dict[str, Any]]] = []
    for row in rows:
        tags = " ".join(row.tags or [])
        haystack = f"{row.title}\n{row.body}\n{tags}".lower()
        if not all(word.lower() in haystack for word in words):
            continue
        score = sum(3 if word.lower() in row.title.lower() else 1 for word in words)
        scored.append((-score, row.id, _article(row)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [article for _, _, article in scored[:limit]]


def _article(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "category": row.category,
        "tags": list(row.tags or []),
        "updated_at": format_ts(parse_ts(row.updated_at)),
    }


def get_article(conn: Connection, article_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(kb_articles).where(kb_articles.c.id == article_id)).first()
    return _article(row) if row is not None else None


NO_CONTROL = r"^[^\x00-\x1f]*$"  # PostgreSQL rejects NUL; control characters never belong in a filter
SafeId = Annotated[str, Path(min_length=1, max_length=MAX_ID, pattern=r"^[^\x00-\x1f]*$")]


def install_routes(app: FastAPI, deps: RouteDeps) -> None:
    """Add the ticket, contact and knowledge-base endpoints to the central API. Reads are
    limited to what the caller's role reaches (central.policy.read_scope)."""
    if TYPE_CHECKING:
        # what create_app passes: Annotated[auth.Principal, Depends(principal)], built there at run time
        Principal: TypeAlias = auth.Principal
    else:
        Principal = deps.principal

    @app.get("/api/v1/tickets", response_model=None, responses=deps.errors)
    def ticket_list(
        who: Principal,
        view: Annotated[str, Query(pattern="^(mine|team|overdue|all)$")] = "mine",
        group: Annotated[str, Query(max_length=32, pattern=NO_CONTROL)] = "",
        status: Annotated[str, Query(max_length=24, pattern=NO_CONTROL)] = "",
        category: Annotated[str, Query(max_length=16, pattern=NO_CONTROL)] = "",
        customer_id: Annotated[str, Query(max_length=32, pattern=NO_CONTROL)] = "",
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> JSONResponse:
        now = datetime.now(UTC)
        with deps.engine.begin() as conn:
            escalate_overdue(conn, now)
        with deps.engine.connect() as conn:
            actor = deps.load_actor(conn, who)
            found = list_tickets(
                conn,
                view,
                who.agent_id,
                group=group,
                status=status,
                category=category,
                customer_id=customer_id,
                limit=limit,
                now=now,
            )
        scope = policy.read_scope(who.role)
        found = [ticket for ticket in found if policy.can_touch_ticket(actor, ticket, scope)]
        return JSONResponse({"tickets": found, "server_time": format_ts(now)})

    with_404: dict[int | str, dict[str, Any]] = {**deps.errors, 404: {"model": ErrorResponse}}

    @app.get("/api/v1/tickets/{ticket_id}", response_model=None, responses=with_404)
    def ticket_get(who: Principal, ticket_id: SafeId) -> JSONResponse:
        with deps.engine.connect() as conn:
            found = _existing(conn, "ticket", ticket_id)
            actor = deps.load_actor(conn, who)
        if found is not None and not policy.can_touch_ticket(actor, found, policy.read_scope(who.role)):
            found = None  # not yours to read: indistinguishable from absent
        if found is None:
            raise deps.api_error(404, "ticket_not_found", f"no ticket {ticket_id}", "ticket_id")
        return JSONResponse({"ticket": found})

    @app.get("/api/v1/contacts", response_model=None, responses=deps.errors)
    def contact_list(
        who: Principal,
        call_id: Annotated[str, Query(max_length=64, pattern=NO_CONTROL)] = "",
        customer_id: Annotated[str, Query(max_length=32, pattern=NO_CONTROL)] = "",
    ) -> JSONResponse:
        table = SERVICE_TABLES["contact"]
        query = sa.select(table).order_by(table.c.created_at, table.c.id).limit(500)
        if call_id:
            query = query.where(table.c.call_id == call_id)
        if customer_id:
            query = query.where(table.c.customer_id == customer_id)
        with deps.engine.connect() as conn:
            actor = deps.load_actor(conn, who)
            found = [record_from_row("contact", row) for row in conn.execute(query)]
        scope = policy.read_scope(who.role)
        found = [contact for contact in found if policy.can_touch_contact(actor, contact, scope)]
        return JSONResponse({"contacts": found})

    @app.get("/api/v1/kb/search", response_model=None, responses=deps.errors)
    def kb_search(
        _who: Principal,
        q: Annotated[str, Query(max_length=100, pattern=r"^[^\x00-\x1f]*$")] = "",
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> JSONResponse:
        with deps.engine.connect() as conn:
            return JSONResponse({"articles": search_articles(conn, q.strip(), limit)})

    @app.get("/api/v1/kb/articles/{article_id}", response_model=None, responses=with_404)
    def kb_article(_who: Principal, article_id: SafeId) -> JSONResponse:
        with deps.engine.connect() as conn:
            found = get_article(conn, article_id)
        if found is None:
            raise deps.api_error(404, "article_not_found", f"no article {article_id}", "article_id")
        return JSONResponse({"article": found})
