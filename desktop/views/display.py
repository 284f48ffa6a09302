"""How record values read on screen: money, dates, points and the coded vocabulary.

Codes (order status, points kind, channels...) are translated through the "Vocabulary" context;
an unknown code is shown as it came, so new server values never blank a cell.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication

from calldesk_domain.phone import mask, national_display
from desktop.views.i18n import QT_TRANSLATE_NOOP

_CONTEXT = "Vocabulary"

TIER_LABELS: dict[str, str] = {
    "high_end": QT_TRANSLATE_NOOP("Vocabulary", "High-end"),
    "important": QT_TRANSLATE_NOOP("Vocabulary", "Important"),
    "ordinary": QT_TRANSLATE_NOOP("Vocabulary", "Ordinary"),
    "small": QT_TRANSLATE_NOOP("Vocabulary", "Small"),
}

VOCABULARY: dict[str, str] = {
    # order status
    "pending_payment": QT_TRANSLATE_NOOP("Vocabulary", "Awaiting payment"),
    "paid": QT_TRANSLATE_NOOP("Vocabulary", "Paid"),
    "shipped": QT_TRANSLATE_NOOP("Vocabulary", "Shipped"),
    "completed": QT_TRANSLATE_NOOP("Vocabulary", "Completed"),
    "cancelled": QT_TRANSLATE_NOOP("Vocabulary", "Cancelled"),
    "refunded": QT_TRANSLATE_NOOP("Vocabulary", "Refunded"),
    # points kind
    "earned": QT_TRANSLATE_NOOP("Vocabulary", "Earned"),
    "redeemed": QT_TRANSLATE_NOOP("Vocabulary", "Redeemed"),
    "expired": QT_TRANSLATE_NOOP("Vocabulary", "Expired"),
    # service kind and status
    "ticket": QT_TRANSLATE_NOOP("Vocabulary", "Ticket"),
    "contact": QT_TRANSLATE_NOOP("Vocabulary", "Contact"),
    "repair": QT_TRANSLATE_NOOP("Vocabulary", "Repair"),
    "open": QT_TRANSLATE_NOOP("Vocabulary", "Open"),
    "in_progress": QT_TRANSLATE_NOOP("Vocabulary", "In progress"),
    "resolved": QT_TRANSLATE_NOOP("Vocabulary", "Resolved"),
    "closed": QT_TRANSLATE_NOOP("Vocabulary", "Closed"),
    # channels
    "phone": QT_TRANSLATE_NOOP("Vocabulary", "Phone"),
    "chat": QT_TRANSLATE_NOOP("Vocabulary", "Online chat"),
    "wechat": QT_TRANSLATE_NOOP("Vocabulary", "WeChat"),
    "email": QT_TRANSLATE_NOOP("Vocabulary", "Email"),
    "sms": QT_TRANSLATE_NOOP("Vocabulary", "SMS"),
    "app_push": QT_TRANSLATE_NOOP("Vocabulary", "App push"),
    "outbound_call": QT_TRANSLATE_NOOP("Vocabulary", "Outbound call"),
    # marketing response
    "ignored": QT_TRANSLATE_NOOP("Vocabulary", "No response"),
    "opened": QT_TRANSLATE_NOOP("Vocabulary", "Opened"),
    "clicked": QT_TRANSLATE_NOOP("Vocabulary", "Clicked"),
    "purchased": QT_TRANSLATE_NOOP("Vocabulary", "Purchased"),
    "unsubscribed": QT_TRANSLATE_NOOP("Vocabulary", "Unsubscribed"),
    # call outcomes in the recent-calls list
    "ended": QT_TRANSLATE_NOOP("Vocabulary", "Ended"),
    "answered": QT_TRANSLATE_NOOP("Vocabulary", "Answered"),
    "missed": QT_TRANSLATE_NOOP("Vocabulary", "Missed"),
    "abandoned": QT_TRANSLATE_NOOP("Vocabulary", "Abandoned"),
    "transferred": QT_TRANSLATE_NOOP("Vocabulary", "Transferred"),
    # contact-log dispositions (calldesk_domain.vocabulary.DISPOSITION_CODES; resolved, transferred above)
    "ticket_created": QT_TRANSLATE_NOOP("Vocabulary", "Ticket created"),
    "callback_needed": QT_TRANSLATE_NOOP("Vocabulary", "Call back needed"),
    "information_only": QT_TRANSLATE_NOOP("Vocabulary", "Information only"),
    "complaint": QT_TRANSLATE_NOOP("Vocabulary", "Complaint"),
    "wrong_number": QT_TRANSLATE_NOOP("Vocabulary", "Wrong number"),
    "dropped": QT_TRANSLATE_NOOP("Vocabulary", "Call dropped"),
}


def translate(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def tier_label(tier: str) -> str:
    source = TIER_LABELS.get(tier)
    return translate(source) if source else tier


def code_label(code: str) -> str:
    """The agent-facing word for a coded value; the code itself when unknown, '' for ''."""
    source = VOCABULARY.get(code)
    return translate(source) if source else code


def risk_fraction(value: float) -> float:
    """A churn score clamped to 0..1 for display; NaN (no score) reads as 0."""
    try:
        risk = float(value)
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(risk):
        return 0.0
    return min(max(risk, 0.0), 1.0)


def yuan(fen: int) -> str:
    """¥1,234.56 from integer fen, exact (no float rounding)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def points(value: int) -> str:
    return f"{int(value):,}"


def signed_points(value: int) -> str:
    return f"{int(value):+,}"


def to_datetime(value: datetime | float | int | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


def date_time(value: datetime | float | None) -> str:
    """Local wall-clock time, 2026-11-20 14:32; '' when unknown."""
    dt = to_datetime(value)
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else ""


def date_only(value: datetime | float | None) -> str:
    dt = to_datetime(value)
    return dt.astimezone().strftime("%Y-%m-%d") if dt else ""


def clock(value: datetime | float | None) -> str:
    dt = to_datetime(value)
    return dt.astimezone().strftime("%H:%M") if dt else ""


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, for labels that must not widen the window."""
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


def phone_text(e164: str | None, *, masked: bool) -> str:
    """138****8000 when masked, 138 0013 8000 otherwise."""
    return mask(e164) if masked else national_display(e164)


def duration(seconds: float) -> str:
    """mm:ss below an hour, h:mm:ss above."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
