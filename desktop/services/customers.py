"""Customers the agent creates at the desk (an unknown caller): validated, written to the cache
with an outbox row in one transaction (so it reaches the central server when the push runs, and
survives being offline), and immediately findable by the pop index and search."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from calldesk_domain.models import Customer, Phone
from calldesk_domain.phone import DEFAULT_REGION, normalize
from calldesk_domain.popcard import PopCard
from desktop.cache.outbox import new_customer_id
from desktop.cache.store import CacheStore
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)

MAX_NAME = 64


class CustomerFormError(ValueError):
    """What is wrong with the form: `field` ("name" | "phone") and `code` (name_missing,
    name_too_long, phone_invalid); the view words it in the agent's language."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True, slots=True)
class NewCustomer:
    name: str
    e164: str


def validate_new_customer(name: str, phone: str, region: str = DEFAULT_REGION) -> NewCustomer:
    """Clean the form or raise CustomerFormError (never anything else); a number without a
    country code is one of `region` (Settings.phone_region)."""
    name = " ".join((name or "").split())
    if not name:
        raise CustomerFormError("name", "name_missing")
    if len(name) > MAX_NAME:
        raise CustomerFormError("name", "name_too_long")
    e164 = normalize(phone or "", region)
    if e164 is None:
        raise CustomerFormError("phone", "phone_invalid")
    return NewCustomer(name, e164)


def customer_record(new: NewCustomer, now: datetime | None = None) -> dict:
    """The customer as the cache and the push expect it (Customer.to_dict shape), with a client id."""
    now = now or datetime.now(UTC)
    kind = "mobile" if new.e164.startswith("+861") else "landline"
    customer = Customer(
        id=new_customer_id(),
        name=new.name,
        phones=[Phone(new.e164, kind, "")],
        created_at=now,
        updated_at=now,
    )
    return customer.to_dict()


class CustomerService:
    def __init__(
        self, store: CacheStore, ops: CacheOps | None = None, *, region: str = DEFAULT_REGION
    ) -> None:
        """`store` is the UI thread's (reads only); the write goes through `ops` (the worker);
        `region`: Settings.phone_region, for numbers typed without a country code."""
        self.store = store
        self.region = region
        self.ops = ops if ops is not None else CacheOps(store.path)

    async def create(self, name: str, phone: str) -> PopCard:
        """Validate, write offline-first, return the new customer's pop card.
        Raises CustomerFormError for bad input; CacheUnavailable if the cache cannot be written."""
        new = validate_new_customer(name, phone, self.region)
        record = customer_record(new)
        await self.ops.run(CacheStore.write_local, "customer", record)
        log.info("customer %s created at the desk (outbox)", record["id"])
        card = self.store.pop_card(record["id"])
        if card is None:  # the write committed on the worker's connection; this one must see it
            raise OSError(f"customer {record['id']} was written but cannot be read back")
        return card
