"""The normaliser's rules one by one: cancel reasons, withheld callers, DNIS sources, hold, ring-no-answer,
agent states, and late or odd events."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cti.esl import EslNormalizer
from desktop.cti.esl_parser import EslEvent
from desktop.cti.events import AgentEventKind, CallEventKind, QueueEventKind, from_wire, to_wire

from . import esl_wire as w

S = "cd000000-0000-4000-8000-0000000000cd"
T0 = 1795400000.0
CC = {"CC-Queue": "sales@default", "CC-Member-Session-UUID": S, "CC-Member-CID-Number": "13800138000"}


def ev(headers: dict[str, str]) -> EslEvent:
    return EslEvent(headers)


def joined(n: EslNormalizer, chan_extra: dict[str, str] | None = None, **chan_kw) -> list:
    chan = w.channel("CHANNEL_CREATE", T0, 1, S, cid=chan_kw.pop("cid", "13800138000"), **chan_kw)
    chan.update(chan_extra or {})
    n.feed(ev(chan))
    return n.feed(ev(w.callcenter("member-queue-start", T0 + 1, 2, CC, chan)))


@pytest.mark.parametrize(
    ("cancel", "kind", "reason"),
    [
        ("NONE", QueueEventKind.ABANDON, "hangup"),
        ("BREAK_OUT", QueueEventKind.ABANDON, "break_out"),
        ("EXIT_WITH_KEY", QueueEventKind.ABANDON, "exit_with_key"),
        ("TIMEOUT", QueueEventKind.TIMEOUT, "timeout"),
        ("NO_AGENT_TIMEOUT", QueueEventKind.TIMEOUT, "empty"),
    ],
)
def test_cancel_reasons(cancel: str, kind: QueueEventKind, reason: str) -> None:
    n = EslNormalizer()
    joined(n)
    cc_end = {**CC, "CC-Cause": "Cancel", "CC-Cancel-Reason": cancel}
    out = n.feed(ev(w.callcenter("member-queue-end", T0 + 31, 3, cc_end)))
    assert [(e.kind, e.reason, e.wait_s) for e in out] == [(kind, reason, 30.0)]
    ended = n.feed(ev(w.channel("CHANNEL_HANGUP_COMPLETE", T0 + 32, 4, S, cid="x", call_state="HANGUP")))
    assert [e.kind for e in ended] == [CallEventKind.ENDED]


def test_hangup_before_member_queue_end_is_held_until_the_queue_says_why() -> None:
    n = EslNormalizer()
    joined(n)
    assert n.feed(ev(w.channel("CHANNEL_HANGUP_COMPLETE", T0 + 5, 3, S, cid="x", call_state="HANGUP"))) == []
    out = n.feed(ev(w.callcenter("member-queue-end", T0 + 5.01, 4, {**CC, "CC-Cause": "Cancel"})))
    assert [e.wire_type for e in out] == ["queue.abandon", "call.ended"]
    assert out[1].ts == T0 + 5


def test_flush_turns_a_lone_hangup_into_an_abandon() -> None:
    n = EslNormalizer()
    joined(n)
    n.feed(ev(w.channel("CHANNEL_HANGUP_COMPLETE", T0 + 5, 3, S, cid="x", call_state="HANGUP")))
    assert [e.wire_type for e in n.flush()] == ["queue.abandon", "call.ended"]


@pytest.mark.parametrize("raw", ["anonymous", "0000000000", "", "unknown"])
def test_withheld_caller_is_none(raw: str) -> None:
    n = EslNormalizer()
    out = n.feed(ev(w.callcenter("member-queue-start", T0, 2, {**CC, "CC-Member-CID-Number": raw})))
    assert out[0].caller is None


def test_privacy_hide_number_wins_over_a_real_number() -> None:
    (join,) = joined(EslNormalizer(), hide_number=True)
    assert join.caller is None


def test_dnis_prefers_member_dnis_then_first_destination() -> None:
    n = EslNormalizer()
    chan = w.channel("CHANNEL_CREATE", T0, 1, S, cid="13800138000", dest="4008000001")
    n.feed(ev(chan))
    moved = {**chan, "Caller-Destination-Number": "queue_sales", "Caller-RDNIS": "4008000009"}
    (join,) = n.feed(ev(w.callcenter("member-queue-start", T0 + 1, 2, CC, moved)))
    assert join.dnis == "4008000001"
    n2 = EslNormalizer()
    (join2,) = n2.feed(
        ev(w.callcenter("member-queue-start", T0, 2, {**CC, "CC-Member-DNIS": "8008205678"}, moved))
    )
    assert join2.dnis == "8008205678"
    n3 = EslNormalizer()
    (join3,) = n3.feed(ev(w.callcenter("member-queue-start", T0, 2, CC, moved)))
    assert join3.dnis == "4008000009"  # transferred in: RDNIS is what was dialled


def test_hold_on_the_agent_leg_and_ring_no_answer() -> None:
    n = EslNormalizer()
    joined(n)
    fail = {**CC, "CC-Agent": "1001@default", "CC-Hangup-Cause": "NO_ANSWER"}
    (miss,) = n.feed(ev(w.callcenter("bridge-agent-fail", T0 + 20, 3, fail)))
    assert (miss.kind, miss.agent, miss.state, miss.extra["call_id"]) == (
        AgentEventKind.STATE,
        "1001@default",
        "ring_no_answer",
        S,
    )
    start = {**CC, "CC-Agent": "1002@default", "CC-Agent-UUID": "leg-2"}
    out = n.feed(ev(w.callcenter("bridge-agent-start", T0 + 25, 4, start)))
    assert [e.wire_type for e in out] == ["queue.leave", "call.answered"]
    held = n.feed(ev(w.channel("CHANNEL_HOLD", T0 + 30, 5, "leg-2", cid="1002")))
    unheld = n.feed(ev(w.channel("CHANNEL_UNHOLD", T0 + 35, 6, "leg-2", cid="1002")))
    assert [(e.kind, e.call_id, e.agent) for e in held + unheld] == [
        (CallEventKind.HELD, S, "1002@default"),
        (CallEventKind.UNHELD, S, "1002@default"),
    ]


def test_agent_states_and_counts() -> None:
    n = EslNormalizer()
    states = [
        n.feed(ev(w.callcenter("agent-state-change", T0, i, {"CC-Agent": "1001", "CC-Agent-State": s})))[
            0
        ].state
        for i, s in enumerate(["Waiting", "Receiving", "In a queue call", "Idle", "Something New"])
    ]
    assert states == ["ready", "ringing", "busy", "unavailable", "something_new"]
    (stats,) = n.feed(ev(w.callcenter("members-count", T0, 9, {"CC-Queue": "q", "CC-Count": "4"})))
    assert stats.stats == {"waiting": 4}
    assert n.feed(ev(w.callcenter("members-count", T0, 9, {"CC-Queue": "q", "CC-Count": "many"}))) == []


def test_odd_events_yield_nothing_and_never_raise() -> None:
    n = EslNormalizer(clock=lambda: 42.0)
    assert n.feed(ev({})) == []
    assert n.feed(ev({"Event-Name": "CUSTOM", "Event-Subclass": "other::thing"})) == []
    assert (
        n.feed(
            ev({"Event-Name": "CUSTOM", "Event-Subclass": "callcenter::info", "CC-Action": "agent-offering"})
        )
        == []
    )
    (join,) = n.feed(
        ev(
            {
                "Event-Name": "CUSTOM",
                "Event-Subclass": "callcenter::info",
                **{"CC-Action": "member-queue-start"},
                **CC,
            }
        )
    )
    assert join.ts == 42.0  # no Event-Date-Timestamp: receipt time
    assert n.feed(ev(w.channel("CHANNEL_HANGUP_COMPLETE", T0, 1, "unknown-uuid", cid="1"))) == []


def test_snapshots_from_resync() -> None:
    n = EslNormalizer()
    row = {
        "queue": "q",
        "session_uuid": S,
        "cid_number": "13800138000",
        "joined_epoch": str(int(T0)),
        "state": "Waiting",
    }
    (join,) = n.member_snapshot(row, T0 + 10)
    assert (join.kind, join.wait_s, join.extra["snapshot"]) == (QueueEventKind.JOIN, 10.0, True)
    answered = {**row, "session_uuid": "other", "state": "Answered", "serving_agent": "1001@default"}
    (ans,) = n.member_snapshot(answered, T0 + 10)
    assert (ans.kind, ans.agent) == (CallEventKind.ANSWERED, "1001@default")
    out = n.agent_snapshot("1001@default", "On Break", "Waiting", T0)
    assert [(e.kind, e.paused, e.state) for e in out] == [
        (AgentEventKind.PAUSE, True, ""),
        (AgentEventKind.STATE, None, "ready"),
    ]
    # after a snapshot said On Break, Available is an unpause
    (unpause,) = n.feed(
        ev(
            w.callcenter(
                "agent-status-change", T0 + 1, 1, {"CC-Agent": "1001@default", "CC-Agent-Status": "Available"}
            )
        )
    )
    assert (unpause.kind, unpause.paused) == (AgentEventKind.PAUSE, False)


_ACTIONS = [
    "member-queue-start",
    "agent-offering",
    "bridge-agent-start",
    "bridge-agent-end",
    "bridge-agent-fail",
    "member-queue-end",
    "agent-status-change",
    "agent-state-change",
    "members-count",
]
_KEYS = [
    "CC-Queue",
    "CC-Agent",
    "CC-Member-CID-Number",
    "CC-Member-CID-Name",
    "CC-Cause",
    "CC-Cancel-Reason",
    "CC-Agent-Status",
    "CC-Agent-State",
    "CC-Count",
    "CC-Member-DNIS",
    "Caller-Destination-Number",
    "Event-Date-Timestamp",
    "Channel-Call-State",
    "Caller-Channel-Transfer-Time",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [*_ACTIONS, "CHANNEL_CREATE", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_HOLD"]
            ),
            st.sampled_from(["s1", "s2", "x" * 300]),
            st.dictionaries(st.sampled_from(_KEYS), st.text(max_size=300), max_size=8),
        ),
        max_size=25,
    )
)
def test_any_event_sequence_gives_valid_wire_events(steps) -> None:
    """Whatever the PBX sends, every event we make is one the desktop's listener accepts."""
    n = EslNormalizer(clock=lambda: 1.0)
    out = []
    for action, session, headers in steps:
        if action.startswith("CHANNEL_"):
            out += n.feed(ev({"Event-Name": action, "Unique-ID": session, **headers}))
        else:
            base = {"Event-Name": "CUSTOM", "Event-Subclass": "callcenter::info", "CC-Action": action}
            out += n.feed(ev({**base, "CC-Member-Session-UUID": session, **headers}))
    out += n.flush()
    for event in out:
        assert from_wire(json.loads(json.dumps(to_wire(event)))) == event


def test_click_to_dial_call_is_followed_for_its_agent() -> None:
    n = EslNormalizer()
    n.track_outbound("out-1", "1001@default", "+8613800138000")
    assert n.feed(ev(w.channel("CHANNEL_CREATE", T0, 1, "out-1", cid="1001", dest="1001"))) == []
    (answered,) = n.feed(ev(w.channel("CHANNEL_ANSWER", T0 + 4, 2, "out-1", cid="1001", dest="1001")))
    (ended,) = n.feed(
        ev(w.channel("CHANNEL_HANGUP_COMPLETE", T0 + 60, 3, "out-1", cid="1001", call_state="HANGUP"))
    )
    assert [(e.kind, e.call_id, e.agent) for e in (answered, ended)] == [
        (CallEventKind.ANSWERED, "out-1", "1001@default"),
        (CallEventKind.ENDED, "out-1", "1001@default"),
    ]
    assert answered.extra == {"direction": "outbound", "number": "+8613800138000"}
    # other channels' answers are not calls of ours
    assert n.feed(ev(w.channel("CHANNEL_ANSWER", T0, 4, "someone-else", cid="1"))) == []


def test_abandon_position_counts_callers_still_ahead() -> None:
    n = EslNormalizer()
    first, second = {**CC, "CC-Member-Session-UUID": "first"}, {**CC, "CC-Member-Session-UUID": "second"}
    n.feed(ev(w.callcenter("member-queue-start", T0, 1, first)))
    n.feed(ev(w.callcenter("member-queue-start", T0 + 1, 2, second)))
    (late,) = n.feed(ev(w.callcenter("member-queue-end", T0 + 5, 3, {**second, "CC-Cause": "Cancel"})))
    (early,) = n.feed(ev(w.callcenter("member-queue-end", T0 + 6, 4, {**first, "CC-Cause": "Cancel"})))
    assert (late.position, early.position) == (2, 1)


@pytest.mark.parametrize(
    ("marks", "target"),
    [
        ({"Caller-Transfer-Source": "1795400012:ab12:bl_xfer:2001/default/XML"}, "2001"),
        ({"Caller-Transfer-Source": "1795400012:ab12:att_xfer:8008/default/XML"}, "8008"),
        ({"Caller-Channel-Transfer-Time": "1795400012000000", "Caller-Destination-Number": "2002"}, "2002"),
    ],
)
def test_transfer_marks_on_the_callers_channel(marks: dict[str, str], target: str) -> None:
    n = EslNormalizer()
    joined(n)
    n.feed(ev(w.callcenter("bridge-agent-start", T0 + 3, 3, {**CC, "CC-Agent": "1001@default"})))
    chan = w.channel("CUSTOM", T0 + 12, 0, S, cid="13800138000", extra=marks)
    end = {**CC, "CC-Cause": "Terminated", "CC-Agent": "1001@default"}
    (moved,) = n.feed(ev(w.callcenter("member-queue-end", T0 + 12, 4, end, chan)))
    assert (moved.kind, moved.target, moved.agent) == (CallEventKind.TRANSFERRED, target, "1001@default")


def test_own_uuid_bridge_is_not_a_transfer_and_a_hangup_ends() -> None:
    n = EslNormalizer()
    joined(n)
    n.feed(ev(w.callcenter("bridge-agent-start", T0 + 3, 3, {**CC, "CC-Agent": "1001@default"})))
    marks = {"Caller-Transfer-Source": "1795400003:ab12:uuid_br:leg"}
    chan = w.channel("CUSTOM", T0 + 12, 0, S, cid="13800138000", call_state="HANGUP", extra=marks)
    end = {**CC, "CC-Cause": "Terminated", "CC-Agent": "1001@default"}
    (ended,) = n.feed(ev(w.callcenter("member-queue-end", T0 + 12, 4, end, chan)))
    assert ended.kind is CallEventKind.ENDED


@pytest.mark.parametrize(
    ("cancel", "cid", "caller"),
    [
        ("NONE", "13800138000", "+8613800138000"),
        ("TIMEOUT", "13800138000", "+8613800138000"),
        ("NONE", "anonymous", None),
    ],
)
def test_a_missed_call_keeps_the_callers_number(cancel: str, cid: str, caller: str | None) -> None:
    """What an agent's missed-call list is built from on FreeSWITCH, as it is on Asterisk: the
    abandon or timeout carries the caller's E.164 (None when withheld) over the wire, under the
    queue's mod_callcenter name (the name the user record's queues hold)."""
    from calldesk_domain.missed_calls import MissedCalls

    n = EslNormalizer()
    missed = MissedCalls(["sales@default"])
    cc = {**CC, "CC-Member-CID-Number": cid}
    chan = w.channel("CHANNEL_CREATE", T0, 1, S, cid=cid)
    events = n.feed(ev(chan)) + n.feed(ev(w.callcenter("member-queue-start", T0 + 1, 2, cc, chan)))
    cc_end = {**cc, "CC-Cause": "Cancel", "CC-Cancel-Reason": cancel}
    events += n.feed(ev(w.callcenter("member-queue-end", T0 + 21, 3, cc_end)))
    events += n.feed(ev(w.channel("CHANNEL_HANGUP_COMPLETE", T0 + 22, 4, S, cid=cid, call_state="HANGUP")))
    for event in events:
        missed.feed(json.loads(json.dumps(to_wire(event))))
    [call] = missed.calls()
    assert (call.queue, call.caller, round(call.wait_s)) == ("sales@default", caller, 20)
