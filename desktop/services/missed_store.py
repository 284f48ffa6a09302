"""Missed calls kept in the local cache (issue #14): written on the cache worker through CacheOps,
read back at start so the list and the unseen count survive a restart.

At start: every missed call of today (on the centre's clock) and every one still unseen of the
last KEEP_DAYS; older rows are pruned. A damaged stored row costs that row (logged), not the list.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import tzinfo

from calldesk_domain.missed_calls import MissedCall
from desktop.cache.store import CacheStore
from desktop.services.agent_history import KEEP_DAYS, local_midnight
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)


class MissedCallStore:
    def __init__(self, ops: CacheOps, zone: tzinfo, clock: Callable[[], float] = time.time) -> None:
        self.ops = ops
        self.zone = zone
        self.clock = clock

    async def load(self) -> list[MissedCall]:
        """Today's missed calls and the older unseen ones, oldest first."""
        now = self.clock()
        oldest = now - KEEP_DAYS * 86_400
        await self.ops.run(CacheStore.prune_missed, oldest)
        calls: list[MissedCall] = []
        for record in await self.ops.run(CacheStore.missed_since, local_midnight(now, self.zone), oldest):
            try:
                calls.append(MissedCall.from_record(record))
            except ValueError as exc:
                log.warning("stored missed call %s skipped: %s", record.get("id"), exc)
        log.info("missed calls: %d reloaded (%d unseen)", len(calls), sum(not c.seen for c in calls))
        return calls

    async def record(self, call: MissedCall) -> None:
        await self.ops.run(CacheStore.record_missed, call.to_record())

    async def mark_seen(self, call_ids: Iterable[str]) -> None:
        await self.ops.run(CacheStore.mark_missed_seen, list(call_ids), self.clock())
