"""FreeSWITCH calls to an agent's extension without a queue pop on that agent, and FreeSWITCH's
privacy fields make the caller withheld. Events go through the real wire parser (url-encoded
event-plain frames) and the real normaliser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cti.esl import EslNormalizer, parse_esl_bytes
from desktop.cti.esl_parser import EslParser
from desktop.cti.events import CtiEvent, to_wire

from . import direct_calls as d
from . import esl_wire as w

TRACES = Path(__file__).resolve().parents[1] / "traces"


def feed(headers: list[dict[str, str]], normalizer: EslNormalizer | None = None) -> list[dict[str, Any]]:
    n = normalizer or EslNormalizer()
    parser = EslParser()
    out: list[CtiEvent] = []
    for frame in parser.feed(b"".join(w.event_plain(h) for h in headers)):
        assert frame.event is not None
        out += n.feed(frame.event)
    return [to_wire(e) for e in out]


def test_a_direct_call_rings_is_answered_and_ends_on_the_dialled_agent() -> None:
    events = feed(d.answered_direct_call())
    assert [e["type"] for e in events] == ["call.ringing", "call.answered", "call.ended"]
    ring = events[0]
    assert ring["call_id"] == d.CALLER_LEG and ring["agent"] == "1001@default"
    assert ring["caller"] == "+8613800138000" and ring["dnis"] == "4008123457"
    assert ring["extra"]["direct"] is True and ring["extra"]["leg"] == d.AGENT_LEG
    assert ring["extra"]["interface"] == "1001@default" and "withheld" not in ring["extra"]
    assert events[1]["ts"] == pytest.approx(d.T0 + 4.0)
    assert events[2]["extra"]["scope"] == "leg" and events[2]["extra"]["cause"] == "NORMAL_CLEARING"


def test_the_caller_giving_up_while_it_rings_ends_the_whole_call() -> None:
    events = feed(
        [
            d.caller_create(1),
            d.agent_leg("CHANNEL_CREATE", 2, d.T0),
            d.caller_hangup(3, d.T0 + 5),
            d.agent_leg(
                "CHANNEL_HANGUP_COMPLETE", 4, d.T0 + 5.01, extra={"Hangup-Cause": "ORIGINATOR_CANCEL"}
            ),
        ]
    )
    assert [e["type"] for e in events] == ["call.ringing", "call.ended"]
    assert "scope" not in events[1]["extra"] and events[1]["extra"]["cause"] == "ORIGINATOR_CANCEL"


def test_an_unanswered_leg_ends_only_that_agents_part() -> None:
    events = feed(
        [
            d.caller_create(1),
            d.agent_leg("CHANNEL_CREATE", 2, d.T0),
            d.agent_leg("CHANNEL_HANGUP_COMPLETE", 3, d.T0 + 20, extra={"Hangup-Cause": "NO_ANSWER"}),
        ]
    )
    assert events[-1]["type"] == "call.ended" and events[-1]["extra"]["scope"] == "leg"


@pytest.mark.parametrize(
    "how",
    ["caller_leg_flag", "other_leg_flag", "origination_privacy", "anonymous_number"],
)
def test_freeswitch_privacy_makes_the_caller_withheld(how: str) -> None:
    caller = d.caller_create(1, cid_name="Li Lei", hide=how == "caller_leg_flag")
    leg = d.agent_leg("CHANNEL_CREATE", 2, d.T0, cid_name="Li Lei", other_hide=how == "other_leg_flag")
    if how == "origination_privacy":
        leg["variable_origination_privacy"] = "screen+hide_name+hide_number"
    if how == "anonymous_number":
        caller = d.caller_create(1, cid="anonymous", cid_name="Anonymous")
        leg = d.agent_leg("CHANNEL_CREATE", 2, d.T0, cid="anonymous", cid_name="Anonymous")
    ring = feed([caller, leg])[0]
    assert ring["type"] == "call.ringing"
    assert ring.get("caller") is None and not ring.get("caller_name")
    assert ring["extra"]["withheld"] is True and "caller_raw" not in ring["extra"]
    assert "13800138000" not in str(ring)


def test_the_screen_bit_alone_is_not_privacy() -> None:
    caller = d.caller_create(1, extra={"Caller-Screen-Bit": "true", "variable_origination_privacy": "screen"})
    ring = feed([caller, d.agent_leg("CHANNEL_CREATE", 2, d.T0)])[0]
    assert ring["caller"] == "+8613800138000"


def test_a_queued_callers_privacy_flags_hide_it_in_the_queue_too() -> None:
    chan = w.channel("CHANNEL_CREATE", d.T0, 1, d.CALLER_LEG, cid="13800138000")
    chan["variable_origination_privacy"] = "hide_number"
    cc = {
        "CC-Queue": "support@default",
        "CC-Member-Session-UUID": d.CALLER_LEG,
        "CC-Member-CID-Number": "13800138000",
    }
    events = feed([chan, w.callcenter("member-queue-start", d.T0 + 0.1, 2, cc, chan)])
    assert events[0]["type"] == "queue.join" and events[0].get("caller") is None


def test_queue_legs_are_left_to_the_queue() -> None:
    """The agent legs mod_callcenter originates carry cc_* variables or a queued caller: no
    second ring. The real recording of a queue call gives no direct ring."""
    data = (TRACES / "freeswitch-1.10" / "answered.esl").read_bytes()
    events = [to_wire(e) for e in parse_esl_bytes(data)]
    assert [e["type"] for e in events if e["type"] == "call.ringing"] == ["call.ringing"]
    assert not any(e.get("extra", {}).get("direct") for e in events)
    leg = d.agent_leg("CHANNEL_CREATE", 2, d.T0, extra={"variable_cc_queue": "support@default"})
    assert feed([d.caller_create(1), leg]) == []


def test_the_bridge_decides_which_dialled_users_are_agents() -> None:
    n = EslNormalizer()
    n.agent_interface = lambda interface: interface == "1001@default"
    assert feed(d.answered_direct_call(user="2999"), n) == []
    assert next(e["type"] for e in feed(d.answered_direct_call(), n)) == "call.ringing"


def test_hold_on_the_agents_leg_is_the_calls_hold() -> None:
    hold = d.agent_leg("CHANNEL_HOLD", 4, d.T0 + 5)
    unhold = d.agent_leg("CHANNEL_UNHOLD", 5, d.T0 + 9)
    calls = d.answered_direct_call()
    events = feed([*calls[:4], hold, unhold])
    assert [e["type"] for e in events] == ["call.ringing", "call.answered", "call.held", "call.unheld"]


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "Other-Leg-Unique-ID",
                "variable_dialed_user",
                "variable_dialed_domain",
                "Caller-Caller-ID-Number",
                "Other-Leg-Privacy-Hide-Number",
                "variable_origination_privacy",
                "Call-Direction",
                "Hangup-Cause",
            ]
        ),
        st.text(max_size=300),
    ),
    st.sampled_from(["CHANNEL_CREATE", "CHANNEL_OUTGOING", "CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE"]),
)
def test_odd_headers_never_break_the_stream(overrides: dict[str, str], name: str) -> None:
    n = EslNormalizer()
    leg = d.agent_leg(name, 2, d.T0, extra=overrides)
    events = feed([d.caller_create(1), leg], n)
    for event in events:
        assert len(event["call_id"]) <= 256 and len(event.get("agent") or "") <= 256
    assert n.unhandled == 0
    after = [e["type"] for e in feed(d.answered_direct_call(), n)]  # the stream goes on
    assert "call.ended" in after and n.unhandled == 0
