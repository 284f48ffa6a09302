"""Load shedding: a worker admits a bounded number of requests at once, and a request that cannot
get in soon is answered 503 with Retry-After instead of queueing without end.

Without it an overload fed itself (docs/deployment.md "Load shedding"): when PostgreSQL slowed, the
requests queued for a worker's few request threads, waited longer than their desktops did (a
desktop gives up after 10 s, the load generator after 30 s), and were then still served, for
nobody, while new ones kept arriving. The queue never drained: 17,599 timeouts in a 600 s run.

`AdmissionGate`: `capacity` requests run at once (twice the request threads: a request also has
parts on the event loop, the body and the sign-in's token check, during which a thread would idle);
the others wait in arrival order for at most `max_wait_s`, and at most `max_queue` of them wait.
Past either bound the request gets 503 `overloaded` with a Retry-After of a few seconds, spread so
that the shed desktops do not come back together. Desktops honour Retry-After
(desktop/services/api.py); a push stays in the desktop's outbox until it is stored, so shedding
delays a write and never loses one.

The slot is given back when the response starts: a notification stream holds it while its
sign-in is checked, not for the stream's life. Health probes are never shed: a load balancer
must not take a busy worker for a dead one.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.limits import send_error

log = logging.getLogger(__name__)

UNGATED_PATHS = frozenset({"/health", "/live", "/ready"})
# A queue that empties within BURST_S is a burst or a hiccup (2,000 desktops reconnecting at once,
# a slow checkpoint): requests wait up to the gate's max_wait_s. A queue standing longer is an
# overload: new arrivals wait at most STANDING_WAIT_S. Served first come, first served, every
# request of a standing queue would otherwise wait the full max_wait_s (measured: after a 15 s
# database stall, every answered request took 3 s while the queue never drained). With 1 s and
# 0.25 s, a busy but healthy floor was shed in its ordinary seconds-long slow spells
# (docs/deployment.md "Sizing").
BURST_S = 5.0
STANDING_WAIT_S = 1.0
# Whole seconds a shed request is told to wait (inclusive ranges, spread so the shed desktops do
# not come back together); longer once the queue has stood OVERLOADED_S, so that retries stop
# feeding the overload they meet.
RETRY_AFTER_S = (1, 4)
OVERLOADED_S = 15.0
RETRY_AFTER_OVERLOADED_S = (5, 15)
REPORT_EVERY_S = 10.0


class AdmissionGate:
    """`capacity` holders at once; waiters served first come, first served, for `max_wait_s` at
    most (STANDING_WAIT_S once the queue has stood BURST_S); no more than `max_queue` waiters.
    Used from one event loop. `clock` is for tests."""

    def __init__(
        self, capacity: int, max_wait_s: float, max_queue: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if capacity < 1 or max_wait_s < 0 or max_queue < 0:
            raise ValueError("capacity >= 1, max_wait_s >= 0 and max_queue >= 0")
        self.capacity = capacity
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self.running = 0
        self.waiting = 0
        self._waiters: deque[asyncio.Future[bool]] = deque()  # done ones are skipped, not removed
        self.admitted = 0
        self.shed = 0
        self._clock = clock
        self._queue_since: float | None = None  # when the queue last went from empty to not

    def standing_s(self) -> float:
        """How long the queue has not been empty (0 when it is)."""
        return 0.0 if self._queue_since is None else self._clock() - self._queue_since

    def wait_limit_s(self) -> float:
        standing = self.standing_s()
        return self.max_wait_s if standing < BURST_S else min(self.max_wait_s, STANDING_WAIT_S)

    def retry_after_s(self) -> int:
        span = RETRY_AFTER_OVERLOADED_S if self.standing_s() >= OVERLOADED_S else RETRY_AFTER_S
        return random.randint(*span)

    def _dequeued(self) -> None:
        self.waiting -= 1
        if not self.waiting:
            self._queue_since = None

    async def enter(self) -> bool:
        """True once the caller holds a slot (it must call `leave`); False if it is shed."""
        if self.running < self.capacity and not self.waiting:
            self.running += 1
            self.admitted += 1
            return True
        if self.waiting >= self.max_queue or self.max_wait_s == 0:
            self.shed += 1
            return False
        loop = asyncio.get_running_loop()
        # True: a leaving holder handed its slot over; False: the wait ran out (shed)
        waiter: asyncio.Future[bool] = loop.create_future()
        limit = self.wait_limit_s()
        self._waiters.append(waiter)
        if not self.waiting:
            self._queue_since = self._clock()
        self.waiting += 1
        timer = loop.call_later(limit, self._expire, waiter)
        try:
            admitted = await waiter
        except asyncio.CancelledError:
            # The request went away while it waited (its task cancelled, which cancels `waiter`),
            # or just after a slot reached it: then the slot passes on instead of vanishing.
            timer.cancel()
            if waiter.cancelled():
                self._dequeued()
            elif waiter.result():
                self.leave()
            raise
        timer.cancel()
        if admitted:
            self.admitted += 1
        return admitted

    def _expire(self, waiter: asyncio.Future[bool]) -> None:
        if not waiter.done():
            waiter.set_result(False)
            self._dequeued()
            self.shed += 1

    def leave(self) -> None:
        """Give a slot back: to the longest waiter still waiting, else to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)  # the slot passes on; `running` is unchanged
                self._dequeued()
                return
        self.running -= 1


class AdmissionMiddleware:
    """Puts every HTTP request but the health probes through `gate`."""

    def __init__(self, app: ASGIApp, gate: AdmissionGate) -> None:
        self.app = app
        self.gate = gate
        self._reported_at = time.monotonic()
        self._reported_shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNGATED_PATHS:
            await self.app(scope, receive, send)
            return
        if not await self.gate.enter():
            self._report()
            await _overloaded(send, self.gate.retry_after_s())
            return
        held = True

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                self.gate.leave()

        async def send_releasing(message: Message) -> None:
            if message["type"] == "http.response.start":
                give_back()
            await send(message)

        try:
            await self.app(scope, receive, send_releasing)
        finally:
            give_back()

    def _report(self) -> None:
        """A warning at most every REPORT_EVERY_S while shedding, with the count since the last."""
        now = time.monotonic()
        if now - self._reported_at < REPORT_EVERY_S:
            return
        shed = self.gate.shed - self._reported_shed
        log.warning(
            "overloaded: %d request(s) answered 503 in the last %.0f s (%d running, %d waiting, "
            "capacity %d, wait limit now %g s, queue standing %.1f s)",
            shed,
            now - self._reported_at,
            self.gate.running,
            self.gate.waiting,
            self.gate.capacity,
            self.gate.wait_limit_s(),
            self.gate.standing_s(),
        )
        self._reported_at, self._reported_shed = now, self.gate.shed


async def _overloaded(send: Send, retry_after_s: int) -> None:
    await send_error(
        send,
        503,
        "overloaded",
        "the server is busy; retry after the Retry-After seconds",
        [(b"retry-after", str(retry_after_s).encode())],
    )
