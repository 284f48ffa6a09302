"""The escalation job: overdue hand-offs are escalated on the server's own schedule.

Before this, `escalate_overdue` ran only when someone listed tickets, so an overdue ticket nobody
looked at escalated nobody. `EscalationJob.run_forever()` runs in the API's lifespan: once at
start, then every `interval_s`. Each run is one transaction (central.tickets.escalate_overdue:
history entry, version bump, change-feed entry, so desktops learn it through sync). A failing run
is logged and retried at the next tick; it never stops the API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from central.tickets import escalate_overdue

log = logging.getLogger(__name__)

ESCALATION_LOCK_KEY = 0x43444553  # "CDES": the advisory lock of the escalation job

DEFAULT_INTERVAL_S = 30.0  # the hand-off SLA is 15 minutes: escalation lands within half a minute


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EscalationJob:
    engine: Engine
    interval_s: float = DEFAULT_INTERVAL_S
    clock: Callable[[], datetime] = utc_now
    runs: int = 0
    escalated: int = 0
    failures: int = 0

    def run_once(self) -> int:
        """Escalate what is overdue now; returns how many tickets were escalated."""
        try:
            with self.engine.begin() as conn:
                # Several API workers (or hosts) run this job: one at a time escalates.
                if (
                    conn.dialect.name == "postgresql"
                    and not conn.execute(
                        sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ESCALATION_LOCK_KEY}
                    ).scalar()
                ):
                    return 0
                count = escalate_overdue(conn, self.clock())
        except sa.exc.SQLAlchemyError as exc:
            self.failures += 1
            log.warning("escalation job: run failed, retrying in %.0f s: %s", self.interval_s, exc)
            return 0
        self.runs += 1
        self.escalated += count
        if count:
            log.info("escalation job: %d overdue ticket(s) escalated", count)
        return count

    async def run_forever(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """Run now, then every `interval_s` until cancelled. The database work runs in a thread so
        the API's event loop never waits on it."""
        while True:
            await asyncio.to_thread(self.run_once)
            await sleep(self.interval_s)
