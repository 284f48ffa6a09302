"""The changes a notification carries (docs/sync-protocol.md "Notifications").

A desktop that asks for them (`GET /api/v1/sync/notifications?changes=1`) gets, instead of
"the feed moved to seq N", the feed page itself:

    id: 1234
    event: changes
    data: {"since":1200,"next_since":1234,"epoch":"9f2c...","changes":[...]}

`changes` is exactly what `GET /api/v1/sync/changes?since=1200` would answer up to seq 1234, as
the caller's role may see it (the same data minimisation, central/pop_key.py). A desktop whose
cache stands at `since` applies it and is current without a request; any other desktop pulls
as before. So a write costs one query and one encoding per role per API worker, not one pull
per desktop: at 2,000 desktops and 50 writes/s the pull-per-notification design asked for
thousands of pulls a second, which no 2-core API serves (bench/bench_central_load.py).

Pages too big to be worth streaming (a bulk import) are not built: the plain `feed` event goes
out and desktops pull, as without this.

Seqs commit in order (central/writes.py takes an advisory lock around each change-log write),
so once the feed's head is `seq`, every row up to it is visible and `(since, seq]` is complete.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central import policy, pop_key, queries
from central.tables import change_log

log = logging.getLogger(__name__)

INLINE_MAX_CHANGES = 200
INLINE_MAX_BYTES = 256 * 1024  # the desktop accepts up to notifications.MAX_PAGE_EVENT


def changes_event(since: int, seq: int, epoch: str | None, encoded: list[str]) -> bytes:
    head = json.dumps({"since": since, "next_since": seq, "epoch": epoch}, separators=(",", ":"))
    data = head[:-1] + ',"changes":[' + ",".join(encoded) + "]}"
    return f"id: {seq}\nevent: changes\ndata: {data}\n\n".encode()


class PageBuilder:
    """`await builder(since, seq)` -> the `changes` event per role, or None when the page is
    too big or cannot be read (then the plain feed event goes out)."""

    def __init__(
        self,
        engine: Engine,
        key: Callable[[], bytes],
        epoch: Callable[[], str],
        *,
        max_changes: int = INLINE_MAX_CHANGES,
        max_bytes: int = INLINE_MAX_BYTES,
    ) -> None:
        self.engine = engine
        self.key = key
        self.epoch = epoch
        self.max_changes = max_changes
        self.max_bytes = max_bytes
        self.built = 0
        self.too_big = 0

    async def __call__(self, since: int, seq: int) -> Mapping[str, bytes] | None:
        try:
            return await asyncio.to_thread(self.build, since, seq)
        except sa.exc.SQLAlchemyError as exc:
            log.info("notify: changes %d..%d unreadable for the stream (%s); desktops pull", since, seq, exc)
            return None

    def build(self, since: int, seq: int) -> dict[str, bytes] | None:
        if seq <= since:
            return None
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(*queries.change_columns())
                .where(change_log.c.seq > since, change_log.c.seq <= seq)
                .order_by(change_log.c.seq)
                .limit(self.max_changes + 1)
            ).all()
        if len(rows) > self.max_changes:
            self.too_big += 1
            return None
        epoch, key = self.epoch(), self.key()
        pages: dict[str, bytes] = {}
        shared: bytes | None = None  # every role that sees the records as stored: one encoding
        for role in policy.ROLES:
            data_filter = pop_key.feed_filter(role, key)
            if data_filter is None:
                if shared is None:
                    shared = changes_event(since, seq, epoch, queries.encode_rows(rows, None))
                pages[role] = shared
            else:
                pages[role] = changes_event(since, seq, epoch, queries.encode_rows(rows, data_filter))
            if len(pages[role]) > self.max_bytes:
                self.too_big += 1
                return None
        self.built += 1
        return pages
