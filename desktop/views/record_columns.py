"""Column definitions for the record tables: what each tab shows and in what order."""

from __future__ import annotations

from dataclasses import dataclass

from calldesk_domain.models import MarketingTouch, Order, PointsEntry, ServiceRecord
from calldesk_domain.popcard import PopCard
from desktop.views import display
from desktop.views.i18n import QT_TRANSLATE_NOOP
from desktop.views.record_model import RIGHT, Column

POSITIVE = "#1a7f37"
NEGATIVE = "#b42318"


def items_summary(order: Order) -> str:
    return "，".join(f"{item.name} ×{item.qty}" for item in order.items)


def _points_colour(entry: PointsEntry) -> str | None:
    return POSITIVE if entry.points > 0 else NEGATIVE if entry.points < 0 else None


ORDER_COLUMNS = (
    Column(QT_TRANSLATE_NOOP("Columns", "Order no."), lambda o: o.order_no, 170),
    Column(QT_TRANSLATE_NOOP("Columns", "Date"), lambda o: display.date_time(o.placed_at), 132),
    Column(QT_TRANSLATE_NOOP("Columns", "Status"), lambda o: display.code_label(o.status), 92),
    Column(QT_TRANSLATE_NOOP("Columns", "Amount"), lambda o: display.yuan(o.amount_fen), 104, RIGHT),
    Column(QT_TRANSLATE_NOOP("Columns", "Items"), items_summary, 0),
    Column(QT_TRANSLATE_NOOP("Columns", "Logistics"), lambda o: o.logistics_status, 170),
)

POINTS_COLUMNS = (
    Column(QT_TRANSLATE_NOOP("Columns", "Date"), lambda p: display.date_time(p.ts), 132),
    Column(QT_TRANSLATE_NOOP("Columns", "Type"), lambda p: display.code_label(p.kind), 92),
    Column(
        QT_TRANSLATE_NOOP("Columns", "Points"),
        lambda p: display.signed_points(p.points),
        96,
        RIGHT,
        colour=_points_colour,
    ),
    Column(QT_TRANSLATE_NOOP("Columns", "Note"), lambda p: p.note, 0),
)

SERVICE_COLUMNS = (
    Column(QT_TRANSLATE_NOOP("Columns", "Date"), lambda s: display.date_time(s.ts), 132),
    Column(QT_TRANSLATE_NOOP("Columns", "Type"), lambda s: display.code_label(s.kind), 80),
    Column(QT_TRANSLATE_NOOP("Columns", "Summary"), lambda s: s.summary, 0),
    Column(QT_TRANSLATE_NOOP("Columns", "Status"), lambda s: display.code_label(s.status), 92),
    Column(QT_TRANSLATE_NOOP("Columns", "Channel"), lambda s: display.code_label(s.channel), 96),
)

MARKETING_COLUMNS = (
    Column(QT_TRANSLATE_NOOP("Columns", "Date"), lambda m: display.date_time(m.ts), 132),
    Column(QT_TRANSLATE_NOOP("Columns", "Campaign"), lambda m: m.campaign, 0),
    Column(QT_TRANSLATE_NOOP("Columns", "Channel"), lambda m: display.code_label(m.channel), 110),
    Column(QT_TRANSLATE_NOOP("Columns", "Response"), lambda m: display.code_label(m.response) or "—", 110),
)


@dataclass(frozen=True, slots=True)
class MatchRow:
    """A pop card as listed in the chooser or search results, with the masking the role requires."""

    card: PopCard
    masked: bool

    def phone(self) -> str:
        return display.phone_text(self.card.phones[0], masked=self.masked) if self.card.phones else ""


MATCH_COLUMNS = (
    Column(QT_TRANSLATE_NOOP("Columns", "Name"), lambda r: r.card.name, 130),
    Column(QT_TRANSLATE_NOOP("Columns", "Tier"), lambda r: display.tier_label(r.card.tier), 80),
    Column(QT_TRANSLATE_NOOP("Columns", "Membership"), lambda r: r.card.membership_level, 100),
    Column(QT_TRANSLATE_NOOP("Columns", "Phone"), MatchRow.phone, 140),
    Column(
        QT_TRANSLATE_NOOP("Columns", "Last order"), lambda r: display.date_only(r.card.last_order_at), 110
    ),
    Column(
        QT_TRANSLATE_NOOP("Columns", "Last contact"), lambda r: display.date_only(r.card.last_contact_at), 0
    ),
)


RECORD_TYPES = (Order, PointsEntry, ServiceRecord, MarketingTouch)
