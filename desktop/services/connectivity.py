"""ConnectivityService: keeps the cache in step with the central API in the background.

Each cycle pushes the outbox, then pulls the change feed (docs/sync-protocol.md). The state
("online" / "offline" / "syncing") and the outbox count go to callbacks (the runtime wires them
to the status bar; this module knows no widgets). A failed cycle says "offline" and the next one
waits with exponential backoff and full jitter; `kick()` (after a local write) runs one at once.

With a notification channel (desktop.services.notifications.FeedChannel) the server says when
the feed moved and a pull follows within `notify_jitter_s` (spread so a floor of desktops does
not pull in the same millisecond); while the channel is up the poll only runs every
`channel_interval_s` as a safety net, and when it drops the ordinary poll (with its backoff)
takes over until it is back. When the channel carries the changes themselves (`apply_step`
given), a step the cache stands within is applied at once, with no pull (from the cache's seq
on: desktop.cache.changes.apply_feed_step); a step wholly behind the cache is old news; any
other (a gap, another epoch, a cache that cannot be written) only says "pull", as above.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from desktop.services.api import ApiError
from desktop.services.notifications import FeedStep
from desktop.services.sync import SyncError

log = logging.getLogger(__name__)

StateCallback = Callable[[str], None]
CountCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before retry n (0-based) after failures: base * 2**n capped, times a random
    factor in [0.5, 1] so a room of desktops does not retry in step."""

    base_s: float = 1.0
    cap_s: float = 60.0

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        return min(self.cap_s, self.base_s * 2 ** max(failures - 1, 0)) * (0.5 + rand() / 2)


class Channel(Protocol):
    def start(
        self,
        on_feed: Callable[[int], None],
        on_state: Callable[[bool], None] | None = None,
        on_step: Callable[[FeedStep], None] | None = None,
    ) -> None: ...

    async def stop(self) -> None: ...


class ConnectivityService:
    """`push` and `pull` are the PushSync.run / PullSync.run_incremental coroutines (factories
    so a test can pass real ones bound to its server); `outbox_count` reads the cache."""

    def __init__(
        self,
        push: Callable[[], Awaitable[object]],
        pull: Callable[[], Awaitable[object]],
        outbox_count: Callable[[], int],
        *,
        on_state: StateCallback | None = None,
        on_outbox: CountCallback | None = None,
        interval_s: float = 15.0,
        backoff: Backoff | None = None,
        channel: Channel | None = None,
        channel_interval_s: float = 120.0,
        notify_jitter_s: float = 0.5,
        apply_step: Callable[[FeedStep], Awaitable[int | None]] | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._push = push
        self._pull = pull
        self._outbox_count = outbox_count
        self._on_state = on_state
        self._on_outbox = on_outbox
        self.interval_s = interval_s
        self.backoff = backoff or Backoff()
        self.state = "offline"
        self.failures = 0
        self.last_error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Future | None = None
        self._kicked = False
        self._task: asyncio.Task | None = None
        self.channel = channel
        self.channel_up = False
        self.channel_interval_s = channel_interval_s
        self.notify_jitter_s = notify_jitter_s
        self._rand = rand
        self.last_seq = 0  # where the last pull left the cache (skip notifications at or below it)
        self._pull_due: asyncio.TimerHandle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._apply_step = apply_step
        self._steps: list[FeedStep] = []  # applied in arrival order by one task
        self._stepping: asyncio.Task[None] | None = None
        self.steps_applied = 0

    async def cycle(self) -> bool:
        """One push + pull. True when both went through."""
        self._set_state("syncing")
        try:
            await self._push()
            pulled = await self._pull()
        except (ApiError, SyncError) as exc:
            self.failures += 1
            self.last_error = getattr(exc, "message", None) or str(exc)
            log.info("connectivity: sync failed (%d in a row): %s", self.failures, self.last_error)
            self._set_state("offline")
            self.report_outbox()
            return False
        self.failures = 0
        self.last_error = None
        seq = getattr(pulled, "last_seq", None)
        if isinstance(seq, int):
            self.last_seq = max(self.last_seq, seq)
        self._set_state("online")
        self.report_outbox()
        return True

    def next_delay(self) -> float:
        if self.failures:
            return self.backoff.delay(self.failures)
        return self.channel_interval_s if self.channel_up else self.interval_s

    def feed_moved(self, seq: int) -> None:
        """The server says the feed reached `seq`: pull soon, unless the cache is there already."""
        if seq <= self.last_seq or self._loop is None or self._pull_due is not None:
            return
        self._pull_due = self._loop.call_later(self.notify_jitter_s * self._rand(), self._notified_pull)

    def feed_step(self, step: FeedStep) -> None:
        """The server sent the changes from `step.since` to `step.next_since`."""
        if step.next_since <= self.last_seq or self._loop is None:
            return
        if self._apply_step is None:
            self.feed_moved(step.next_since)
            return
        self._steps.append(step)
        if self._stepping is None or self._stepping.done():
            self._stepping = self._loop.create_task(self._apply_steps())

    async def _apply_steps(self) -> None:
        assert self._apply_step is not None
        while self._steps:
            step = self._steps.pop(0)
            if step.next_since <= self.last_seq:
                continue
            try:
                seq = await self._apply_step(step)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a cache that cannot be written: the pull reports it
                log.info("connectivity: a streamed page was not applied (%s); pulling", exc)
                seq = None
            if seq is None:
                self.feed_moved(step.next_since)
            else:
                self.steps_applied += 1
                self.last_seq = max(self.last_seq, seq)

    def _notified_pull(self) -> None:
        self._pull_due = None
        self.kick()

    def channel_state(self, up: bool) -> None:
        self.channel_up = up
        if not up and self._timer is not None and self._loop is not None:
            # Back to the ordinary poll, not after the long safety interval; jittered, as the
            # channel drops on every desktop at once when the server restarts.
            self._timer.cancel()
            delay = self.interval_s * (0.5 + self._rand() / 2)
            self._timer = self._loop.call_later(delay, self._wake_up)

    def kick(self) -> None:
        """Sync soon (e.g. right after the agent saved something)."""
        self.report_outbox()
        self._kicked = True
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def report_outbox(self) -> None:
        if self._on_outbox is None:
            return
        try:
            self._on_outbox(self._outbox_count())
        except Exception:
            log.exception("connectivity: outbox count could not be shown")

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._loop = asyncio.get_event_loop()
            self._task = self._loop.create_task(self._run())
            if self.channel is not None:
                on_step = self.feed_step if self._apply_step is not None else None
                self.channel.start(self.feed_moved, self.channel_state, on_step)

    async def stop(self) -> None:
        if self._pull_due is not None:
            self._pull_due.cancel()
            self._pull_due = None
        self._steps.clear()
        if self._stepping is not None:
            self._stepping.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._stepping
            self._stepping = None
        if self.channel is not None:
            await self.channel.stop()
            self.channel_up = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.cycle()
            except Exception:  # never let the background loop die silently
                log.exception("connectivity: unexpected error in a sync cycle")
                self.failures += 1
                self._set_state("offline")
            if self._kicked:
                self._kicked = False
                continue
            # A future on the loop we were started on: cancellable timers, no Event to re-arm.
            assert self._loop is not None
            self._wake = self._loop.create_future()
            self._timer = self._loop.call_later(self.next_delay(), self._wake_up)
            try:
                await self._wake
            finally:
                self._timer.cancel()
                self._timer = None
                self._wake = None

    def _wake_up(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def _set_state(self, state: str) -> None:
        self.state = state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                log.exception("connectivity: state could not be shown")
