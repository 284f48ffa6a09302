"""TicketService: create, change and list tickets, offline first.

Every save validates with the domain rules, redacts card numbers and awaits
`CacheStore.write_local` (the record and its outbox row in one transaction) on the cache worker
thread through `CacheOps`, so the UI thread never takes the write lock; the push engine delivers
it. Lists read the local copies, so "my work" works with the network down. The SLA
due time shown locally is the server's once the ticket has synced (the server fixes it); before
that it is the provisional creation time + 15 minutes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from calldesk_domain.ticket_validation import InvalidRecord, validate_ticket
from calldesk_domain.tickets import (
    OPEN_STATUSES,
    Ticket,
    TicketStatus,
    apply_action,
    new_ticket,
    redact_ticket,
    sla_state,
)
from desktop.cache.store import CacheStore
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)


def local_record(data: dict) -> dict:
    """A local record as the domain reads it: `version` is None until the first push lands."""
    return {key: value for key, value in data.items() if not (key == "version" and value is None)}


ENTITY = "ticket"
VIEWS = ("mine", "team", "overdue")


def new_ticket_id() -> str:
    """16 characters like the server's own ids: 'T' + 60 random bits in hex."""
    return "T" + uuid.uuid4().hex[:15].upper()


class TicketInvalid(InvalidRecord):
    """A ticket the domain rules refuse."""


class TicketService(QObject):
    ticketSaved = Signal(object)  # Ticket, after it is stored locally (and queued for push)

    def __init__(
        self,
        store: CacheStore,
        agent_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
        *,
        ops: CacheOps | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store  # the UI thread's store: reads only
        self.ops = ops if ops is not None else CacheOps(store.path)
        self.agent_id = agent_id
        self.clock = clock

    def draft(self, customer_id: str, call_id: str = "", category: str = "consultation") -> Ticket:
        """A new, unsaved ticket pre-linked to the customer and the call."""
        ticket = new_ticket(new_ticket_id(), customer_id, self.agent_id, self.clock(), category=category)
        ticket.call_id = call_id
        return ticket

    async def save(self, ticket: Ticket, action: str = "", note: str = "") -> Ticket:
        """Validate, apply `action` (a workflow step, optional), redact, write locally + outbox
        on the cache worker.

        Raises TicketInvalid (nothing stored), TransitionError, or CacheUnavailable (the cache
        could not be written; nothing stored, the caller keeps the ticket to try again).
        """
        issues = validate_ticket(ticket.to_dict(), self.clock().date())
        if issues:
            raise TicketInvalid(issues)
        if action:
            apply_action(ticket, action, self.agent_id, self.clock(), note)
            issues = validate_ticket(ticket.to_dict(), self.clock().date())
            if issues:
                raise TicketInvalid(issues)
        redact_ticket(ticket)
        ticket.updated_at = self.clock()
        await self.ops.run(CacheStore.write_local, ENTITY, ticket.to_dict())
        log.info("ticket %s saved locally (%s, %s)", ticket.id, ticket.status, action or "edit")
        self.ticketSaved.emit(ticket)
        return ticket

    def get(self, ticket_id: str) -> Ticket | None:
        data = self.store.local_record(ENTITY, ticket_id)
        return Ticket.from_dict(local_record(data)) if data else None

    def all(self) -> list[Ticket]:
        found = []
        for data in self.store.local_records(ENTITY):
            try:
                found.append(Ticket.from_dict(local_record(data)))
            except (TypeError, ValueError) as exc:
                log.warning("unreadable local ticket %s skipped: %s", data.get("id"), exc)
        return found

    def escalated_open_count(self) -> int:
        """Open tickets the central server escalated to a supervisor (it escalates on its own
        schedule; the flag arrives with the change feed)."""
        return sum(1 for ticket in self.all() if ticket.escalated and ticket.is_open)

    def list(self, view: str, *, group: str = "", category: str = "", status: str = "") -> list[Ticket]:
        """Tickets of a view ("mine", "team", "overdue"), SLA due time first."""
        now = self.clock()
        open_values = {s.value for s in OPEN_STATUSES}
        chosen: list[Ticket] = []
        for ticket in self.all():
            if view == "mine":
                keep = ticket.status in open_values and (
                    ticket.assignee_agent == self.agent_id
                    or (
                        not ticket.assignee_agent
                        and not ticket.assignee_group
                        and ticket.created_by == self.agent_id
                    )
                )
            elif view == "team":
                keep = (
                    ticket.status in open_values and not ticket.assignee_agent and bool(ticket.assignee_group)
                )
                keep = keep and (not group or ticket.assignee_group == group)
            elif view == "overdue":
                keep = ticket.status == TicketStatus.NEW.value and (
                    ticket.escalated or sla_state(ticket, now).overdue
                )
            else:
                keep = True
            if keep and category and ticket.category != category:
                keep = False
            if keep and status and ticket.status != status:
                keep = False
            if keep:
                chosen.append(ticket)
        far = datetime.max.replace(tzinfo=UTC)
        chosen.sort(key=lambda t: (t.sla_due_at or far, t.id))
        return chosen
