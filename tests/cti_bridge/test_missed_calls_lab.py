"""Missed calls on the agents' desktops, from what the real Asterisk 22 lab sent (tests/traces/
ami-lab/): a caller who hangs up while 1001's phone rings is a missed call of queue `sales` on
the desktop of every agent of that queue (issue #14: "abandoned and unanswered calls of my
queues"), not only on the supervisors'. Before the fix the bridge sent `queue.abandon` to
supervisors only, so the agents' missed-call list stayed empty on the real PBX."""

from __future__ import annotations

from typing import Any

import pytest

from calldesk_domain.missed_calls import MissedCalls

from .bridge_rig import Rig, until
from .lab_replay import event_frames

pytestmark = pytest.mark.timeout(60)


def missed_of(events: list[dict[str, Any]], queues: list[str]) -> list[tuple[str, str, str | None]]:
    missed = MissedCalls(queues)
    for event in events:
        if event["type"].startswith("queue."):
            missed.feed(event)
    return [(m.queue, m.cause.value, m.caller) for m in missed.calls()]


async def test_an_abandon_reaches_every_agent_of_the_queue(rig: Rig) -> None:
    await rig.push(event_frames("hangup_while_ringing"))
    one, two = rig.desks["1001"], rig.desks["1002"]
    await until(lambda: bool(one.of_type("queue.abandon")) and bool(two.of_type("queue.abandon")), timeout=10)
    # 1001's phone rang; 1002 was paused (break) but is a member of `sales` all the same
    assert missed_of(one.events, ["sales"]) == [("sales", "abandoned", "+8615900001111")]
    assert missed_of(two.events, ["sales", "service"]) == [("sales", "abandoned", "+8615900001111")]


async def test_an_answered_call_is_no_missed_call(rig: Rig) -> None:
    await rig.push(event_frames("answered"))
    one, two = rig.desks["1001"], rig.desks["1002"]
    await until(lambda: any(e["type"] == "call.ended" for e in one.events), timeout=10)
    await rig.ami.push(b"")
    assert missed_of(one.events, ["sales"]) == [] and missed_of(two.events, ["sales", "service"]) == []
