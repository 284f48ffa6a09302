"""The simulator's PBX side: answers commands the way a PBX would, from the calls it has played.

`calldesk demo` and `calldesk cti simulate` have no real switch behind them; this keeps the demo
honest. It follows every event the simulator sends (a call rings, is answered, ends), parses each
command with the same parser the real connectors use, and accepts only what a PBX would: answer
a ringing call, hold an answered one, complete a consult that exists, pause with a reason. What it
accepts it also reports back as events (`agent.pause`, `call.held`, a click-to-dial call's
`call.answered`), because the desktop must show the state the PBX reports, never its own guess.

It also keeps the queue's rule for offering calls (`offer_delay`): like an Asterisk queue member,
a paused agent (wrap-up's `acw` pause, `calldesk agent pause`, a supervisor's force) or one already
on a call is offered no call; the caller waits in the queue until the agent is free again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from desktop.cti.events import AgentEvent, AgentEventKind, CallEvent, CallEventKind, CtiEvent, to_wire
from desktop.cti.pbx_commands import (
    Action,
    CallCommand,
    CommandError,
    CommandOutcome,
    DialCommand,
    DtmfCommand,
    OutcomeStatus,
    PauseCommand,
    PbxCommand,
    SpyCommand,
    TransferCommand,
    parse_command,
)

RINGING, TALKING, HELD, CONSULTING, CONFERENCE = "ringing", "talking", "held", "consulting", "conference"
_STATE_AFTER = {
    "call.ringing": RINGING,
    "call.answered": TALKING,
    "call.held": HELD,
    "call.unheld": TALKING,
}
MAX_CALLS = 1000  # a long demo must not grow this without bound
_CALL_GONE = frozenset({"call.ended", "call.transferred", "queue.abandon", "queue.timeout"})


class SimulatedPbx:
    """Call states seen on the wire + the commands' answers. Pure: no sockets, a clock to inject.

    `wrapuptime_s` is the queue's wrapuptime (Asterisk queues.conf): after an answered call ends,
    no call is offered to the agent for that long, so the desktop's `acw` pause, sent when it sees
    the end, arrives before the next call can ring."""

    def __init__(self, agent: str, clock: Callable[[], float] = time.time, wrapuptime_s: float = 0.0) -> None:
        self.agent = agent
        self.clock = clock
        self.wrapuptime_s = max(0.0, wrapuptime_s)
        self.calls: dict[str, str] = {}  # call id -> state
        self.paused: bool | None = None
        self.reason = ""
        self._offer_after = float("-inf")  # clock time the wrapuptime of the last call ends

    def offer_delay(self) -> float | None:
        """Seconds until the queue may ring this agent: 0.0 now; None while the agent is paused or
        on a call (no call is offered until that changes)."""
        if self.paused or self.calls:
            return None
        return max(0.0, self._offer_after - self.clock())

    def observe(self, event: dict[str, Any]) -> None:
        """Follow an event the simulator sent to the desktop."""
        call_id, kind = event.get("call_id"), event.get("type")
        if kind in ("agent.pause", "agent.state"):
            self._observe_agent(event)
            return
        if not isinstance(call_id, str) or not isinstance(kind, str):
            return
        if kind in _CALL_GONE:
            state = self.calls.pop(call_id, None)
            if state is not None and state != RINGING:  # an answered call: the wrapuptime starts
                self._offer_after = self.clock() + self.wrapuptime_s
        elif kind in _STATE_AFTER:
            self.calls[call_id] = _STATE_AFTER[kind]
            while len(self.calls) > MAX_CALLS:
                self.calls.pop(next(iter(self.calls)))

    def _observe_agent(self, event: dict[str, Any]) -> None:
        """A pause the PBX reported for this agent (a script's, or one a command made) is its state."""
        paused = event.get("paused")
        if event.get("agent", self.agent) != self.agent or not isinstance(paused, bool):
            return
        self.paused = paused
        reason = event.get("reason")
        self.reason = reason if paused and isinstance(reason, str) else ""

    def handle(self, wire: Any) -> tuple[CommandOutcome, list[dict[str, Any]]]:
        """A command line's answer and the events that follow it (already applied here)."""
        try:
            command = parse_command(wire)
        except CommandError as exc:
            return CommandOutcome(OutcomeStatus.INVALID, str(exc)), []
        outcome, events = self._run(command)
        wires = [to_wire(event) for event in events]
        for event in wires:
            self.observe(event)
        return outcome, wires

    # ---- the rules ----------------------------------------------------------------------------
    def _run(self, command: PbxCommand) -> tuple[CommandOutcome, list[CtiEvent]]:
        if isinstance(command, PauseCommand):
            return self._pause(command)
        if isinstance(command, DialCommand):
            return self._dial(command)
        if isinstance(command, SpyCommand):
            return CommandOutcome.unsupported("the demo PBX has no other agents' calls to join"), []
        assert isinstance(command, CallCommand | TransferCommand | DtmfCommand)
        state = self.calls.get(command.call_id)
        if state is None:
            return _refused(f"no such call {command.call_id!r} (it may have ended)"), []
        needs = _NEEDS[command.action]
        if state not in needs:
            return _refused(f"cannot {command.action.value} a call that is {state}"), []
        return self._call_step(command, state)

    def _call_step(
        self, command: CallCommand | TransferCommand | DtmfCommand, state: str
    ) -> tuple[CommandOutcome, list[CtiEvent]]:
        action, call_id = command.action, command.call_id
        event_kind: CallEventKind | None = None
        if action is Action.ANSWER:
            event_kind = CallEventKind.ANSWERED
        elif action is Action.HANGUP:
            event_kind = CallEventKind.ENDED
        elif action is Action.HOLD:
            event_kind = CallEventKind.HELD
        elif action is Action.UNHOLD:
            event_kind = CallEventKind.UNHELD
        elif action in (Action.TRANSFER, Action.CONSULT_COMPLETE):
            event_kind = CallEventKind.TRANSFERRED
        elif action is Action.CONSULT:
            self.calls[call_id] = CONSULTING
        elif action is Action.CONSULT_CANCEL:
            self.calls[call_id] = TALKING
        elif action is Action.CONFERENCE:
            self.calls[call_id] = CONFERENCE
        target = command.target if isinstance(command, TransferCommand) else None
        events: list[CtiEvent] = []
        if event_kind is not None:
            events.append(CallEvent(event_kind, call_id, self.clock(), agent=self.agent, target=target))
        return CommandOutcome.accepted(f"simulated {action.value}"), events

    def _pause(self, command: PauseCommand) -> tuple[CommandOutcome, list[CtiEvent]]:
        agent = command.agent or self.agent
        if agent == self.agent:
            self.paused, self.reason = command.paused, command.reason
        event = AgentEvent(
            AgentEventKind.PAUSE,
            agent,
            self.clock(),
            queue=command.queue,
            paused=command.paused,
            reason=command.reason,
        )
        done = f"paused ({command.reason})" if command.paused else "ready"
        return CommandOutcome.accepted(done), [event]

    def _dial(self, command: DialCommand) -> tuple[CommandOutcome, list[CtiEvent]]:
        call_id = f"sim-out-{uuid.uuid4().hex[:12]}"
        event = CallEvent(
            CallEventKind.ANSWERED,
            call_id,
            self.clock(),
            caller=command.number,
            agent=self.agent,
            extra={"direction": "outbound"},
        )
        return CommandOutcome.accepted(f"dialling {command.number}", call_id=call_id), [event]


_ACTIVE = frozenset({TALKING, HELD, CONSULTING, CONFERENCE})
_NEEDS: dict[Action, frozenset[str]] = {
    Action.ANSWER: frozenset({RINGING}),
    Action.HANGUP: _ACTIVE | {RINGING},
    Action.HOLD: frozenset({TALKING}),
    Action.UNHOLD: frozenset({HELD}),
    Action.TRANSFER: frozenset({TALKING, HELD}),
    Action.CONSULT: frozenset({TALKING, HELD}),
    Action.CONSULT_COMPLETE: frozenset({CONSULTING, CONFERENCE}),
    Action.CONSULT_SWAP: frozenset({CONSULTING}),
    Action.CONSULT_CANCEL: frozenset({CONSULTING}),
    Action.CONFERENCE: frozenset({CONSULTING}),
    Action.DTMF: _ACTIVE,
}


def _refused(message: str) -> CommandOutcome:
    return CommandOutcome(OutcomeStatus.REFUSED, message)
