"""AuditService: who opened which customer, from which call, and who saw a number in full.

Views are recorded locally (one outbox row each, desktop/cache/audit_log.py) on the cache worker
thread after the card is painted, so the screen pop never waits for it, and they reach the
server with the next push whether the desktop was online or not. One view per customer per call
(a card repainted three times during one call is one view).

A reveal is the audited online request (`POST /customers/{id}/reveal`: the server records it
before it answers, so no number leaves it unrecorded). The desktop then queues the same event
(same event id) in its outbox like a view; the server finds it recorded, one audit row. Offline,
a number can only be revealed if the cache holds it in full (a role the policy lets see numbers);
that reveal is recorded locally and pushed like a view. An agent's cache holds no full numbers
(docs/security.md), so offline their reveal says it needs the server. Revealed numbers are
handed to the caller only: never written to the cache.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from desktop.cache.outbox import new_id
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)

_REMEMBERED_VIEWS = 500  # (call, customer) pairs already recorded in this session


class RevealUnavailable(Exception):
    """The numbers cannot be shown now; the message says why, `reason` is "offline" (needs the
    server), "missing" (no such customer on the server) or "refused" (the server said no)."""

    def __init__(self, message: str, reason: str = "refused") -> None:
        super().__init__(message)
        self.reason = reason


class AuditService:
    def __init__(self, ops: CacheOps, api: CentralApi | None = None) -> None:
        self.ops = ops
        self.api = api
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def record_view(self, customer_id: str | None, call_id: str = "") -> None:
        """The agent sees this customer's card (from `call_id`, "" if not during a call)."""
        if not customer_id:
            return
        key = (call_id or "", customer_id)
        if key in self._seen:
            return
        self._seen[key] = None
        while len(self._seen) > _REMEMBERED_VIEWS:
            self._seen.popitem(last=False)
        task = asyncio.ensure_future(self._write("view", customer_id, call_id or ""))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, action: str, customer_id: str, call_id: str, event_id: str = "") -> None:
        try:
            await self.ops.run(CacheStore.record_audit, action, customer_id, call_id, event_id)
        except Exception:  # an audit row lost must be visible in the log, never break the card
            log.exception("audit: %s of %s (call %r) not recorded", action, customer_id, call_id)

    async def reveal(self, customer_id: str, call_id: str = "", cached: list[str] | None = None) -> list[str]:
        """The numbers in full: from the server (which audits it), or offline from `cached` (the
        cache's full numbers, if it holds them), audited locally. Raises RevealUnavailable."""
        if self.api is not None:
            event_id = new_id()
            try:
                numbers = await self.api.reveal(customer_id, call_id, event_id)
            except ApiError as exc:
                if not exc.unreachable:
                    raise RevealUnavailable(exc.message) from exc
                log.info("audit: reveal of %s offline: %s", customer_id, exc.message)
            else:
                if numbers is None:
                    raise RevealUnavailable(f"customer {customer_id} does not exist on the server", "missing")
                await self._write("reveal", customer_id, call_id, event_id)  # the server has it already
                return numbers
        full = [number for number in cached or [] if "*" not in number]
        if not full:
            raise RevealUnavailable(
                "the full number is only available while connected to the server", "offline"
            )
        await self._write("reveal", customer_id, call_id)
        return full

    async def close(self) -> None:
        """Let queued audit writes finish (they are a few milliseconds each)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=3)
