"""Asterisk AMI connector: an asyncio client that logs in, turns the event stream into normalised
CTI events, and sends the actions behind the desktop's commands.

    client = AmiClient(AmiConfig(host, 5038, "calldesk", secret, auth="md5"),
                       on_event=forward, on_state=show_banner)
    task = asyncio.create_task(client.run())      # connect, re-connect with backoff, re-sync

Every event passes through one `CallStateMachine`; only events that change it reach `on_event`,
so the QueueStatus re-sync after a reconnect does not hand consumers anything twice.
`on_state("connected" | "disconnected", detail)` drives a "PBX disconnected" banner.

The connection lifecycle (reconnect with backoff, refused login, close at any moment) is the one
every PBX client shares: desktop/cti/pbx_client.py. Call-control commands, typed and checked
against Asterisk 22, are desktop/cti/ami_commands.py (AmiCommands runs them through
`send_action`); this module only speaks the protocol.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.cti.ami_normalize import AmiNormalizer, normalize_messages
from desktop.cti.ami_parser import AmiMessage, AmiParser, parse_ami_messages
from desktop.cti.events import CtiEvent
from desktop.cti.pbx_client import CONNECTED, PbxLink

log = logging.getLogger(__name__)
RESYNC_ATTEMPTS = 40  # QueueStatus asked again for up to ~20 s while the PBX is still loading
RESYNC_RETRY_S = 0.5


def parse_ami_bytes(data: bytes) -> list[CtiEvent]:
    """A recorded AMI stream -> normalised events (what `calldesk cti parse --format ami` prints)."""
    return normalize_messages(parse_ami_messages(data))


class AmiError(Exception):
    """An AMI problem; the message says what happened and what to do."""


class AmiAuthError(AmiError):
    """The PBX refused the login: wrong user name or secret, or the user may not log in."""


class AmiActionError(AmiError):
    """The PBX answered an action with Response: Error."""

    def __init__(self, action: str, response: AmiMessage) -> None:
        self.response = response
        super().__init__(f"AMI {action} failed: {response.get('Message') or 'no reason given'}")


class AmiConnectionError(AmiError, ConnectionError):
    """The connection to the PBX is down."""


class AmiTimeout(AmiError):
    """The PBX did not answer an action in time (it may still carry it out)."""


@dataclass
class AmiConfig:
    host: str
    port: int = 5038
    username: str = ""
    secret: str = field(default="", repr=False)
    auth: str = "md5"  # "md5" (challenge/response) or "plain"
    connect_timeout: float = 5.0
    action_timeout: float = 10.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    backoff_jitter: float = 0.25  # each delay is stretched by up to this fraction, at random
    region: str = "CN"  # caller ids without a country code are numbers of this region (phone_region)


@dataclass
class AmiListResult:
    """An event-list action's answer: the response and the events up to its *Complete event."""

    response: AmiMessage
    events: list[AmiMessage]


@dataclass
class _Pending:
    future: asyncio.Future[Any]
    action: str
    events: list[AmiMessage] | None = None  # set while an event list is being collected
    response: AmiMessage | None = None
    action_id: str = ""
    followup: asyncio.Future[AmiMessage] | None = None  # the event that reports the outcome, if any


class AmiClient(PbxLink[AmiConfig, AmiNormalizer]):
    link_name = "AMI"
    auth_error = AmiAuthError
    connection_error = AmiConnectionError
    retry_errors = (AmiError, OSError, TimeoutError)
    endpoint = "the PBX's AMI"
    endpoint_hint = "check the host, port and that manager.conf enables it"

    def __init__(
        self,
        config: AmiConfig,
        on_event: Callable[[CtiEvent], None] | None = None,
        on_state: Callable[[str, str], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(config, AmiNormalizer(region=config.region), on_event, on_state, rng)
        self.version: str | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, _Pending] = {}
        self._followups: dict[str, tuple[str, asyncio.Future[AmiMessage]]] = {}  # id -> (event, its future)

    # ---- connection life ------------------------------------------------------------------
    async def connect(self) -> None:
        """Connect, log in (raises AmiAuthError on a refused login), turn events on, re-sync."""
        reader = await self._open()
        parser = AmiParser()
        self._reader_task = asyncio.get_running_loop().create_task(self._read_loop(reader, parser))
        try:
            await self._login()
        except BaseException:
            await self._drop_connection()
            raise
        self.version = parser.version
        self.connected = True
        self._notify(CONNECTED, f"AMI {self.version or '?'} at {self.config.host}:{self.config.port}")
        await self.resync()

    async def _goodbye(self) -> None:
        await self.send_action("Logoff")

    # ---- reading ------------------------------------------------------------------------
    async def _read_loop(self, reader: asyncio.StreamReader, parser: AmiParser) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for message in parser.feed(data):
                self._dispatch(message)

    def _dispatch(self, message: AmiMessage) -> None:
        action_id = message.action_id
        pending = self._pending.get(action_id) if action_id else None
        if pending is not None:
            self._route_to_action(action_id or "", pending, message)
        elif action_id in self._followups and message.event == self._followups[action_id][0]:
            _, followup = self._followups.pop(action_id)
            if not followup.done():
                followup.set_result(message)
        if message.event is not None:
            for event in self.normalizer.feed(message):
                self._deliver(event)

    def _route_to_action(self, action_id: str, pending: _Pending, message: AmiMessage) -> None:
        if "Response" in message.headers and pending.response is None:
            pending.response = message
            if message.headers["Response"] == "Error":
                self._pending.pop(action_id, None)
                if not pending.future.done():
                    pending.future.set_exception(AmiActionError(pending.action, message))
            elif message.headers.get("EventList", "").lower() == "start":
                pending.events = []
            else:
                self._pending.pop(action_id, None)
                if not pending.future.done():
                    pending.future.set_result(message)
        elif "Event" in message.headers and pending.events is not None:
            if message.headers.get("EventList", "").lower() == "complete":
                self._pending.pop(action_id, None)
                if not pending.future.done():
                    assert pending.response is not None
                    pending.future.set_result(AmiListResult(pending.response, pending.events))
            else:
                pending.events.append(message)

    def _fail_pending(self, reason: str) -> None:
        followups, self._followups = self._followups, {}
        for _, followup in followups.values():
            if not followup.done():
                followup.set_exception(AmiConnectionError(reason))
        pending, self._pending = self._pending, {}
        for item in pending.values():
            if not item.future.done():
                item.future.set_exception(AmiConnectionError(reason))

    # ---- actions ------------------------------------------------------------------------
    async def _send(self, action: str, headers: dict[str, str], followup: str | None = None) -> _Pending:
        if self._writer is None:
            raise AmiConnectionError("not connected to the PBX")
        action_id = f"cd-{next(self._ids)}"
        followup_future: asyncio.Future[AmiMessage] | None = None
        if followup is not None:
            followup_future = asyncio.get_running_loop().create_future()
            self._followups[action_id] = (followup, followup_future)
        lines = [f"Action: {action}", f"ActionID: {action_id}"]
        for key, value in headers.items():
            text = str(value).replace("\r", " ").replace("\n", " ")
            lines.append(f"{key}: {text}")
        pending = _Pending(
            asyncio.get_running_loop().create_future(), action, None, None, action_id, followup_future
        )
        self._pending[action_id] = pending
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            await self._writer.drain()
        except (OSError, ConnectionError) as exc:
            self._pending.pop(action_id, None)
            self._followups.pop(action_id, None)
            raise AmiConnectionError(f"could not send {action}: {exc}") from exc
        return pending

    async def _await(self, pending: _Pending) -> Any:
        try:
            return await asyncio.wait_for(asyncio.shield(pending.future), self.config.action_timeout)
        except TimeoutError as exc:
            self._pending.pop(pending.action_id, None)  # a late answer is then simply ignored
            raise AmiTimeout(
                f"the PBX did not answer {pending.action} within {self.config.action_timeout} s"
            ) from exc

    async def send_action(self, action: str, **headers: str) -> AmiMessage:
        """Send one action; returns its response (raises AmiActionError on Response: Error)."""
        result = await self._await(await self._send(action, headers))
        if isinstance(result, AmiListResult):
            return result.response
        return result

    async def send_action_then_event(
        self, action: str, event: str, event_timeout: float, **headers: str
    ) -> tuple[AmiMessage, AmiMessage]:
        """An action whose outcome comes later as an event with its ActionID (Originate with
        Async -> OriginateResponse): returns (response, event); AmiTimeout if the event is late."""
        pending = await self._send(action, headers, followup=event)
        followup = pending.followup
        assert followup is not None
        try:
            response = await self._await(pending)
            try:
                message = await asyncio.wait_for(asyncio.shield(followup), event_timeout)
            except TimeoutError as exc:
                raise AmiTimeout(
                    f"the PBX did not report how {action} ended within {event_timeout:.0f} s"
                ) from exc
        finally:
            self._followups.pop(pending.action_id, None)
        return (response.response if isinstance(response, AmiListResult) else response), message

    async def send_list_action(self, action: str, **headers: str) -> AmiListResult:
        """An event-list action (QueueStatus, CoreShowChannels ...): response + its events."""
        result = await self._await(await self._send(action, headers))
        if isinstance(result, AmiListResult):
            return result
        return AmiListResult(result, [])

    async def _login(self) -> None:
        user, secret = self.config.username, self.config.secret
        try:
            if self.config.auth.lower() == "md5":
                challenge = await self.send_action("Challenge", AuthType="MD5")
                key = hashlib.md5((challenge.get("Challenge") + secret).encode()).hexdigest()
                await self.send_action("Login", AuthType="MD5", Username=user, Key=key, Events="on")
            else:
                await self.send_action("Login", Username=user, Secret=secret, Events="on")
        except AmiActionError as exc:
            reason = exc.response.get("Message") or "refused"
            raise AmiAuthError(
                f"the PBX refused the AMI login for user {user!r}: {reason}. "
                "Check the AMI user name and secret (manager.conf) in the CTI settings."
            ) from exc

    async def resync(self) -> AmiListResult:
        """QueueStatus: members and waiting callers go through the state machine (which drops
        what it already knows); callers we thought waiting but the PBX no longer lists leave."""
        for attempt in range(RESYNC_ATTEMPTS):
            try:
                result = await self.send_list_action("QueueStatus")
                break
            except AmiActionError as exc:
                # A PBX that has just (re)started answers AMI before app_queue is loaded
                # ("Invalid/unknown command: QueueStatus"): on the real Asterisk the re-sync after
                # `core restart now` failed so, and desktops kept a pause the PBX had forgotten.
                if "unknown command" not in str(exc).lower() or attempt == RESYNC_ATTEMPTS - 1:
                    raise
                log.info("AMI: QueueStatus not loaded yet (%s); asking again", exc)
                await asyncio.sleep(RESYNC_RETRY_S)
        present: dict[str, set[str]] = {name: set() for name in self.state.queues}
        for message in result.events:
            queue = message.get("Queue")
            if not queue:
                continue
            present.setdefault(queue, set())
            if message.event == "QueueEntry":
                call_id = self.normalizer.call_id_for_channel(message.get("Uniqueid"))
                if call_id:
                    present[queue].add(call_id)
        now = time.time()
        for queue, call_ids in present.items():
            for event in self.state.stale_waiting(queue, call_ids, now):
                self._deliver(event)
        return result

    async def queue_status(self, queue: str | None = None) -> AmiListResult:
        return await self.send_list_action("QueueStatus", **({"Queue": queue} if queue else {}))
