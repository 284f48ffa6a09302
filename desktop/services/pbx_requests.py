"""`calldesk agent ready|pause` and `calldesk dial` in the running desktop: the hand-off request
becomes a CTI command, goes to the PBX through the desktop's CTI source, and the PBX's answer goes
back to the command line.

Wiring (desktop/desks/root.py): `CtiDesk.request` is the `send` (over the local socket or the
bridge, results matched by id through its `CommandResults`):

    handoff.set_command_handler(command_handler(cti_desk.request, DEFAULT_REASONS))

`listener_sender` is the same `send` for a bare CtiListener (tests, tools).

`send` can be any `async (wire command) -> (ok, message)`: the local CTI socket here, or the
bridge link where the desktop talks to a bridge.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Protocol

from desktop.cti.pbx_commands import CommandError, check_reason, parse_command
from desktop.services.handoff import CommandHandler, HandoffReply

log = logging.getLogger(__name__)

SendCommand = Callable[[dict[str, Any]], Awaitable[tuple[bool, str]]]
DEFAULT_TIMEOUT_S = 45.0


class _Result(Protocol):
    # read-only: the listener's CommandResult is a frozen dataclass
    @property
    def id(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def message(self) -> str: ...


class _CommandListener(Protocol):
    async def send_command(self, command: dict[str, Any], agent: str | None = None) -> int: ...


def command_for(request: dict[str, str], reasons: Collection[str] | None) -> dict[str, Any]:
    """A validated hand-off request -> the CTI command; CommandError for an unknown reason."""
    if request["cmd"] == "dial":
        wire: dict[str, Any] = {"action": "dial", "target": request["number"]}
    elif request.get("state") == "pause":
        wire = {"action": "pause", "reason": check_reason(request.get("reason"), reasons)}
    else:
        wire = {"action": "unpause"}
    parse_command(wire, reasons)  # the same rules the PBX side applies
    return wire


async def handle_pbx_request(
    request: dict[str, str],
    send: SendCommand,
    reasons: Collection[str] | None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> tuple[bool, str]:
    """Run one hand-off request against the PBX; (ok, the PBX's answer or why it failed)."""
    try:
        wire = command_for(request, reasons)
    except CommandError as exc:
        return False, str(exc)
    try:
        return await asyncio.wait_for(send(wire), timeout_s)
    except TimeoutError:
        return False, f"the PBX did not answer {wire['action']} within {timeout_s:.0f} s"
    except (ConnectionError, OSError, ValueError) as exc:
        return False, f"could not send {wire['action']} to the PBX: {exc}"


def command_handler(
    send: SendCommand, reasons: Collection[str] | None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> CommandHandler:
    """The HandoffServer's command handler: runs each request on the running asyncio loop."""

    def handle(request: dict[str, str], reply: HandoffReply) -> None:
        task = asyncio.ensure_future(handle_pbx_request(request, send, reasons, timeout_s))

        def done(finished: asyncio.Future[tuple[bool, str]]) -> None:
            if finished.cancelled():
                reply(False, "the desktop stopped before the PBX answered")
            elif finished.exception() is not None:
                log.error("hand-off command failed", exc_info=finished.exception())
                reply(False, f"the desktop could not send the command: {finished.exception()}")
            else:
                reply(*finished.result())

        task.add_done_callback(done)

    return handle


class CommandResults:
    """Matches `command.result` lines to the commands waiting for them (by id)."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[tuple[bool, str]]] = {}

    def expect(self, command_id: str) -> asyncio.Future[tuple[bool, str]]:
        future: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
        self._waiting[command_id] = future
        return future

    def forget(self, command_id: str) -> None:
        self._waiting.pop(command_id, None)

    def resolve(self, result: _Result) -> None:
        """The listener's on_command_result (or a part of it)."""
        future = self._waiting.pop(result.id, None)
        if future is not None and not future.done():
            future.set_result((result.ok, result.message))


def listener_sender(listener: _CommandListener, agent: str, results: CommandResults) -> SendCommand:
    """`send` over the desktop's local CTI socket: the command goes to `agent`'s sources and the
    first command.result with its id is the answer."""

    async def send(wire: dict[str, Any]) -> tuple[bool, str]:
        command_id = str(uuid.uuid4())
        answer = results.expect(command_id)
        try:
            delivered = await listener.send_command({**wire, "id": command_id}, agent=agent)
            if delivered == 0:
                return False, f"no CTI source is connected for agent {agent}: the PBX link is down"
            return await answer
        finally:
            results.forget(command_id)

    return send
