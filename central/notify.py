"""Change notifications: "the feed moved to seq N", fanned out to every connected desktop.

One `NotificationHub` per API process (per uvicorn worker) holds the subscribers (one bounded
queue each) and the newest seq it has heard of. What feeds it:

- PostgreSQL: `PgFeedListener`, ONE psycopg async connection per worker that LISTENs on the
  channel a trigger on change_log NOTIFYs at commit (migration 0011). Every writer is covered:
  the other workers, other API hosts, `calldesk central import`. A dropped connection (PostgreSQL
  restarted) is retried with backoff; once back it re-reads the head so nothing is missed.
- SQLite: `LocalFeedWatcher`, in-process. A pooled connection that committed pokes it when it
  goes back to the pool (after the commit, so the new rows are visible); it reads max(seq) and
  publishes. A slow periodic check catches writes from other processes.

A subscriber that does not keep up (its queue is full: the client stopped reading and its socket
buffers are full) is dropped and counted; the desktop reconnects or falls back to polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from central.notify_guard import StreamOwner
from central.tables import change_log

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 32
DEFAULT_MIN_INTERVAL_S = 0.5
FAN_OUT_SLICE = 64  # streams woken per turn of the loop (NotificationHub._fan_out)
# A notice reaches its streams over this share of the notification interval, not all at once
# (NotificationHub._fan_out)
FAN_OUT_SPREAD_SHARE = 0.3
CHANNEL_PREFIX = "calldesk_feed_"  # + the schema of change_log (migration 0011)


@dataclass(frozen=True, slots=True)
class Notice:
    """The feed moved from `since` to `seq`; `pages` holds the `changes` event of that step per
    role (central/notify_pages.py), or is None when only the head is known."""

    seq: int
    since: int
    pages: Mapping[str, bytes] | None = None


PageSource = Callable[[int, int], Awaitable[Mapping[str, bytes] | None]]


@dataclass(eq=False)
class Subscriber:
    """One notification stream: the notices not yet sent (at most `limit`), and `ended` (with
    its `reason`) once it must end (dropped or closing). `role` is set when the desktop asked
    for the changes themselves.

    Its stream waits on one future per wake-up, resolved by a notice or the end: at 2,000
    streams a notification per second each, an asyncio.Queue getter task plus asyncio.wait
    per notice was a third of an API worker's CPU (bench/bench_central_load.py)."""

    limit: int
    role: str | None = None
    owner: StreamOwner | None = None  # who opened it, re-checked while open (notify_guard.py)
    ended: bool = False
    reason: str = ""
    notices: list[Notice] = field(default_factory=list)
    _wake: asyncio.Future[None] | None = field(default=None, repr=False)

    def offer(self, notice: Notice) -> bool:
        """Queue `notice`; False when `limit` notices are already waiting (the client is not
        reading)."""
        if len(self.notices) >= self.limit:
            return False
        self.notices.append(notice)
        self._wake_up()
        return True

    def take(self) -> list[Notice]:
        notices, self.notices = self.notices, []
        return notices

    def end(self, reason: str) -> None:
        if not self.ended:
            self.ended = True
            self.reason = reason
            self._wake_up()

    async def wait(self, timeout_s: float) -> None:
        """Until a notice is waiting, the stream ended, or `timeout_s` passed."""
        if self.notices or self.ended:
            return
        loop = asyncio.get_running_loop()
        self._wake = wake = loop.create_future()
        timer = loop.call_later(timeout_s, self._wake_up)
        try:
            await wake
        finally:
            timer.cancel()
            self._wake = None

    def _wake_up(self) -> None:
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)


class NotificationHub:
    """Fan-out of feed heads to subscribers, on the API's event loop (`publish_threadsafe` from
    other threads). `epoch` is the feed's epoch, sent with every notification."""

    def __init__(
        self, queue_size: int = DEFAULT_QUEUE_SIZE, min_interval_s: float = DEFAULT_MIN_INTERVAL_S
    ) -> None:
        self.queue_size = max(1, queue_size)
        # At most one notification per interval (the newest head): at 50 writes/s a notification
        # per write would make every desktop pull 50 times a second.
        self.min_interval_s = max(0.0, min_interval_s)
        self.head = 0
        self._pending = 0
        self._last_sent = float("-inf")
        self._flush: asyncio.TimerHandle | None = None
        self.epoch: str | None = None
        self.closing = False
        self.dropped = 0  # subscribers dropped because they did not keep up
        self.published = 0
        self.source_connected = False  # the LISTEN connection (always True for SQLite)
        self._subscribers: set[Subscriber] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Builds the pages a notice carries; one build at a time, in seq order (central/notify_pages.py)
        self.page_source: PageSource | None = None
        self._target = 0
        self._building: asyncio.Task[None] | None = None
        self._beside: set[asyncio.Task[None]] = set()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def subscribe(self, role: str | None = None, owner: StreamOwner | None = None) -> Subscriber:
        subscriber = Subscriber(self.queue_size, role, owner)
        if self.closing:
            subscriber.end("closing")
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def live(self) -> list[Subscriber]:
        return [s for s in self._subscribers if not s.ended]

    def run_beside(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """Run a helper of the streams (the sign-in re-check) until the hub closes."""
        if self.closing or self._loop is None:
            coro.close()
            return
        self._beside.add(self._loop.create_task(coro, name=name))

    def publish(self, seq: int) -> None:
        """The feed reached `seq` (older or repeated heads are ignored). Call on the loop.
        Within `min_interval_s` of the last notification it is held and sent (with any newer
        head) when the interval is up."""
        if seq <= max(self.head, self._pending):
            return
        wait = self._last_sent + self.min_interval_s - time.monotonic()
        if wait > 0 and self._loop is not None:
            self._pending = seq
            if self._flush is None:
                self._flush = self._loop.call_later(wait, self._send_pending)
            return
        self._send(seq)

    def _send_pending(self) -> None:
        self._flush = None
        if self._pending > self.head:
            self._send(self._pending)

    def _send(self, seq: int) -> None:
        self._last_sent = time.monotonic()
        if self.page_source is None or self._loop is None:
            self._deliver(Notice(seq, self.head))
            return
        self._target = max(self._target, seq)
        if self._building is None or self._building.done():
            self._building = self._loop.create_task(self._build_pages(), name="notify-pages")

    async def _build_pages(self) -> None:
        """Notices in seq order, each with its pages: a head that arrives during a build is
        sent (with everything since the last one) when the build ends."""
        assert self.page_source is not None
        while self._target > self.head and not self.closing:
            since, seq = self.head, self._target
            if since == 0:  # the first head this process heard of: nothing to step from
                self._deliver(Notice(seq, since))
                continue
            try:
                pages = await self.page_source(since, seq)
            except Exception:  # the plain head still goes out: desktops pull
                log.exception("notify: the changes %d..%d could not be built", since, seq)
                pages = None
            await self._fan_out(Notice(seq, since, pages))

    def _deliver(self, notice: Notice) -> None:
        self.head = notice.seq
        self.published += 1
        for subscriber in list(self._subscribers):
            self._offer(subscriber, notice)

    async def _fan_out(self, notice: Notice) -> None:
        """`_deliver`, FAN_OUT_SLICE subscribers at a time, the slices spread evenly over
        FAN_OUT_SPREAD_SHARE of the interval. Each offer wakes a stream that writes to its
        socket (and its desktop then reads it): a thousand in one turn of the loop held every
        request of the worker for a few hundred milliseconds, every notification, and slices
        sent back to back still made one burst a second that both cores spent on the streams,
        with the server's and the desktops' side at once; a push that came then waited it out
        (bench/bench_central_load.py: push p99 254 -> 218 ms at 2,000 desktops)."""
        self.head = notice.seq
        self.published += 1
        subscribers = list(self._subscribers)
        slices = -(-len(subscribers) // FAN_OUT_SLICE)
        pause = FAN_OUT_SPREAD_SHARE * self.min_interval_s / (slices - 1) if slices > 1 else 0.0
        for count, subscriber in enumerate(subscribers, start=1):
            self._offer(subscriber, notice)
            if count % FAN_OUT_SLICE == 0 and count < len(subscribers):
                await asyncio.sleep(pause)

    def _offer(self, subscriber: Subscriber, notice: Notice) -> None:
        if subscriber.ended:
            return
        if not subscriber.offer(notice):
            self.dropped += 1
            subscriber.end("slow")
            log.warning("notify: a subscriber fell %d notifications behind; dropped", self.queue_size)

    def publish_threadsafe(self, seq: int) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.publish, seq)

    def close(self) -> None:
        """End every stream (the server is shutting down: streams must not hold it up)."""
        self.closing = True
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._building is not None:
            self._building.cancel()
        for task in self._beside:
            task.cancel()
        for subscriber in list(self._subscribers):
            subscriber.end("closing")

    def close_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.close)

    def stats(self) -> dict[str, Any]:
        return {
            "subscribers": self.subscribers,
            "dropped": self.dropped,
            "published": self.published,
            "head": self.head,
            "source_connected": self.source_connected,
        }


def read_head(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(change_log.c.seq))).scalar_one() or 0)


class LocalFeedWatcher:
    """SQLite (in-process): a committed pooled connection pokes the watcher when it returns to
    the pool; the watcher reads the head and publishes. Also checks every `interval_s` for
    writes by other processes."""

    def __init__(self, engine: Engine, hub: NotificationHub, interval_s: float = 1.0) -> None:
        self.engine = engine
        self.hub = hub
        self.interval_s = interval_s
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _mark(self, conn: Any) -> None:
        # Fires just before a commit; the flag lives with the pooled DBAPI connection, and its
        # return to the pool (after the commit) pokes the watcher.
        with contextlib.suppress(Exception):
            conn.connection.info["calldesk_wrote"] = True

    def _on_checkin(self, _dbapi: Any, record: Any) -> None:
        if record is not None and record.info.pop("calldesk_wrote", False):
            self._poke()

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        sa.event.listen(self.engine, "commit", self._mark)
        sa.event.listen(self.engine.pool, "checkin", self._on_checkin)
        self.hub.source_connected = True
        try:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self.hub.publish(await asyncio.to_thread(read_head, self.engine))
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
                self._wake.clear()
                try:
                    self.hub.publish(await asyncio.to_thread(read_head, self.engine))
                except sa.exc.SQLAlchemyError as exc:
                    log.debug("notify: feed head unreadable: %s", exc)
        finally:
            sa.event.remove(self.engine, "commit", self._mark)
            sa.event.remove(self.engine.pool, "checkin", self._on_checkin)


def libpq_url(url: URL) -> str:
    """The SQLAlchemy URL as a libpq connection URI (query options such as search_path kept)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PgFeedListener:
    """PostgreSQL: one LISTEN connection per worker; reconnects with backoff after a drop."""

    def __init__(
        self,
        url: URL,
        engine: Engine,
        hub: NotificationHub,
        *,
        backoff_s: tuple[float, float] = (0.5, 10.0),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.engine = engine
        self.hub = hub
        self.backoff_s = backoff_s
        self.clock = clock
        self.reconnects = 0

    async def run(self) -> None:
        import psycopg

        delay = self.backoff_s[0]
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError, sa.exc.SQLAlchemyError) as exc:
                self.hub.source_connected = False
                log.warning("notify: LISTEN connection lost (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(self.backoff_s[1], delay * 2)
            self.reconnects += 1

    async def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        async with await psycopg.AsyncConnection.connect(libpq_url(self.url), autocommit=True) as conn:
            cursor = await conn.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = 'change_log'::regclass"
            )
            row = await cursor.fetchone()
            channel = CHANNEL_PREFIX + str(row[0] if row else "public")
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.hub.source_connected = True
            # Anything committed while we were not listening: one read of the head.
            self.hub.publish(await asyncio.to_thread(read_head, self.engine))
            log.info("notify: listening on %s", channel)
            async for notice in conn.notifies():
                seq = _seq_from(notice.payload)
                if seq is None:
                    log.warning("notify: ignored a notification with payload %r", notice.payload[:64])
                    continue
                self.hub.publish(seq)


def _seq_from(payload: str) -> int | None:
    text = payload.strip()
    if not text.isdigit() or len(text) > 19:
        return None
    return int(text)


def start_source(hub: NotificationHub, engine: Engine) -> asyncio.Task[None]:
    """The task that feeds `hub` for this engine's database (call on the serving loop)."""
    hub.bind(asyncio.get_running_loop())
    if engine.dialect.name == "postgresql":
        return asyncio.create_task(PgFeedListener(engine.url, engine, hub).run(), name="feed-listener")
    return asyncio.create_task(LocalFeedWatcher(engine, hub).run(), name="feed-watcher")
