"""FeedChannel: the desktop's end of GET /api/v1/sync/notifications (docs/sync-protocol.md).

Holds one server-sent event stream per session and calls `on_feed(seq)` when the server says
the change feed moved; ConnectivityService then pulls at once instead of waiting for its poll.
With `on_step` the stream is opened with `?changes=1` and the server sends each step's changes
(`event: changes`, central/notify_pages.py): `on_step(FeedStep)`, which a current cache applies
without a pull. A step that is too big, malformed or not for this cache only says "pull".
Headless (httpx, no Qt). The stream drops (server restart, network, token expiry): `on_state
(False)`, the poll takes over, and the channel reconnects with backoff and jitter, so a floor of
desktops does not come back in step. Whatever the server sends is untrusted: lines that are too
long, not UTF-8, or events that are not the expected shape are ignored with a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from desktop.services.api import ApiError, CentralApi
from desktop.services.api_answers import retry_after_seconds

log = logging.getLogger(__name__)

PATH = "/api/v1/sync/notifications"
MAX_PAGE_EVENT = 320 * 1024  # the server streams pages up to 256 KiB (central/notify_pages.py)
MAX_LINE = MAX_PAGE_EVENT  # a feed event line is ~60 bytes, a changes line one page
MAX_EVENT_DATA = MAX_PAGE_EVENT
MAX_STEP_CHANGES = 1000
MAX_LOGGED_PER_STREAM = 5  # bad lines logged per connection (a hostile server must not flood the log)


@dataclass(slots=True)
class SseEvent:
    event: str = "message"
    data: str = ""
    id: str = ""


class SseParser:
    """Incremental text/event-stream parser with bounded lines; `feed(bytes)` -> events."""

    def __init__(self) -> None:
        self._buffer = b""
        self._skipping = False  # inside an over-long line: drop bytes up to its end
        self._event = SseEvent()
        self._data: list[str] = []
        self.bad_lines = 0

    def feed(self, chunk: bytes) -> list[SseEvent]:
        events: list[SseEvent] = []
        self._buffer += chunk
        while True:
            cut = self._next_break()
            if cut is None:
                if len(self._buffer) > MAX_LINE:
                    self._bad(f"a line longer than {MAX_LINE} bytes")
                    self._buffer = b""
                    self._skipping = True
                return events
            line, self._buffer = self._buffer[: cut[0]], self._buffer[cut[1] :]
            if self._skipping:
                self._skipping = False
                continue
            event = self._line(line)
            if event is not None:
                events.append(event)

    def _next_break(self) -> tuple[int, int] | None:
        """(end of the first line, start of the next) for \n, \r\n or \r endings."""
        lf, cr = self._buffer.find(b"\n"), self._buffer.find(b"\r")
        if cr < 0 or (0 <= lf < cr):
            return None if lf < 0 else (lf, lf + 1)
        if cr + 1 == len(self._buffer):
            return None  # wait: \r\n may be split across chunks
        return cr, cr + (2 if self._buffer[cr + 1] == 0x0A else 1)

    def _line(self, raw: bytes) -> SseEvent | None:
        if not raw:
            return self._dispatch()
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._bad("a line that is not UTF-8")
            return None
        if line.startswith(":"):
            return None  # a comment: the keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event.event = value[:64]
        elif name == "data":
            if sum(len(d) for d in self._data) + len(value) > MAX_EVENT_DATA:
                self._bad("an event with too much data")
                self._data = []
            else:
                self._data.append(value)
        elif name == "id":
            self._event.id = value[:64]
        elif name != "retry":
            self._bad(f"an unknown field {name[:32]!r}")
        return None

    def _dispatch(self) -> SseEvent | None:
        event, data = self._event, self._data
        self._event, self._data = SseEvent(), []
        if not data:
            return None
        event.data = "\n".join(data)
        return event

    def _bad(self, what: str) -> None:
        self.bad_lines += 1
        if self.bad_lines <= MAX_LOGGED_PER_STREAM:
            log.warning("notifications: ignored %s from the server", what)


def _seq(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62:
        return value
    return None


def feed_seq(event: SseEvent) -> int | None:
    """The seq of a `feed` event, or None (logged) for anything else."""
    if event.event != "feed":
        return None
    try:
        body = json.loads(event.data)
    except ValueError:
        log.warning("notifications: ignored a feed event that is not JSON")
        return None
    seq = _seq(body.get("seq")) if isinstance(body, dict) else None
    if seq is None:
        log.warning("notifications: ignored a feed event without a usable seq")
    return seq


@dataclass(frozen=True, slots=True)
class FeedStep:
    """The feed moved from `since` to `next_since`, and these are the changes in between, as a
    pull from `since` would have answered them."""

    since: int
    next_since: int
    changes: list[object]
    epoch: str | None


def feed_step(event: SseEvent) -> FeedStep | int | None:
    """A `changes` event as a FeedStep; its `next_since` alone (an int: pull) when the page is
    unusable but says where the feed is; None (logged) when nothing in it can be trusted. The
    changes themselves are checked record by record where they are applied, as pulled ones are."""
    if event.event != "changes":
        return None
    try:
        body = json.loads(event.data)
    except ValueError:
        log.warning("notifications: ignored a changes event that is not JSON")
        return None
    if not isinstance(body, dict):
        log.warning("notifications: ignored a changes event that is not an object")
        return None
    since, next_since = _seq(body.get("since")), _seq(body.get("next_since"))
    if since is None or next_since is None or next_since < since:
        log.warning("notifications: ignored a changes event without a usable since/next_since")
        return None
    changes, epoch = body.get("changes"), body.get("epoch")
    if not isinstance(changes, list) or len(changes) > MAX_STEP_CHANGES:
        log.warning("notifications: a changes event without a usable list of changes; pulling instead")
        return next_since
    if not (isinstance(epoch, str) and 0 < len(epoch) <= 64):
        epoch = None
    return FeedStep(since, next_since, changes, epoch)


class FeedChannel:
    """`on_feed(seq)` per notification; `on_state(up)` when the stream comes up or drops."""

    def __init__(
        self,
        api: CentralApi,
        *,
        idle_timeout_s: float = 45.0,  # 3 missed keep-alives: the connection is dead
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.api = api
        self.idle_timeout_s = idle_timeout_s
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.rand = rand
        self.up = False
        self.failures = 0
        self.connects = 0
        self.notifications = 0
        self.steps = 0
        self.on_feed: Callable[[int], None] | None = None
        self.on_state: Callable[[bool], None] | None = None
        self.on_step: Callable[[FeedStep], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._server_wait: float | None = None  # the Retry-After of the last refusal

    def start(
        self,
        on_feed: Callable[[int], None],
        on_state: Callable[[bool], None] | None = None,
        on_step: Callable[[FeedStep], None] | None = None,
    ) -> None:
        self.on_feed, self.on_state, self.on_step = on_feed, on_state, on_step
        if self._task is None or self._task.done():
            self._task = asyncio.get_event_loop().create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self._set_up(False)

    def next_delay(self) -> float:
        """The backoff before the next attempt; never shorter than the Retry-After of a server that
        refused the stream (503 overloaded, 429), spread over half as long again so a floor shed
        at once does not come back at once."""
        delay = min(self.backoff_cap_s, self.backoff_base_s * 2 ** max(self.failures - 1, 0))
        delay *= 0.5 + self.rand() / 2
        if self._server_wait is not None:
            delay = max(delay, min(self._server_wait, self.backoff_cap_s) * (1 + self.rand() / 2))
        return delay

    async def run(self) -> None:
        while True:
            try:
                await self._hold()
            except asyncio.CancelledError:
                raise
            except ApiError as exc:
                log.info("notifications: channel unavailable: %s", exc.message)
            except (httpx.HTTPError, OSError) as exc:
                log.info("notifications: channel dropped: %r", exc)
            except Exception:  # never let the background channel die silently
                log.exception("notifications: unexpected error in the channel")
            self._set_up(False)
            self.failures += 1
            delay = self.next_delay()
            self._server_wait = None
            await asyncio.sleep(delay)

    async def _hold(self) -> None:
        params = {"changes": "1"} if self.on_step is not None else None
        request = await self.api.stream_request(PATH, self.idle_timeout_s, params)
        response = await self.api.send_stream(request)
        try:
            if response.status_code == 401 and await self.api.renew_token():
                raise ApiError(401, "unauthorized", "token renewed; reconnecting")
            if response.status_code != 200:
                self._server_wait = retry_after_seconds(response)
                raise ApiError(response.status_code, f"http_{response.status_code}", "notifications refused")
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                raise ApiError(200, "bad_response", "the notification channel is not an event stream")
            self.connects += 1
            parser = SseParser()
            async for chunk in response.aiter_bytes():
                for event in parser.feed(chunk):
                    said = feed_step(event) if event.event == "changes" else feed_seq(event)
                    if said is None:
                        continue
                    self.failures = 0
                    self._set_up(True)
                    self.notifications += 1
                    self._deliver(said)
            raise ApiError(None, "closed", "the server ended the notification stream")
        finally:
            await response.aclose()

    def _deliver(self, said: FeedStep | int) -> None:
        try:
            if isinstance(said, FeedStep):
                self.steps += 1
                if self.on_step is not None:
                    self.on_step(said)
                    return
                said = said.next_since
            if self.on_feed is not None:
                self.on_feed(said)
        except Exception:
            log.exception("notifications: feed callback failed")

    def _set_up(self, up: bool) -> None:
        if up == self.up:
            return
        self.up = up
        log.info("notifications: channel %s", "up" if up else "down; polling")
        if self.on_state is not None:
            try:
                self.on_state(up)
            except Exception:
                log.exception("notifications: state callback failed")
