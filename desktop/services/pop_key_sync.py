"""Fetching the key an agent's pop index is hashed with (central/pop_key.py) into the cache's
keeping (desktop/cache/pop_key.py): at every pull, and before the first customer found online is
cached by a desktop that has not pulled yet (else that customer could not pop offline)."""

from __future__ import annotations

import logging

from desktop.cache import pop_key
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)


async def adopt_pop_key(api: CentralApi, ops: CacheOps) -> None:
    """Keep the server's pop key; a cache holding numbers hashed with another key, or full
    numbers the server now masks for this user (a cache from before masking), is emptied (the
    pull that follows rebuilds it, unsent writes kept). Raises ApiError when unreachable."""
    try:
        document = await api._request("GET", "/api/v1/auth/pop-key")
    except ApiError as exc:
        if exc.status in (403, 404):  # an older server: it masks nothing
            return
        raise
    found = pop_key.decode(document)
    if found is None:
        log.warning("sync: unusable pop key from the server; numbers it masks cannot pop offline")
        return
    masked = isinstance(document, dict) and document.get("masked") is True  # numbers masked for us
    if await ops.run(CacheStore.remember_pop_key, *found, masked):
        log.warning("sync: the server's pop key changed or numbers are now masked; rebuilding the cache")
        await ops.run(CacheStore.clear_replica)
        await ops.run(CacheStore.remember_pop_key, *found)  # the rebuild's key
