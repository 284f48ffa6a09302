"""The real Asterisk 22 lab's recorded AMI streams (tests/traces/ami-lab/, see its README)
replayed through the real bridge to the two demo desktops: what each desktop is shown."""

from __future__ import annotations

from typing import Any

import pytest

from .bridge_rig import Rig, until
from .lab_replay import TRACES, event_frames

pytestmark = pytest.mark.timeout(60)


def shown(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        if e["type"] == "call.ringing":
            direction = e.get("extra", {}).get("direction", "queue")
            out.append(f"ringing {e.get('caller', 'withheld')} {direction}")
        elif e["type"] == "call.ended":
            out.append(f"ended {e['reason']}")
        elif e["type"].startswith("call."):
            out.append(e["type"][5:])
    return out


EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "answered": (["ringing +8613800138000 queue", "answered", "ended hung_up"], []),
    "hangup_while_ringing": (["ringing +8615900001111 queue", "ended caller_hung_up"], []),
    "ring_no_answer_rollover": (
        ["ringing +862087654321 queue", "ended not_answered"],
        ["ringing +862087654321 queue", "answered", "ended hung_up"],
    ),
    "blind_transfer": (
        ["ringing +8613800138000 queue", "answered", "transferred", "ended transferred"],
        ["ringing +8613800138000 queue", "answered", "ended hung_up"],
    ),
    "attended_transfer": (
        ["ringing +862087654321 queue", "answered", "held", "transferred", "ended transferred"],
        ["ringing +862087654321 inbound", "answered", "ended hung_up"],
    ),
    "direct_extension": ([], ["ringing +8615900001111 inbound", "answered", "ended hung_up"]),
    # the carrier's "Privacy: id" never reaches AMI: without a dialplan step it shows (README Notes)
    "carrier_withheld": (["ringing +8618838264605 queue", "answered", "ended hung_up"], []),
    "withheld_callerpres": ([], ["ringing withheld queue", "answered", "ended hung_up"]),
    "withheld_num_pres": (["ringing withheld queue", "answered", "ended hung_up"], []),
    "click_to_dial": (["ringing +8615900001111 outbound", "answered", "ended hung_up"], []),
    "pbx_restart_mid_call": ([], ["ringing +8613800138000 queue", "answered", "ended hung_up"]),
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
async def test_lab_scenario_replayed_through_the_bridge(rig: Rig, scenario: str) -> None:
    assert (TRACES / f"{scenario}.ami").exists()
    await rig.push(event_frames(scenario))
    one, two = rig.desks["1001"], rig.desks["1002"]
    want_one, want_two = EXPECTED[scenario]

    def done() -> bool:
        return len(shown(one.calls())) >= len(want_one) and len(shown(two.calls())) >= len(want_two)

    await until(done, timeout=10)
    await rig.ami.push(b"")  # a round trip: nothing more is on its way
    assert (shown(one.calls()), shown(two.calls())) == (want_one, want_two)
    for desk in (one, two):
        text = repr(desk.events)
        if scenario.startswith("withheld"):
            assert "18838264605" not in text
