"""Per-call and per-agent-pause facts from a stream of normalised events (`calldesk cti summarize`).

One dict per queue call, in the order the calls first appeared:
`{"kind":"call","call_id","caller","dnis","queue","agent","outcome","wait_s","talk_s","abandon_position"}`
(outcome answered | abandoned | unanswered, or None for a call still in progress), then one per
agent pause change, in order: `{"kind":"agent","agent","queue","paused","reason"}` (reason None when
unpaused). Only `agent.pause` events count as pause changes; a repeat of the agent's current pause
state (e.g. replayed after a re-sync) is not a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desktop.cti.callstate import CallRecord, CallStateMachine
from desktop.cti.events import AgentEvent, AgentEventKind, CtiEvent


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def call_fact(record: CallRecord) -> dict[str, Any]:
    return {
        "kind": "call",
        "call_id": record.call_id,
        "caller": record.caller,
        "dnis": record.dnis,
        "queue": record.queue,
        "agent": record.agent,
        "outcome": record.outcome,
        "wait_s": _seconds(record.wait_s),
        "talk_s": _seconds(record.talk_s),
        "abandon_position": record.abandon_position,
    }


def summarize(events: Iterable[CtiEvent]) -> list[dict[str, Any]]:
    machine = CallStateMachine()
    pauses: list[dict[str, Any]] = []
    last_pause: dict[tuple[str, str | None], tuple[bool, str]] = {}
    for event in events:
        machine.apply(event)
        if isinstance(event, AgentEvent) and event.kind is AgentEventKind.PAUSE and event.paused is not None:
            key = (event.agent, event.queue)
            state = (event.paused, event.reason if event.paused else "")
            if last_pause.get(key) == state:
                continue
            last_pause[key] = state
            pauses.append(
                {
                    "kind": "agent",
                    "agent": event.agent,
                    "queue": event.queue,
                    "paused": event.paused,
                    "reason": (event.reason or None) if event.paused else None,
                }
            )
    calls = [call_fact(record) for record in machine.calls.values() if record.join_ts is not None]
    return calls + pauses
