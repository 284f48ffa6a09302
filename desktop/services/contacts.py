"""ContactService: every call ends with a contact record (wrap-up).

`call_ended` (the desks call it when the agent's call ends; the AgentSession owns the call and
knows when it was answered) opens a pending contact with direction, channel and start/end
taken from the CTI, and emits `wrapUpNeeded`. The agent completes it (disposition, notes,
linked ticket, satisfaction) and `save` writes it offline first: `CacheStore.write_local` on the
cache worker thread through `CacheOps` (the UI thread never takes the write lock). While a
contact is pending and `require_before_ready` is set, `may_go_ready()` is False.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from calldesk_domain.ticket_validation import InvalidRecord, validate_contact
from calldesk_domain.tickets import ContactLog, Direction, redact_contact
from calldesk_domain.vocabulary import DISPOSITION_CODES
from desktop.cache.store import CacheStore
from desktop.services.ops import CacheOps
from desktop.services.tickets import local_record

log = logging.getLogger(__name__)


ENTITY = "contact"


def new_contact_id() -> str:
    return "K" + uuid.uuid4().hex[:15].upper()


class ContactInvalid(InvalidRecord):
    """A contact log the domain rules refuse."""


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


class ContactService(QObject):
    wrapUpNeeded = Signal(object)  # ContactLog draft for a call that just ended
    contactSaved = Signal(object)  # ContactLog stored locally
    saveFailed = Signal(object, str)  # ContactLog handed to `submit`, why the cache refused it

    def __init__(
        self,
        store: CacheStore,
        agent_id: str,
        *,
        ops: CacheOps | None = None,
        dispositions: tuple[str, ...] = DISPOSITION_CODES,
        require_before_ready: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store  # the UI thread's store: reads only
        self.ops = ops if ops is not None or store is None else CacheOps(store.path)
        self.agent_id = agent_id
        self.dispositions = tuple(dispositions) or DISPOSITION_CODES
        self.require_before_ready = require_before_ready
        self.clock = clock
        self.pending: dict[str, ContactLog] = {}  # call_id -> unsaved contact
        self._writes: set[asyncio.Task[None]] = set()

    def call_ended(
        self,
        call_id: str,
        *,
        started: float,
        ended: float,
        customer_id: str = "",
        extra: dict | None = None,
    ) -> ContactLog | None:
        """A call of this agent ended: open its pending contact and emit `wrapUpNeeded`.
        `started` is when it was answered (its end when it never was), both CTI epoch seconds.
        None when the call's contact is already pending. Never raises."""
        if call_id in self.pending:
            return None
        try:
            extra = extra or {}
            direction = extra.get("direction")
            contact = ContactLog(
                id=new_contact_id(),
                call_id=call_id,
                agent_id=self.agent_id,
                customer_id=customer_id,
                direction=direction if direction in {d.value for d in Direction} else Direction.INBOUND.value,
                channel=str(extra.get("channel") or "phone"),
                started_at=_ts(started),
                ended_at=_ts(ended),
            )
        except Exception:
            log.exception("contact log: could not open the contact of call %s", call_id)
            return None
        self.pending[call_id] = contact
        self.wrapUpNeeded.emit(contact)
        return contact

    def open_for(self, call_id: str = "", customer_id: str = "") -> ContactLog:
        """A pending contact to log by hand (Ctrl+L): the call's if one is pending, else a new one."""
        if call_id in self.pending:
            return self.pending[call_id]
        now = self.clock()
        contact = ContactLog(
            id=new_contact_id(),
            call_id=call_id or f"manual-{uuid.uuid4().hex[:8]}",
            agent_id=self.agent_id,
            customer_id=customer_id,
            started_at=now,
            ended_at=now,
        )
        return contact

    def check(self, contact: ContactLog) -> None:
        """Raises ContactInvalid when the domain rules refuse `contact` (nothing is written)."""
        issues = validate_contact(contact.to_dict())
        if issues:
            raise ContactInvalid(issues)

    async def save(self, contact: ContactLog) -> ContactLog:
        """Validate, redact and write the contact (record + outbox) on the cache worker; it stays
        pending until the write is done. Raises ContactInvalid or CacheUnavailable."""
        self.check(contact)
        redact_contact(contact)
        contact.created_at = contact.created_at or self.clock()
        if self.ops is None:
            raise RuntimeError("a ContactService without a cache cannot save")
        await self.ops.run(CacheStore.write_local, ENTITY, contact.to_dict())
        self.pending.pop(contact.call_id, None)
        log.info("contact %s for call %s saved locally", contact.id, contact.call_id)
        self.contactSaved.emit(contact)
        return contact

    def submit(self, contact: ContactLog) -> ContactLog:
        """`save` for a view that takes a plain callable (the wrap-up dialog): raises
        ContactInvalid at once; the write runs in a task (`settled()` awaits it) and a cache
        failure is emitted as `saveFailed` with the one CacheUnavailable message."""
        self.check(contact)
        task = asyncio.ensure_future(self._write(contact))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return contact

    async def _write(self, contact: ContactLog) -> None:
        try:
            await self.save(contact)
        except Exception as exc:  # not stored: a call's contact stays pending, nothing is lost
            log.warning("contact %s for call %s not saved: %s", contact.id, contact.call_id, exc)
            self.saveFailed.emit(contact, str(exc))

    async def settled(self) -> None:
        """Until every contact handed to `submit` is written or refused."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    def may_go_ready(self) -> bool:
        return not (self.require_before_ready and self.pending)

    def saved(self) -> list[ContactLog]:
        return [ContactLog.from_dict(local_record(d)) for d in self.store.local_records(ENTITY)]
