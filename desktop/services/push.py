"""PushSync: send the outbox to the central API (docs/sync-protocol.md "Push (outbox)").

Reading the batch and recording the answers run on the cache worker thread (each answer set in
one transaction); only the HTTP request runs on the event loop. Transport retries (backoff with
jitter, Retry-After, 401 refresh) are CentralApi's; a push that still fails raises ApiError and
leaves every row queued with `attempts` + 1.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from desktop.cache.outbox import OutboxEntry
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)

DEFAULT_BATCH = 100


@dataclass(frozen=True, slots=True)
class PushResult:
    batches: int
    applied: int
    merged: int
    conflicts: int
    rejected: int
    remaining: int  # outbox rows left (0 when everything went through)


def mutation(entry: OutboxEntry) -> dict:
    """The wire form of one outbox row."""
    return {
        "client_id": entry.client_id,
        "entity": entry.entity,
        "id": entry.entity_id,
        "op": entry.op,
        "base_version": entry.base_version,
        "data": entry.payload if entry.op == "upsert" else None,
    }


class PushSync:
    """Pushes the outbox of one cache file in batches until it is empty or a request fails."""

    def __init__(
        self,
        api: CentralApi,
        cache_path: Path | str,
        batch_size: int = DEFAULT_BATCH,
        max_batches: int = 1000,
        ops: CacheOps | None = None,
    ) -> None:
        self._api = api
        self._path = Path(cache_path)
        self._ops = ops if ops is not None else CacheOps(self._path)
        self._batch_size = max(1, min(500, batch_size))
        self._max_batches = max_batches

    async def run(self) -> PushResult:
        """Raises ApiError (server unreachable/failing: rows stay queued) or CacheUnavailable."""
        totals = {"applied": 0, "merged": 0, "conflict": 0, "rejected": 0}
        batches = 0
        while batches < self._max_batches:
            entries = await self._ops.run(CacheStore.next_push_batch, self._batch_size)
            if not entries:
                break
            key = str(uuid.uuid4())
            try:
                body = await self._api.push([mutation(e) for e in entries], key)
            except ApiError as exc:
                await self._ops.run(CacheStore.note_push_failure, [e.client_id for e in entries], exc.message)
                raise
            report = await self._ops.run(CacheStore.apply_push_results, entries, body.get("results"))
            batches += 1
            for name in totals:
                totals[name] += getattr(report, name)
            if report.unanswered == len(entries):
                # Nothing usable came back: stop rather than resend the same batch forever.
                raise ApiError(None, "bad_response", "The central server did not answer the pushed writes.")
        remaining = await self._ops.run(CacheStore.outbox_count)
        result = PushResult(
            batches, totals["applied"], totals["merged"], totals["conflict"], totals["rejected"], remaining
        )
        if batches:
            log.info("push: %s", result)
        return result
