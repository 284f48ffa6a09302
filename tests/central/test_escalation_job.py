"""The escalation job escalates overdue hand-offs on the server's own schedule (fake clock), and
the running API does it without anyone listing tickets."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from calldesk_domain.tickets import new_ticket
from central.escalation import EscalationJob
from central.server import start_in_thread
from central.tickets import save_record


def _save_ticket(engine: sa.Engine, ticket_id: str, created: datetime, **changes: object) -> None:
    ticket = new_ticket(ticket_id, "C0000001", "1001", created, category="fault")
    ticket.fault_description = "不制冷"
    ticket.product_model = "AC-35GW"
    data = {**ticket.to_dict(), **changes}
    with engine.begin() as conn:
        save_record(conn, "ticket", data, created)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _ticket(client, ticket_id: str) -> dict:
    reply = client.get(f"/api/v1/tickets/{ticket_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()["ticket"]


def test_job_escalates_only_what_is_overdue_with_a_fake_clock(seeded_central_sqlite) -> None:
    start = datetime.now(UTC)
    engine = seeded_central_sqlite.engine
    _save_ticket(engine, "H1", start)
    _save_ticket(engine, "H2", start, status="assigned", assignee_group="L2", assignee_agent="2001")
    clock = FakeClock(start + timedelta(minutes=14, seconds=59))
    job = EscalationJob(engine, interval_s=30, clock=clock)
    assert job.run_once() == 0  # due at 15:00, not yet
    clock.now = start + timedelta(minutes=15, seconds=1)
    assert job.run_once() == 1
    assert job.run_once() == 0  # once escalated, stays escalated, never twice
    assert (job.runs, job.escalated, job.failures) == (3, 1, 0)
    with seeded_central_sqlite.client() as client:
        h1, h2 = _ticket(client, "H1"), _ticket(client, "H2")
    assert h1["escalated"] is True and h1["history"][-1]["action"] == "escalate"
    assert h2["escalated"] is False  # handed off in time: nothing to escalate


def test_run_forever_keeps_its_own_schedule(seeded_central_sqlite) -> None:
    start = datetime.now(UTC)
    _save_ticket(seeded_central_sqlite.engine, "H3", start)
    clock = FakeClock(start + timedelta(seconds=1))
    job = EscalationJob(seeded_central_sqlite.engine, interval_s=300, clock=clock)
    escalated_at_run: list[int] = []

    async def fake_sleep(seconds: float) -> None:
        escalated_at_run.append(job.escalated)
        clock.now += timedelta(seconds=seconds)
        if len(escalated_at_run) == 5:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(job.run_forever(sleep=fake_sleep))
    # runs at +0:01, +5:01, +10:01, +15:01 and +20:01: due at +15:00, escalated by the fourth run
    assert escalated_at_run == [0, 0, 0, 1, 1]


def test_a_failing_run_is_logged_and_counted_not_raised(tmp_path, caplog) -> None:
    broken = sa.create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    job = EscalationJob(broken, interval_s=30)
    assert job.run_once() == 0
    assert job.failures == 1 and job.runs == 0
    assert "escalation job: run failed" in caplog.text


def test_running_api_escalates_without_anyone_listing_tickets(seeded_central_sqlite) -> None:
    long_ago = datetime.now(UTC) - timedelta(minutes=16)
    _save_ticket(seeded_central_sqlite.engine, "LATE", long_ago)
    running = start_in_thread(seeded_central_sqlite.db_url, migrate=False, escalation_interval_s=0.05)
    try:
        job = running._server.config.app.state.escalation  # the app this server runs
        deadline = time.monotonic() + 10
        while job.escalated < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job.escalated == 1
    finally:
        running.stop()
    with seeded_central_sqlite.client() as client:
        assert _ticket(client, "LATE")["escalated"] is True
