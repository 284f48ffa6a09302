"""ConflictService: the conflict list (writes the server did not take as they were), read,
re-applied and dismissed on the cache worker thread through CacheOps."""

from __future__ import annotations

from desktop.cache.outbox import ConflictRow
from desktop.cache.store import CacheStore
from desktop.services.ops import CacheOps


def _reapply(store: CacheStore, conflict_id: int) -> list[ConflictRow]:
    store.reapply_conflict(conflict_id)
    return store.conflicts()


def _dismiss(store: CacheStore, conflict_id: int) -> list[ConflictRow]:
    store.dismiss_conflict(conflict_id)
    return store.conflicts()


class ConflictService:
    def __init__(self, ops: CacheOps) -> None:
        self.ops = ops

    async def load(self) -> list[ConflictRow]:
        return await self.ops.run(CacheStore.conflicts)

    async def reapply(self, conflict_id: int) -> list[ConflictRow]:
        """Queue my copy again on the server's current version; returns the conflicts left."""
        return await self.ops.run(_reapply, conflict_id)

    async def dismiss(self, conflict_id: int) -> list[ConflictRow]:
        """Keep the server's copy; returns the conflicts left."""
        return await self.ops.run(_dismiss, conflict_id)
