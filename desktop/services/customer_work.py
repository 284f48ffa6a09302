"""A customer's tickets and contact logs from the cache (the card's "Tickets & contacts" tab),
and a ticket looked up by its number (the main search opens it)."""

from __future__ import annotations

import logging

from calldesk_domain.customer_work import WorkItem, newest_first
from calldesk_domain.tickets import ContactLog, Ticket
from desktop.cache.store import CacheStore
from desktop.services.tickets import local_record

log = logging.getLogger(__name__)

MAX_ITEMS = 500  # the card lists the newest; the rest are in My work and the central server


class CustomerWork:
    def __init__(self, store: CacheStore) -> None:
        self.store = store  # the UI thread's: reads only

    def for_customer(self, customer_id: str) -> list[WorkItem]:
        """Tickets and contact logs naming this customer, newest first. An unreadable record is
        skipped with a log line; a broken cache gives an empty list (and a log line)."""
        if not customer_id:
            return []
        items: list[WorkItem] = []
        for entity, build in (("ticket", _ticket), ("contact", _contact)):
            for data in self.store.local_records_of_customer(entity, customer_id):
                try:
                    items.append(build(data))
                except (TypeError, ValueError, KeyError) as exc:
                    log.warning("unreadable local %s %s skipped: %s", entity, data.get("id"), exc)
        return newest_first(items, MAX_ITEMS)

    def ticket_number(self, text: str) -> str | None:
        """The id of the cached ticket whose number is `text` (as typed, or in capitals)."""
        text = text.strip()
        if not text or len(text) > 64:
            return None
        for candidate in dict.fromkeys((text, text.upper())):
            if self.store.local_record("ticket", candidate) is not None:
                return candidate
        return None


def _ticket(data: dict) -> WorkItem:
    return WorkItem.of_ticket(Ticket.from_dict(local_record(data)))


def _contact(data: dict) -> WorkItem:
    return WorkItem.of_contact(ContactLog.from_dict(local_record(data)))
