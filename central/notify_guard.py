"""Open notification streams re-checked against the database, all at once.

A stream outlives the request that opened it, so the sign-in behind it is checked again every
`recheck_s`: a stream ends when its user was disabled or renamed, its sign-in revoked, or its
role changed (a `?changes=1` stream carries records as its role may see them, central/
notify_pages.py: a supervisor demoted to agent must not keep receiving full numbers). One query
per API worker per interval covers every stream of the worker; a query per stream per minute
was 33 queries a second at 2,000 desktops, on the threads and connections pushes need. A
database that cannot be reached ends nothing (checked again next interval).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central.tables import sessions, users

log = logging.getLogger(__name__)

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StreamOwner:
    """Who opened a stream, as their token said."""

    user_id: int
    username: str
    session_id: str
    role: str


def still_valid(engine: Engine, owners: Iterable[StreamOwner]) -> set[StreamOwner]:
    """The owners whose user is active with the same name and role and whose sign-in is open."""
    wanted = list(set(owners))
    valid: set[StreamOwner] = set()
    with engine.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = conn.execute(
                sa.select(sessions.c.id, users.c.id.label("user_id"), users.c.username, users.c.role)
                .join(users, users.c.id == sessions.c.user_id)
                .where(
                    sessions.c.id.in_([o.session_id for o in chunk]),
                    sessions.c.revoked_at.is_(None),
                    users.c.active == sa.true(),
                )
            )
            found = {StreamOwner(r.user_id, r.username, str(r.id), r.role) for r in rows}
            valid.update(o for o in chunk if o in found)
    return valid


class SessionGuard:
    """`run()` re-checks the owners of `streams()` every `interval()` seconds and calls `end`
    for each stream whose owner is no longer valid."""

    def __init__(
        self,
        engine: Engine,
        streams: Callable[[], list[tuple[StreamOwner, Callable[[str], None]]]],
        interval: Callable[[], float],
    ) -> None:
        self.engine = engine
        self.streams = streams
        self.interval = interval
        self.checks = 0
        self.ended = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(max(0.05, self.interval()))
            await self.check()

    async def check(self) -> int:
        streams = self.streams()
        if not streams:
            return 0
        try:
            valid = await asyncio.to_thread(still_valid, self.engine, [owner for owner, _ in streams])
        except sa.exc.SQLAlchemyError as exc:
            log.info("notify: sign-in re-check failed (%s); streams kept until the next check", exc)
            return 0
        self.checks += 1
        ended = 0
        for owner, end in streams:
            if owner not in valid:
                end("revoked")
                ended += 1
        if ended:
            self.ended += ended
            log.info("notify: %d stream(s) ended: the sign-in is no longer valid or the role changed", ended)
        return ended
