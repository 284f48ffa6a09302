"""Tickets (工单) and contact logs: records and the pure rules of the service flows.

- Ticket life: new -> assigned -> in_progress -> waiting_customer -> resolved -> closed, with
  reopen (`TRANSITIONS`); a ticket resolved on the phone may go new -> resolved directly.
- Complaints (category "complaint") also walk their own stages: record -> acknowledge ->
  investigate -> resolve -> call back -> satisfaction check (`COMPLAINT_STAGES`); a complaint
  cannot be resolved before it is investigated, nor closed before the satisfaction check.
- SLA: a ticket the agent cannot resolve must be handed to second line (assigned) within
  15 minutes of creation (`HANDOFF_SLA`); past that it is overdue and escalated to a supervisor.
  The central API sets `sla_due_at` (server clock is the truth); `sla_state` reads it.
- Warranty: in warranty while the purchase date plus the product's warranty length is not past.

No Qt, no SQL, no I/O: every function takes the clock (`now`, `today`) as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from calldesk_domain.models import _Record
from calldesk_domain.redaction import redact_cards


class Category(StrEnum):
    CONSULTATION = "consultation"
    FAULT = "fault"  # fault / repair
    COMPLAINT = "complaint"
    RETURN = "return"  # return / exchange
    SUGGESTION = "suggestion"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ServiceMode(StrEnum):
    PHONE = "phone"  # resolved on the phone
    ON_SITE = "on_site"
    CARRY_IN = "carry_in"
    MAIL_IN = "mail_in"
    PAID = "paid"


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ComplaintStage(StrEnum):
    RECORDED = "recorded"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    CALLED_BACK = "called_back"
    SATISFACTION_CHECKED = "satisfaction_checked"


class WarrantyStatus(StrEnum):
    IN_WARRANTY = "in_warranty"
    OUT_OF_WARRANTY = "out_of_warranty"
    UNKNOWN = "unknown"  # no purchase date


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


# Status -> {action: next status}. Anything not listed is refused.
TRANSITIONS: dict[TicketStatus, dict[str, TicketStatus]] = {
    TicketStatus.NEW: {"assign": TicketStatus.ASSIGNED, "resolve": TicketStatus.RESOLVED},
    TicketStatus.ASSIGNED: {"start": TicketStatus.IN_PROGRESS, "resolve": TicketStatus.RESOLVED},
    TicketStatus.IN_PROGRESS: {
        "wait_customer": TicketStatus.WAITING_CUSTOMER,
        "resolve": TicketStatus.RESOLVED,
    },
    TicketStatus.WAITING_CUSTOMER: {"resume": TicketStatus.IN_PROGRESS, "resolve": TicketStatus.RESOLVED},
    TicketStatus.RESOLVED: {"close": TicketStatus.CLOSED, "reopen": TicketStatus.IN_PROGRESS},
    TicketStatus.CLOSED: {"reopen": TicketStatus.IN_PROGRESS},
}

OPEN_STATUSES = frozenset(
    {TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_CUSTOMER}
)

COMPLAINT_STAGES: tuple[ComplaintStage, ...] = tuple(ComplaintStage)
# Complaint stage -> the action that moves a complaint into it.
COMPLAINT_ACTIONS: dict[ComplaintStage, str] = {
    ComplaintStage.ACKNOWLEDGED: "acknowledge",
    ComplaintStage.INVESTIGATING: "investigate",
    ComplaintStage.RESOLVED: "resolve_complaint",
    ComplaintStage.CALLED_BACK: "call_back",
    ComplaintStage.SATISFACTION_CHECKED: "satisfaction_check",
}

HANDOFF_SLA = timedelta(minutes=15)
DUE_SOON = timedelta(minutes=5)
DEFAULT_WARRANTY_MONTHS = 12
# Warranty length by product model prefix (longest prefix wins); others get the default.
PRODUCT_WARRANTY_MONTHS: dict[str, int] = {
    "AC-": 36,  # air conditioners: 3 years whole unit
    "RF-": 36,  # refrigerators
    "WM-": 24,  # washing machines
    "TV-": 24,
    "PH-": 12,  # phones
    "EP-": 12,  # earphones
}

MAX_COMMENT = 2000
REQUIRED_FIELDS = ("customer_id", "category", "priority", "fault_description", "service_mode")
MAX_TEXT = 4000


class TransitionError(ValueError):
    """An action that is not allowed from the ticket's current status or stage."""


@dataclass(slots=True)
class TicketHistoryEntry(_Record):
    ts: datetime | None
    who: str
    action: str
    from_status: str = ""
    to_status: str = ""
    note: str = ""

    _TS_FIELDS = ("ts",)


@dataclass(slots=True)
class TicketComment(_Record):
    """One comment on a ticket: who wrote it, when, and the (card-redacted) text."""

    ts: datetime | None
    author: str
    text: str

    _TS_FIELDS = ("ts",)


@dataclass(slots=True)
class Ticket(_Record):
    id: str
    customer_id: str
    category: str = Category.CONSULTATION.value
    priority: str = Priority.NORMAL.value
    status: str = TicketStatus.NEW.value
    complaint_stage: str = ""  # a ComplaintStage for complaints, else ""
    call_id: str = ""
    product_model: str = ""
    product_serial: str = ""
    purchase_date: str = ""  # ISO date (YYYY-MM-DD) or ""
    warranty_status: str = WarrantyStatus.UNKNOWN.value
    fault_description: str = ""
    service_mode: str = ServiceMode.PHONE.value
    assignee_group: str = ""
    assignee_agent: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    sla_due_at: datetime | None = None  # set by the central API
    escalated: bool = False
    kb_article_ids: list[str] = field(default_factory=list)
    comments: list[TicketComment] = field(default_factory=list)  # oldest first
    history: list[TicketHistoryEntry] = field(default_factory=list)
    version: int = 1

    _TS_FIELDS = ("created_at", "updated_at", "sla_due_at")
    _NESTED = {"history": TicketHistoryEntry, "comments": TicketComment}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_complaint(self) -> bool:
        return self.category == Category.COMPLAINT.value


@dataclass(slots=True)
class ContactLog(_Record):
    """One finished call (or chat): what the agent logs at wrap-up."""

    id: str
    call_id: str
    agent_id: str
    customer_id: str = ""
    direction: str = Direction.INBOUND.value
    channel: str = "phone"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    disposition: str = ""
    notes: str = ""
    ticket_id: str = ""
    satisfaction: int | None = None  # 1..5 when a survey was attached
    created_at: datetime | None = None
    version: int = 1

    _TS_FIELDS = ("started_at", "ended_at", "created_at")


@dataclass(slots=True)
class Attachment(_Record):
    """A file attached to a ticket. The record syncs like any other; the bytes travel separately
    (PUT /api/v1/attachments/{id}) and are checked against `sha256`."""

    id: str
    ticket_id: str
    name: str
    size: int
    sha256: str
    mime: str = "application/octet-stream"
    created_by: str = ""
    created_at: datetime | None = None
    version: int = 1

    _TS_FIELDS = ("created_at",)


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_NAME = 200


# ------------------------------------------------------------------ workflow ------------------
def allowed_actions(ticket: Ticket) -> list[str]:
    """Actions the agent may take now, in the order the form offers them."""
    try:
        status = TicketStatus(ticket.status)
    except ValueError:
        return []
    actions = [
        action
        for action in TRANSITIONS[status]
        if not (action == "close" and ticket.is_complaint and not _complaint_done(ticket))
    ]
    if ticket.is_complaint and status in OPEN_STATUSES | {TicketStatus.RESOLVED}:
        nxt = next_complaint_stage(ticket)
        if nxt is not None:
            actions.append(COMPLAINT_ACTIONS[nxt])
    complaint_unresolved = not _complaint_reached(ticket, ComplaintStage.RESOLVED)
    if ticket.is_complaint and "resolve" in actions and complaint_unresolved:
        actions.remove("resolve")
    return actions


def _complaint_done(ticket: Ticket) -> bool:
    return ticket.complaint_stage == ComplaintStage.SATISFACTION_CHECKED.value


def _complaint_reached(ticket: Ticket, stage: ComplaintStage) -> bool:
    try:
        current = COMPLAINT_STAGES.index(ComplaintStage(ticket.complaint_stage))
    except ValueError:
        return False
    return current >= COMPLAINT_STAGES.index(stage)


def next_complaint_stage(ticket: Ticket) -> ComplaintStage | None:
    if not ticket.is_complaint:
        return None
    try:
        index = COMPLAINT_STAGES.index(ComplaintStage(ticket.complaint_stage))
    except ValueError:
        return ComplaintStage.RECORDED
    return COMPLAINT_STAGES[index + 1] if index + 1 < len(COMPLAINT_STAGES) else None


def apply_action(ticket: Ticket, action: str, who: str, now: datetime, note: str = "") -> Ticket:
    """Apply `action` in place (status or complaint stage), append the history entry, return it.

    Raises TransitionError when the action is not offered by `allowed_actions`.
    """
    if action not in allowed_actions(ticket):
        raise TransitionError(f"{action!r} is not allowed for a {ticket.status} ticket")
    before = ticket.status
    complaint_targets = {name: stage for stage, name in COMPLAINT_ACTIONS.items()}
    if action in complaint_targets:
        stage = complaint_targets[action]
        entry = TicketHistoryEntry(now, who, action, ticket.complaint_stage, stage.value, redact_cards(note))
        ticket.complaint_stage = stage.value
    else:
        target = TRANSITIONS[TicketStatus(before)][action]
        ticket.status = target.value
        if action == "reopen" and ticket.is_complaint:
            ticket.complaint_stage = ComplaintStage.INVESTIGATING.value
        entry = TicketHistoryEntry(now, who, action, before, target.value, redact_cards(note))
    ticket.history.append(entry)
    ticket.updated_at = now
    return ticket


def new_ticket(
    ticket_id: str, customer_id: str, who: str, now: datetime, *, category: str = Category.CONSULTATION.value
) -> Ticket:
    """A fresh ticket with its "create" history entry (complaints start at "recorded")."""
    ticket = Ticket(id=ticket_id, customer_id=customer_id, category=category, created_by=who)
    ticket.created_at = ticket.updated_at = now
    ticket.sla_due_at = sla_due(now)
    if category == Category.COMPLAINT.value:
        ticket.complaint_stage = ComplaintStage.RECORDED.value
    ticket.history.append(TicketHistoryEntry(now, who, "create", "", TicketStatus.NEW.value))
    return ticket


# ------------------------------------------------------------------ SLA -----------------------
def sla_due(created_at: datetime) -> datetime:
    return created_at + HANDOFF_SLA


@dataclass(frozen=True, slots=True)
class SlaState:
    state: str  # "met" | "ok" | "due_soon" | "overdue" | "none"
    remaining: timedelta  # negative when overdue; zero when met/none

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def _handed_off(ticket: Ticket) -> bool:
    return ticket.status != TicketStatus.NEW.value


def sla_state(ticket: Ticket, now: datetime) -> SlaState:
    """Where the hand-off clock stands at `now`: met once the ticket left "new"."""
    if ticket.sla_due_at is None:
        return SlaState("none", timedelta(0))
    if _handed_off(ticket):
        return SlaState("met", timedelta(0))
    remaining = ticket.sla_due_at - now
    if remaining < timedelta(0):
        return SlaState("overdue", remaining)
    if remaining <= DUE_SOON:
        return SlaState("due_soon", remaining)
    return SlaState("ok", remaining)


def needs_escalation(ticket: Ticket, now: datetime) -> bool:
    return not ticket.escalated and sla_state(ticket, now).overdue


def escalate(ticket: Ticket, now: datetime, who: str = "system", to: str = "supervisor") -> Ticket:
    """Mark an overdue ticket escalated to `to`, with a history entry."""
    ticket.escalated = True
    ticket.history.append(
        TicketHistoryEntry(now, who, "escalate", ticket.status, ticket.status, f"escalated to {to}")
    )
    ticket.updated_at = now
    return ticket


def format_countdown(remaining: timedelta) -> str:
    """ "14:59" / "-02:05" (overdue): minutes and seconds, negative when past due."""
    seconds = int(remaining.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 60:02d}:{seconds % 60:02d}"


# ------------------------------------------------------------------ warranty ------------------
def warranty_months(product_model: str) -> int:
    model = product_model.strip().upper()
    best = ""
    for prefix in PRODUCT_WARRANTY_MONTHS:
        if model.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return PRODUCT_WARRANTY_MONTHS[best] if best else DEFAULT_WARRANTY_MONTHS


def add_months(start: date, months: int) -> date:
    """`start` plus whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, min(start.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class Warranty:
    status: WarrantyStatus
    ends_on: date | None


def parse_purchase_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def warranty_for(product_model: str, purchase_date: str | date | None, today: date) -> Warranty:
    """In warranty up to and including the last day (purchase + length - 1 day)."""
    bought = parse_purchase_date(purchase_date)
    if bought is None:
        return Warranty(WarrantyStatus.UNKNOWN, None)
    ends_on = add_months(bought, warranty_months(product_model)) - timedelta(days=1)
    status = WarrantyStatus.IN_WARRANTY if today <= ends_on else WarrantyStatus.OUT_OF_WARRANTY
    return Warranty(status, ends_on)


def redact_ticket(ticket: Ticket) -> Ticket:
    """Redact card numbers from every free-text field before the ticket is stored."""
    ticket.fault_description = redact_cards(ticket.fault_description)
    for comment in ticket.comments:
        comment.text = redact_cards(comment.text)
    for entry in ticket.history:
        entry.note = redact_cards(entry.note)
    return ticket


def redact_contact(contact: ContactLog) -> ContactLog:
    contact.notes = redact_cards(contact.notes)
    return contact


def utc_now() -> datetime:
    return datetime.now(UTC)
