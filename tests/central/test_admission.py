"""Load shedding (central/admission.py): a worker admits a bounded number of requests; a request
that gets no slot within the queue wait, or finds the queue full, is answered 503 with
Retry-After, and a desktop that honours it stores its write exactly once.

The gate is driven directly (its rules, and a property test over random arrivals, departures
and cancellations), then end to end: a real API on loopback whose SQLite file is held by a
writer, so its pushes really wait in the database while holding their slots.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.admission import (
    BURST_S,
    OVERLOADED_S,
    RETRY_AFTER_OVERLOADED_S,
    RETRY_AFTER_S,
    STANDING_WAIT_S,
    AdmissionGate,
)


def run(coro):
    return asyncio.run(coro)


def test_the_gate_admits_its_capacity_then_hands_slots_on_in_arrival_order():
    async def scenario() -> list[str]:
        gate = AdmissionGate(capacity=2, max_wait_s=5, max_queue=10)
        assert await gate.enter() and await gate.enter()
        order: list[str] = []

        async def wait(name: str) -> None:
            assert await gate.enter()
            order.append(name)

        first = asyncio.create_task(wait("first"))
        await asyncio.sleep(0)
        second = asyncio.create_task(wait("second"))
        await asyncio.sleep(0.01)
        assert (gate.running, gate.waiting, order) == (2, 2, [])
        gate.leave()
        await asyncio.sleep(0.01)
        assert order == ["first"] and gate.waiting == 1
        gate.leave()
        await asyncio.gather(first, second)
        for _ in range(2):
            gate.leave()
        assert (gate.running, gate.waiting, gate.admitted, gate.shed) == (0, 0, 4, 0)
        return order

    assert run(scenario()) == ["first", "second"]


def test_a_request_that_waits_past_the_limit_is_shed_and_leaves_no_trace_in_the_queue():
    async def scenario() -> None:
        gate = AdmissionGate(capacity=1, max_wait_s=0.05, max_queue=10)
        assert await gate.enter()
        started = time.monotonic()
        assert not await gate.enter()
        assert 0.04 <= time.monotonic() - started < 1.0
        assert (gate.waiting, gate.shed) == (0, 1)
        gate.leave()  # no waiter left to hand the slot to: it goes back to the pool
        assert gate.running == 0
        assert await gate.enter()

    run(scenario())


def test_a_full_queue_sheds_at_once():
    async def scenario() -> None:
        gate = AdmissionGate(capacity=1, max_wait_s=5, max_queue=1)
        assert await gate.enter()
        waiter = asyncio.create_task(gate.enter())
        await asyncio.sleep(0.01)
        started = time.monotonic()
        assert not await gate.enter()
        assert time.monotonic() - started < 0.05
        gate.leave()
        assert await waiter
        gate.leave()
        assert (gate.running, gate.waiting, gate.shed) == (0, 0, 1)

    run(scenario())


def test_a_cancelled_waiter_gives_back_a_slot_it_was_handed():
    """The request went away (its task cancelled) in the same turn the slot reached it: the slot
    must pass on, not vanish."""

    async def scenario() -> None:
        gate = AdmissionGate(capacity=1, max_wait_s=5, max_queue=10)
        assert await gate.enter()
        leaving = asyncio.create_task(gate.enter())
        after = asyncio.create_task(gate.enter())
        await asyncio.sleep(0.01)
        gate.leave()  # the slot goes to `leaving`...
        leaving.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await leaving
        assert await asyncio.wait_for(after, 1)
        gate.leave()
        assert (gate.running, gate.waiting) == (0, 0)

    run(scenario())


def test_a_standing_queue_shortens_the_wait_and_lengthens_retry_after_until_it_empties():
    """A burst may wait the gate's full limit; a queue that has not emptied for BURST_S is an
    overload: new arrivals wait STANDING_WAIT_S at most, and once it has stood OVERLOADED_S the
    shed are told to stay away longer. Both reset when the queue empties."""

    async def scenario() -> None:
        now = [100.0]
        gate = AdmissionGate(capacity=1, max_wait_s=5, max_queue=10, clock=lambda: now[0])
        assert await gate.enter()
        assert gate.wait_limit_s() == 5 and RETRY_AFTER_S[0] <= gate.retry_after_s() <= RETRY_AFTER_S[1]
        first = asyncio.create_task(gate.enter())  # the queue starts standing at 100.0
        await asyncio.sleep(0.01)
        now[0] += BURST_S
        assert gate.wait_limit_s() == STANDING_WAIT_S
        started = time.monotonic()
        assert not await gate.enter()  # shed after the short wait, not after 5 s
        assert STANDING_WAIT_S * 0.8 <= time.monotonic() - started < 2.0
        now[0] += OVERLOADED_S
        told = {gate.retry_after_s() for _ in range(200)}
        assert min(told) >= RETRY_AFTER_OVERLOADED_S[0] and max(told) <= RETRY_AFTER_OVERLOADED_S[1]
        gate.leave()  # the slot goes to `first`: the queue is empty again
        assert await first
        assert gate.standing_s() == 0 and gate.wait_limit_s() == 5
        assert max(gate.retry_after_s() for _ in range(50)) <= RETRY_AFTER_S[1]
        gate.leave()

    run(scenario())


def test_bad_gate_sizes_are_refused():
    for capacity, wait, queue in ((0, 1, 1), (1, -1, 1), (1, 1, -1)):
        with pytest.raises(ValueError):
            AdmissionGate(capacity, wait, queue)


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(1, 3),
    max_queue=st.integers(0, 4),
    plan=st.lists(
        st.tuples(st.sampled_from(["arrive", "leave", "cancel", "tick"]), st.integers(0, 30)),
        max_size=40,
    ),
)
def test_no_slot_is_ever_lost_or_doubled(capacity, max_queue, plan):
    """Random arrivals, departures, cancellations and waits: never more than `capacity` inside,
    never more than `max_queue` waiting, and once everyone has left, every slot is free."""

    async def scenario() -> None:
        gate = AdmissionGate(capacity, max_wait_s=0.02, max_queue=max_queue)
        inside = [0]
        peak = [0]
        holders: list[asyncio.Event] = []
        tasks: list[asyncio.Task[None]] = []

        async def request() -> None:
            if not await gate.enter():
                return
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            done = asyncio.Event()
            holders.append(done)
            try:
                await done.wait()
            finally:
                inside[0] -= 1
                gate.leave()

        for action, n in plan:
            if action == "arrive":
                tasks.append(asyncio.create_task(request()))
            elif action == "leave" and holders:
                holders.pop(n % len(holders)).set()
            elif action == "cancel" and tasks:
                tasks[n % len(tasks)].cancel()
            await asyncio.sleep(0.001 * (n % 4) if action == "tick" else 0)
            assert gate.running <= capacity and gate.waiting <= max_queue
        while not all(task.done() for task in tasks):  # a released slot reaches a waiter a turn later
            while holders:
                holders.pop().set()
            await asyncio.sleep(0.001)
        await asyncio.gather(*tasks, return_exceptions=True)
        assert peak[0] <= capacity
        assert (gate.running, gate.waiting, inside[0]) == (0, 0, 0)

    run(scenario())


# --- end to end -------------------------------------------------------------------------------


def _db_path(central) -> Path:
    return Path(central.db_url.removeprefix("sqlite:///"))


class HeldWriteLock:
    """Another program holding the SQLite file's write lock: the API's pushes wait in the
    database (busy timeout 10 s) until `release`."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self._conn.execute("ROLLBACK")
        self._conn.close()


def _push_body(record_id: str, agent: str) -> dict:
    return {
        "mutations": [
            {
                "client_id": str(uuid.uuid4()),
                "entity": "contact",
                "id": record_id,
                "op": "upsert",
                "data": {
                    "id": record_id,
                    "call_id": "call-" + record_id,
                    "agent_id": agent,
                    "customer_id": "C0000001",
                    "direction": "inbound",
                    "channel": "phone",
                    "disposition": "resolved",
                    "notes": "shed test",
                    "ticket_id": "",
                    "started_at": "2026-12-03T10:00:00Z",
                },
            }
        ]
    }


def _push_in_thread(central, record_id: str, answers: dict) -> threading.Thread:
    def push() -> None:
        answers[record_id] = httpx.post(
            f"{central.url}/api/v1/sync/push",
            json=_push_body(record_id, "1001"),
            headers={**central.headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        )

    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    return thread


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def _records(central, record_id: str) -> int:
    return len(central._rows("SELECT seq FROM change_log WHERE entity_id = :i", i=record_id))


def test_a_stalled_worker_sheds_with_retry_after_keeps_probes_up_and_recovers(serve_seeded_sqlite, caplog):
    """Two pushes hold a 1-thread worker's two slots while the database is locked. A pull then
    waits its 0.4 s and is answered 503 `overloaded` with Retry-After, the server's time and a
    request id; with the queue full a pull is refused at once; /ready still answers. When the
    lock goes, the two pushes are stored and the next pull is served."""
    central = serve_seeded_sqlite(threads=1, queue_wait_s=0.4, max_queue=2, escalation_interval_s=0)
    gate = central.server._server.config.app.state.admission
    lock = HeldWriteLock(_db_path(central))
    answers: dict[str, httpx.Response] = {}
    pushes = [_push_in_thread(central, f"CL-SHED-{n}", answers) for n in range(2)]
    try:
        _wait_until(lambda: gate.running == 2)
        with httpx.Client(base_url=central.url, headers=central.headers, timeout=10) as client:
            started = time.monotonic()
            shed = client.get("/api/v1/sync/changes", params={"since": 0, "limit": 1})
            waited = time.monotonic() - started
            assert shed.status_code == 503, shed.text
            assert shed.json()["error"]["code"] == "overloaded"
            assert RETRY_AFTER_S[0] <= int(shed.headers["Retry-After"]) <= RETRY_AFTER_S[1]
            assert shed.headers["X-Server-Time"] and shed.headers["X-Request-Id"]
            assert 0.35 <= waited < 3.0

            # two waiting fill the queue: the third is refused without waiting
            waiting = [
                threading.Thread(
                    target=lambda: client.get("/api/v1/sync/changes", params={"since": 0}), daemon=True
                )
                for _ in range(2)
            ]
            for thread in waiting:
                thread.start()
            _wait_until(lambda: gate.waiting == 2)
            started = time.monotonic()
            full = client.get("/api/v1/sync/changes", params={"since": 0})
            assert full.status_code == 503 and time.monotonic() - started < 0.3
            assert client.get("/ready").status_code == 200  # probes are never shed
            for thread in waiting:
                thread.join(5)
    finally:
        lock.release()
    for thread in pushes:
        thread.join(20)
    for n in range(2):
        answer = answers[f"CL-SHED-{n}"]
        assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied"
        assert _records(central, f"CL-SHED-{n}") == 1
    with httpx.Client(base_url=central.url, headers=central.headers, timeout=10) as client:
        assert client.get("/api/v1/sync/changes", params={"since": 0, "limit": 1}).status_code == 200
    assert (gate.running, gate.waiting) == (0, 0) and gate.shed >= 2


def test_a_desktop_push_shed_by_the_server_waits_retry_after_and_is_stored_once(serve_seeded_sqlite):
    """The desktop's real client (CentralApi) meets a shed push: it waits the Retry-After the
    server gave (not its own backoff), pushes again under the same Idempotency-Key, and the record
    is stored once. Nothing of the shed attempt was written."""
    from desktop.services.api import CentralApi

    central = serve_seeded_sqlite(threads=1, queue_wait_s=0.2, max_queue=5, escalation_interval_s=0)
    gate = central.server._server.config.app.state.admission
    lock = HeldWriteLock(_db_path(central))
    answers: dict[str, httpx.Response] = {}
    holders = [_push_in_thread(central, f"CL-HOLD-{n}", answers) for n in range(2)]
    _wait_until(lambda: gate.running == 2)
    pauses: list[float] = []
    released = threading.Event()

    async def sleep_then_unstall(delay: float) -> None:
        pauses.append(delay)
        if not released.is_set():
            lock.release()
            released.set()
            await asyncio.to_thread(lambda: [t.join(20) for t in holders])
        await asyncio.sleep(0)

    async def desktop_push() -> dict:
        api = CentralApi(central.url, token=central.token, sleep=sleep_then_unstall, allow_insecure_http=True)
        try:
            return await api._request(
                "POST",
                "/api/v1/sync/push",
                json_body=_push_body("CL-DESK-1", "1001"),
                extra_headers={"Idempotency-Key": "shed-retry-" + uuid.uuid4().hex},
            )
        finally:
            await api.aclose()

    try:
        result = asyncio.run(desktop_push())
    finally:
        if not released.is_set():
            lock.release()
    assert result["results"][0]["status"] == "applied"
    assert len(pauses) == 1 and pauses[0] in {float(s) for s in range(RETRY_AFTER_S[0], RETRY_AFTER_S[1] + 1)}
    assert _records(central, "CL-DESK-1") == 1
    assert all(answers[f"CL-HOLD-{n}"].status_code == 200 for n in range(2))
    assert gate.shed == 1


def test_the_access_log_records_a_shed_request_as_503(serve_seeded_sqlite, caplog):
    central = serve_seeded_sqlite(threads=1, queue_wait_s=0, max_queue=0, escalation_interval_s=0)
    gate = central.server._server.config.app.state.admission
    lock = HeldWriteLock(_db_path(central))
    answers: dict[str, httpx.Response] = {}
    try:
        holders = [_push_in_thread(central, f"CL-LOG-{n}", answers) for n in range(2)]
        _wait_until(lambda: gate.running == 2)
        with caplog.at_level(logging.INFO, logger="central.access"):
            refused = httpx.get(
                f"{central.url}/api/v1/customers/C0000001",
                headers={**central.headers, "X-Request-Id": "shed-log-0001"},
                timeout=10,
            )
    finally:
        lock.release()
    for thread in holders:
        thread.join(20)
    assert refused.status_code == 503
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "central.access"]
    logged = [line for line in lines if line["request_id"] == "shed-log-0001"]
    assert logged and logged[0]["status"] == 503 and logged[0]["path"] == "/api/v1/customers/C0000001"
