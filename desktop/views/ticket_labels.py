"""What ticket codes read on screen: category, priority, status, service mode, team and complaint
step, one table for every ticket view (form, my work). An unknown code is shown as it came."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

_CONTEXT = "TicketLabels"

# cast: PySide's stubs type QT_TRANSLATE_NOOP as returning object; it returns its source text.
TICKET_LABELS = cast(
    dict[str, str],
    {
        "consultation": QT_TRANSLATE_NOOP("TicketLabels", "Consultation"),
        "fault": QT_TRANSLATE_NOOP("TicketLabels", "Fault / repair"),
        "complaint": QT_TRANSLATE_NOOP("TicketLabels", "Complaint"),
        "return": QT_TRANSLATE_NOOP("TicketLabels", "Return / exchange"),
        "suggestion": QT_TRANSLATE_NOOP("TicketLabels", "Suggestion"),
        "low": QT_TRANSLATE_NOOP("TicketLabels", "Low"),
        "normal": QT_TRANSLATE_NOOP("TicketLabels", "Normal"),
        "high": QT_TRANSLATE_NOOP("TicketLabels", "High"),
        "urgent": QT_TRANSLATE_NOOP("TicketLabels", "Urgent"),
        "phone": QT_TRANSLATE_NOOP("TicketLabels", "Resolved by phone"),
        "on_site": QT_TRANSLATE_NOOP("TicketLabels", "On-site repair"),
        "carry_in": QT_TRANSLATE_NOOP("TicketLabels", "Carry-in"),
        "mail_in": QT_TRANSLATE_NOOP("TicketLabels", "Mail-in"),
        "paid": QT_TRANSLATE_NOOP("TicketLabels", "Paid service"),
        "L2-hotline": QT_TRANSLATE_NOOP("TicketLabels", "Second line (hotline engineers)"),
        "complaints": QT_TRANSLATE_NOOP("TicketLabels", "Complaints desk"),
        "field-service": QT_TRANSLATE_NOOP("TicketLabels", "Field service"),
        "returns": QT_TRANSLATE_NOOP("TicketLabels", "Returns desk"),
        "new": QT_TRANSLATE_NOOP("TicketLabels", "New"),
        "assigned": QT_TRANSLATE_NOOP("TicketLabels", "Assigned"),
        "in_progress": QT_TRANSLATE_NOOP("TicketLabels", "In progress"),
        "waiting_customer": QT_TRANSLATE_NOOP("TicketLabels", "Waiting for customer"),
        "resolved": QT_TRANSLATE_NOOP("TicketLabels", "Resolved"),
        "closed": QT_TRANSLATE_NOOP("TicketLabels", "Closed"),
        "recorded": QT_TRANSLATE_NOOP("TicketLabels", "Recorded"),
        "acknowledged": QT_TRANSLATE_NOOP("TicketLabels", "Acknowledged"),
        "investigating": QT_TRANSLATE_NOOP("TicketLabels", "Investigating"),
        "called_back": QT_TRANSLATE_NOOP("TicketLabels", "Called back"),
        "satisfaction_checked": QT_TRANSLATE_NOOP("TicketLabels", "Satisfaction checked"),
    },
)


def ticket_label(code: str) -> str:
    """The agent-facing word for a ticket code; the code itself when unknown."""
    source = TICKET_LABELS.get(code)
    return QCoreApplication.translate(_CONTEXT, source) if source else code
