"""A customer's own tickets and contact logs as one list, newest first (the card's "Tickets &
contacts" tab). Pure: built from the domain records, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from calldesk_domain.tickets import ContactLog, Ticket

_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One row: a ticket, or a contact log (linked to `ticket_id` when the agent linked one)."""

    kind: str  # "ticket" | "contact"
    id: str
    at: datetime | None  # ticket created / contact started (else logged)
    status: str  # ticket status, or the contact's disposition code
    summary: str  # fault description, or the contact's notes
    ticket_id: str  # the ticket to open: its own id, or the one the contact is linked to
    category: str = ""  # ticket category; the contact's direction
    call_id: str = ""

    @classmethod
    def of_ticket(cls, t: Ticket) -> WorkItem:
        at = t.created_at or t.updated_at
        return cls("ticket", t.id, at, t.status, t.fault_description, t.id, t.category, t.call_id)

    @classmethod
    def of_contact(cls, c: ContactLog) -> WorkItem:
        at = c.started_at or c.created_at
        return cls("contact", c.id, at, c.disposition, c.notes, c.ticket_id, c.direction, c.call_id)


def newest_first(items: Iterable[WorkItem], limit: int | None = None) -> list[WorkItem]:
    """Newest first; undated rows last; the same instant keeps tickets before their contacts."""
    ordered = sorted(
        items,
        key=lambda item: (_aware(item.at), item.kind == "ticket", item.id),
        reverse=True,
    )
    return ordered if limit is None else ordered[:limit]


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return _OLDEST
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
