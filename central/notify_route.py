"""GET /api/v1/sync/notifications: a server-sent event stream saying "the feed moved to seq N".

The desktop holds one per session and pulls the change feed when told (docs/sync-protocol.md
"Notifications"). Each event is

    id: 1234
    event: feed
    data: {"seq":1234,"epoch":"9f2c..."}

or, on a stream opened with `?changes=1`, the step's changes themselves as an `event: changes`
(central/notify_pages.py), so a desktop that is current needs no pull. A comment line
(`: keep-alive`) goes out every `keepalive_s` so proxies and the client can
tell a quiet feed from a dead connection. The first event (the current head) is sent at once.
The stream ends when the access token expires (the desktop reconnects with a fresh one), when
the account is disabled, the sign-in revoked or the role changed (checked every `recheck_s`
for all streams at once, central/notify_guard.py), when the client
stops reading (a send blocked for `send_timeout_s`, or its queue full: dropped and counted), or
when the server shuts down.

No `from __future__ import annotations`: FastAPI resolves the route's `principal` type at import.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from fastapi import FastAPI, Query
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from central import auth
from central.notify import Notice, NotificationHub, Subscriber, read_head
from central.notify_guard import SessionGuard, StreamOwner
from central.notify_pages import PageBuilder
from central.route_deps import RouteDeps

log = logging.getLogger(__name__)

PATH = "/api/v1/sync/notifications"


@dataclass(frozen=True, slots=True)
class StreamSettings:
    keepalive_s: float = 15.0
    send_timeout_s: float = 10.0
    recheck_s: float = 60.0
    retry_ms: int = 3000  # the SSE `retry:` hint: how soon a client should reconnect


def feed_event(seq: int, epoch: str | None) -> bytes:
    data = json.dumps({"seq": seq, "epoch": epoch}, separators=(",", ":"))
    return f"id: {seq}\nevent: feed\ndata: {data}\n\n".encode("ascii")


class NotificationStream(Response):
    """The event stream of one subscriber (plain ASGI, so each send can be bounded in time)."""

    media_type = "text/event-stream"

    def __init__(
        self,
        hub: NotificationHub,
        subscriber: Subscriber,
        settings: StreamSettings,
        ends_at: float,
    ) -> None:
        super().__init__(headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        # A stream has no length: chunked transfer (Response put a Content-Length: 0 in).
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.hub = hub
        self.subscriber = subscriber
        self.settings = settings
        self.ends_at = ends_at

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sub = self.subscriber
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        disconnected.add_done_callback(lambda _: sub.end("disconnected"))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            first = f"retry: {self.settings.retry_ms}\n\n".encode("ascii")
            if await self._send(send, first + feed_event(self.hub.head, self.hub.epoch)):
                reason = await self._pump(send)
                if reason != "disconnected":
                    await self._send(send, b"", more_body=False)
        finally:
            self.hub.unsubscribe(sub)
            disconnected.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await disconnected

    async def _pump(self, send: Send) -> str:
        sub, settings = self.subscriber, self.settings
        while True:
            if time.time() >= self.ends_at:
                return "token_expired"
            await sub.wait(max(0.01, min(settings.keepalive_s, self.ends_at - time.time())))
            if sub.ended:
                return sub.reason or "closing"
            notices = sub.take()
            chunk = self._events(notices) if notices else b": keep-alive\n\n"
            if not await self._send(send, chunk):
                return "slow"

    def _events(self, notices: list[Notice]) -> bytes:
        """What the queued notices say to this subscriber: each step's changes (a chain, each
        starting where the one before ended) when it asked for them and they were built, else
        only the newest head."""
        role = self.subscriber.role
        if role is not None and all(n.pages is not None and role in n.pages for n in notices):
            return b"".join(n.pages[role] for n in notices if n.pages is not None)
        return feed_event(max(n.seq for n in notices), self.hub.epoch)

    async def _send(self, send: Send, body: bytes, *, more_body: bool = True) -> bool:
        """False when the client did not take it within send_timeout_s (it is then dropped)."""
        message: Message = {"type": "http.response.body", "body": body, "more_body": more_body}
        try:
            async with asyncio.timeout(self.settings.send_timeout_s):
                await send(message)
        except TimeoutError:
            self.hub.dropped += 1
            log.warning("notify: a client took no data for %.0f s; dropped", self.settings.send_timeout_s)
            return False
        except OSError:  # the connection went away under us
            return False
        return True


async def _wait_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def install_routes(
    app: FastAPI,
    deps: RouteDeps,
    hub: NotificationHub,
    epoch: Callable[[], str],
    key: Callable[[], bytes],
    settings: StreamSettings | None = None,
) -> None:
    """Add GET /api/v1/sync/notifications to `app` (central.app.create_app calls this); the hub
    builds the pages of `?changes=1` streams from `engine`, with the feed `epoch` and the pop
    `key` of the data minimisation."""
    if TYPE_CHECKING:
        principal: TypeAlias = auth.Principal  # deps.principal: Annotated[auth.Principal, Depends(...)]
    else:
        principal = deps.principal
    engine = deps.engine
    stream_settings = settings or StreamSettings()
    app.state.notify_settings = stream_settings
    hub.page_source = app.state.notify_pages = PageBuilder(engine, key, epoch)
    first_use = asyncio.Lock()  # a thousand desktops connecting at start read the epoch once
    guard = app.state.notify_guard = SessionGuard(
        engine,
        lambda: [(s.owner, s.end) for s in hub.live() if s.owner is not None],
        lambda: float(app.state.notify_settings.recheck_s),
    )
    guard_started: list[bool] = []  # on the first stream: the serving loop runs by then

    stream_answer: dict[str, Any] = {"content": {"text/event-stream": {}}}

    @app.get(PATH, response_model=None, responses={**deps.errors, 200: stream_answer})
    async def notifications(
        who: principal,
        changes: Annotated[bool, Query(description="send each step's changes, not only the head")] = False,
    ) -> Response:
        if hub.epoch is None or hub.head == 0:
            async with first_use:
                if hub.epoch is None:
                    hub.epoch = await asyncio.to_thread(epoch)
                if hub.head == 0:  # the feed source has not read the head yet (just started)
                    hub.publish(await asyncio.to_thread(read_head, engine))
        if not guard_started:
            guard_started.append(True)
            hub.run_beside(guard.run(), "notify-guard")
        owner = StreamOwner(who.user_id, who.username, who.session_id, who.role)
        return NotificationStream(
            hub,
            hub.subscribe(who.role if changes else None, owner),
            app.state.notify_settings,
            float(who.expires_at),
        )
