"""The pop card: the small, indexed summary of a customer shown the instant a call rings.

Plain data, no I/O. The cache builds it from its pop index; the lookup service builds it from an
API `Customer` when the cache misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calldesk_domain.models import CHURN_WARNING_THRESHOLD, Customer


@dataclass(frozen=True, slots=True)
class PopCard:
    customer_id: str
    name: str
    tier: str
    membership_level: str
    points_balance: int
    churn_risk: float
    churn_reasons: tuple[str, ...]
    tags: tuple[str, ...]
    phones: tuple[str, ...]  # E.164
    last_order_at: datetime | None
    last_contact_at: datetime | None

    @property
    def churn_warning(self) -> bool:
        return self.churn_risk >= CHURN_WARNING_THRESHOLD

    @classmethod
    def from_customer(
        cls,
        customer: Customer,
        last_order_at: datetime | None = None,
        last_contact_at: datetime | None = None,
    ) -> PopCard:
        return cls(
            customer_id=customer.id,
            name=customer.name,
            tier=customer.tier,
            membership_level=customer.membership_level,
            points_balance=customer.points_balance,
            churn_risk=customer.churn_risk,
            churn_reasons=tuple(customer.churn_reasons),
            tags=tuple(customer.tags),
            phones=tuple(p.e164 for p in customer.phones),
            last_order_at=last_order_at,
            last_contact_at=last_contact_at,
        )
