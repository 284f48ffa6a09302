"""One connection lifecycle for every PBX client (AMI, ESL): connect, stay connected, reconnect
with backoff and jitter, stop for good on a refused login, close cleanly at any moment.

A client subclasses `PbxLink` and supplies `connect()` (`_open()` the socket, start
`_reader_task` (done when the PBX hangs up), log in, subscribe, re-sync; raises `auth_error` on a
refused login), `_fail_pending()` (fail the commands still waiting for an answer) and `_goodbye()`
(the polite logoff). The rest is shared, so both clients guard the same races:

- a cancel that Python 3.11's wait_for swallowed while a reply raced it (`current_task` guard);
- `close()` called while `connect()` is still in flight: the fresh connection is dropped and the
  loop ends instead of waiting on a socket nobody wants;
- a refused login is reported once and not retried (a retry storm locks the PBX account);
- dropping the connection from inside the reader task does not cancel the task doing the drop;
- events held back by the normaliser (abandons not yet resolved) are delivered when the link
  drops, and every event passes the one `CallStateMachine` before it reaches `on_event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from calldesk_domain.backoff import BackoffSettings, backoff_delay
from desktop.cti.callstate import CallStateMachine
from desktop.cti.events import CtiEvent
from desktop.cti.normalizer import EventNormalizer

log = logging.getLogger(__name__)

CONNECTED, DISCONNECTED = "connected", "disconnected"


class LinkSettings(BackoffSettings, Protocol):
    """What the lifecycle reads from a client's config (AmiConfig, EslConfig)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def connect_timeout(self) -> float: ...


C = TypeVar("C", bound=LinkSettings)
N = TypeVar("N", bound=EventNormalizer[Any])


class PbxLink(Generic[C, N]):
    """Base of AmiClient and EslClient: the socket's lifecycle, the reconnect loop, event delivery
    and the connection-state callback (`C`: the config, `N`: the normaliser)."""

    link_name = "PBX"
    auth_error: type[Exception] = PermissionError
    connection_error: type[Exception] = ConnectionError
    retry_errors: tuple[type[BaseException], ...] = (OSError, TimeoutError)
    endpoint = "the PBX"  # "cannot reach <endpoint> at host:port"
    endpoint_hint = "check the host and port"
    lost_reason = "the connection to the PBX was lost"  # what pending commands fail with
    disconnected_detail = "PBX disconnected; reconnecting"

    def __init__(
        self,
        config: C,
        normalizer: N,
        on_event: Callable[[CtiEvent], None] | None,
        on_state: Callable[[str, str], None] | None,
        rng: random.Random | None,
    ) -> None:
        self.config = config
        self.normalizer = normalizer
        self.on_event = on_event
        self.on_state = on_state
        self.state = CallStateMachine()
        self.connected = False
        self.reconnects = 0
        self._rng = rng or random.Random()
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._closing = False

    # ---- what a client supplies --------------------------------------------------------------
    async def connect(self) -> None:
        raise NotImplementedError

    def _fail_pending(self, reason: str) -> None:
        """Fail every command still waiting for an answer with `connection_error(reason)`."""
        raise NotImplementedError

    async def _goodbye(self) -> None:
        """Log off politely; called by close() with a short timeout, errors ignored."""

    # ---- the socket --------------------------------------------------------------------------
    async def _open(self) -> asyncio.StreamReader:
        """Open the socket and keep its writer; `connection_error` if the PBX cannot be reached
        or close() ran meanwhile."""
        host, port = self.config.host, self.config.port
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), self.config.connect_timeout
            )
        except (OSError, TimeoutError) as exc:
            raise self.connection_error(
                f"cannot reach {self.endpoint} at {host}:{port} ({exc}); {self.endpoint_hint}"
            ) from exc
        if self._closing:  # close() ran while the socket was opening
            writer.close()
            raise self.connection_error("closed while connecting")
        self._writer = writer
        return reader

    async def _drop_connection(self) -> None:
        """Close the socket, stop the reader, fail what is pending, deliver what the normaliser
        held back, and say "disconnected" if we were connected. Safe to call at any time."""
        writer, self._writer = self._writer, None
        task, self._reader_task = self._reader_task, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self._fail_pending(self.lost_reason)
        was_connected, self.connected = self.connected, False
        for event in self.normalizer.flush():
            self._deliver(event)
        if was_connected:
            self._notify(DISCONNECTED, self.disconnected_detail)

    def _deliver(self, event: CtiEvent) -> bool:
        """Hand `event` to `on_event` if it changes the call state; True if it did."""
        if not self.state.apply(event):
            return False
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                log.exception("%s: event consumer failed on %s", self.link_name, event.wire_type)
        return True

    # ---- the shared lifecycle ----------------------------------------------------------------
    @property
    def closing(self) -> bool:
        return self._closing

    async def run(self) -> None:
        """Stay connected until close(); raises `auth_error` (after reporting it) on a refused login."""
        attempt = 0
        me = asyncio.current_task()
        while not self._closing:
            failure: str | None = None
            try:
                await self.connect()
                if me is not None and me.cancelling():
                    # Python 3.11's wait_for can swallow a cancel that races a reply: honour it.
                    raise asyncio.CancelledError
                if self._closing:  # close() ran while we were connecting
                    break
                attempt = 0
                if self._reader_task is not None:
                    await self._reader_task
            except self.auth_error as exc:
                self._notify(DISCONNECTED, str(exc))
                raise
            except self.retry_errors as exc:
                log.warning("%s: %s", self.link_name, exc)
                failure = str(exc)
            was_connected = self.connected
            await self._drop_connection()
            if self._closing:
                break
            self.reconnects += 1
            wait = backoff_delay(attempt, self.config, self._rng)
            attempt += 1
            if failure and not was_connected:  # never got in: say why, each try
                self._notify(DISCONNECTED, f"{failure}; retrying in {wait:.0f} s")
            log.info("%s: reconnecting in %.2f s", self.link_name, wait)
            await asyncio.sleep(wait)
        await self._drop_connection()

    async def close(self) -> None:
        """Stop for good: log off if connected, drop the connection; run() returns."""
        self._closing = True
        if self.connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._goodbye(), 1.0)
        await self._drop_connection()

    def _notify(self, state: str, detail: str) -> None:
        log.info("%s %s: %s", self.link_name, state, detail)
        if self.on_state is not None:
            try:
                self.on_state(state, detail)
            except Exception:
                log.exception("%s: connection-state callback failed", self.link_name)
