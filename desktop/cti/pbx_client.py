"""One connection lifecycle for every PBX client (AMI, ESL): connect, stay connected, reconnect
with backoff and jitter, stop for good on a refused login, close cleanly at any moment.

A client subclasses `PbxLink` and supplies `connect()` (open, log in, subscribe, re-sync; raises
`auth_error` on a refused login), `_drop_connection()` (tear the socket and reader down, fail
what is pending), `_goodbye()` (the polite logoff) and `_reader_task` (done when the PBX hangs
up). `run()` is the loop both share, so both guard the same races:

- a cancel that Python 3.11's wait_for swallowed while a reply raced it (`current_task` guard);
- `close()` called while `connect()` is still in flight: the fresh connection is dropped and the
  loop ends instead of waiting on a socket nobody wants;
- a refused login is reported once and not retried (a retry storm locks the PBX account).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

from calldesk_domain.backoff import BackoffSettings, backoff_delay

log = logging.getLogger(__name__)

CONNECTED, DISCONNECTED = "connected", "disconnected"


class PbxLink:
    """Base of AmiClient and EslClient: the reconnect loop and the connection-state callback."""

    link_name = "PBX"
    auth_error: type[Exception] = PermissionError
    retry_errors: tuple[type[BaseException], ...] = (OSError, TimeoutError)

    def __init__(
        self,
        settings: BackoffSettings,
        on_state: Callable[[str, str], None] | None,
        rng: random.Random | None,
    ) -> None:
        self.on_state = on_state
        self.connected = False
        self.reconnects = 0
        self._backoff = settings
        self._rng = rng or random.Random()
        self._reader_task: asyncio.Task[None] | None = None
        self._closing = False

    # ---- what a client supplies --------------------------------------------------------------
    async def connect(self) -> None:
        raise NotImplementedError

    async def _drop_connection(self) -> None:
        raise NotImplementedError

    async def _goodbye(self) -> None:
        """Log off politely; called by close() with a short timeout, errors ignored."""

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
            wait = backoff_delay(attempt, self._backoff, self._rng)
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
