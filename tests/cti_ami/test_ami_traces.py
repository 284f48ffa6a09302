"""Real Asterisk 22 recordings and our protocol-built traces through parse/summarize."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from ami_helpers import OWN_TRACES, SHARED_TRACES, check_facts, trace_pairs

from desktop.cti.ami import parse_ami_bytes
from desktop.cti.events import AgentEvent, CallEvent, CallEventKind, QueueEvent, QueueEventKind, from_wire
from desktop.cti.summary import summarize

SHARED = trace_pairs(SHARED_TRACES)
OWN = trace_pairs(OWN_TRACES)


def test_trace_folders_are_there():
    assert len(SHARED) >= 4, SHARED_TRACES
    assert len(OWN) >= 10


@pytest.mark.parametrize(("trace", "expect"), SHARED + OWN, ids=lambda p: p.name)
def test_summarize_gives_the_expected_facts(trace, expect):
    check_facts(summarize(parse_ami_bytes(trace.read_bytes())), expect)


@pytest.mark.parametrize("name", ["answered.ami", "abandoned.ami"])
def test_cli_summarize_on_real_recordings(name):
    trace = SHARED_TRACES / name
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "cti", "summarize", "--format", "ami", str(trace)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    check_facts(rows, trace.with_suffix(".expect.json"))
    for row in rows:
        if row["kind"] == "call":
            assert set(row) == {
                "kind",
                "call_id",
                "caller",
                "dnis",
                "queue",
                "agent",
                "outcome",
                "wait_s",
                "talk_s",
                "abandon_position",
            }


def test_cli_parse_prints_wire_events_that_round_trip():
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "cti", "parse", str(SHARED_TRACES / "two_calls.ami")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    events = [from_wire(json.loads(line)) for line in proc.stdout.splitlines()]
    types = [e.wire_type for e in events if not isinstance(e, AgentEvent)]
    assert (
        types.count("queue.join") == 2
        and types.count("call.answered") == 2
        and types.count("call.ended") == 2
    )
    ringing = [e for e in events if isinstance(e, CallEvent) and e.kind is CallEventKind.RINGING]
    assert {e.agent for e in ringing} == {"Agent One", "Agent Two"}
    assert all(e.dnis == "4008123456" and e.caller and e.caller.startswith("+86") for e in ringing)


def test_ringing_is_the_screen_pop_and_carries_the_caller():
    events = parse_ami_bytes((SHARED_TRACES / "answered.ami").read_bytes())
    kinds = [e.wire_type for e in events if not isinstance(e, AgentEvent)]
    assert kinds == ["queue.join", "call.ringing", "queue.leave", "call.answered", "call.ended"]
    ring = events[[e.wire_type for e in events].index("call.ringing")]
    assert (ring.caller, ring.caller_name, ring.dnis, ring.queue, ring.agent) == (
        "+8613512345678",
        "Qian Er",
        "4008123456",
        "support",
        "Agent One",
    )


def _own(name: str):
    return parse_ami_bytes((OWN_TRACES / name).read_bytes())


def test_blind_and_attended_transfers_name_their_targets():
    transfers = [
        e for e in _own("transfers.ami") if isinstance(e, CallEvent) and e.kind is CallEventKind.TRANSFERRED
    ]
    by_call = {}
    for e in transfers:
        by_call.setdefault(e.call_id, []).append(e)
    assert by_call["1795400200.40"][0].target == "2001"
    assert by_call["1795400200.40"][0].extra["transfer"] == "blind"
    assert by_call["1795400200.50"][0].target == "2002"
    assert by_call["1795400200.50"][0].extra["transfer"] == "attended"


def test_hold_and_unhold_on_the_agent_channel_belong_to_the_call():
    for name in ("answered.ami", "asterisk11.ami"):
        held = [
            e
            for e in _own(name)
            if isinstance(e, CallEvent) and e.kind in (CallEventKind.HELD, CallEventKind.UNHELD)
        ]
        assert [e.kind for e in held] == [CallEventKind.HELD, CallEventKind.UNHELD], name
        assert held[0].agent in ("王小明", "Agent Four")


def test_ring_no_answer_is_reported_for_the_agent():
    missed = [e for e in _own("concurrent.ami") if isinstance(e, AgentEvent) and e.state == "ring_no_answer"]
    assert [(e.agent, e.extra["call_id"]) for e in missed] == [("Li Na", "1795400400.91")]


def test_queue_timeouts_are_not_abandons():
    events = _own("queue_timeout.ami")
    gave_up = [
        e
        for e in events
        if isinstance(e, QueueEvent) and e.kind in (QueueEventKind.ABANDON, QueueEventKind.TIMEOUT)
    ]
    # the 4th caller's QUEUESTATUS was filtered out: no event, the summary still says unanswered
    assert [(e.kind, e.reason, e.call_id) for e in gave_up] == [
        (QueueEventKind.TIMEOUT, "timeout", "1795400800.14"),
        (QueueEventKind.TIMEOUT, "timeout", "1795400800.15"),
        (QueueEventKind.TIMEOUT, "timeout", "1795400800.17"),
    ]
    assert gave_up[0].wait_s == 60


def test_queue_status_snapshot_becomes_stats_members_and_waiting_callers():
    events = _own("queue_status.ami")
    stats = [e for e in events if isinstance(e, QueueEvent) and e.kind is QueueEventKind.STATS]
    assert stats[0].stats["answered"] == 40 and stats[0].stats["service_level_pct"] == 87.5
    members = {e.agent: e for e in events if isinstance(e, AgentEvent)}
    assert members["王小明"].paused is True and members["王小明"].reason == "training"
    assert members["Li Na"].state == "busy" and members["Li Na"].paused is False
    entry = next(e for e in events if isinstance(e, QueueEvent) and e.kind is QueueEventKind.JOIN)
    assert entry.call_id == "1795400500.99" and entry.wait_s == 12 and entry.position == 1


def test_members_trace_maps_added_removed_and_snapshot():
    events = parse_ami_bytes((SHARED_TRACES / "members.ami").read_bytes())
    kinds = [(e.wire_type, e.agent) for e in events if isinstance(e, AgentEvent)]
    assert ("agent.added", "Agent Two") in kinds and ("agent.removed", "Agent Two") in kinds
    assert ("agent.state", "Agent Three") in kinds


def _event(name: str, **headers: str) -> bytes:
    lines = [f"Event: {name}", "Privilege: call,all"] + [
        f"{k.replace('_', '-')}: {v}" for k, v in headers.items()
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_dnis_skips_the_callers_own_number_and_honours_a_did_variable():
    chan = {"Channel": "Local/13800138000@caller-00000001;1", "Uniqueid": "9.1", "Linkedid": "9.1"}
    data = (
        _event("Newchannel", CallerIDNum="<unknown>", Context="caller", Exten="13800138000", **chan)
        + _event("NewCallerid", CallerIDNum="13800138000", Context="caller", Exten="13800138000", **chan)
        + _event("Newexten", CallerIDNum="13800138000", Context="inbound", Exten="4008123456", **chan)
        + _event(
            "QueueCallerJoin",
            CallerIDNum="13800138000",
            Context="inbound",
            Exten="4008123456",
            Queue="support",
            Position="1",
            Count="1",
            **chan,
        )
    )
    (join,) = [e for e in parse_ami_bytes(data) if isinstance(e, QueueEvent)]
    assert (join.caller, join.dnis) == ("+8613800138000", "4008123456")
    chan2 = {"Channel": "PJSIP/trunk-2", "Uniqueid": "9.2", "Linkedid": "9.2"}
    data2 = (
        _event("Newchannel", CallerIDNum="13900000000", Context="from-trunk", Exten="s", **chan2)
        + _event("VarSet", Variable="__FROM_DID", Value="4008777777", **chan2)
        + _event(
            "QueueCallerJoin",
            CallerIDNum="13900000000",
            Context="queues",
            Exten="600",
            Queue="support",
            Position="1",
            Count="1",
            **chan2,
        )
    )
    (join2,) = [e for e in parse_ami_bytes(data2) if isinstance(e, QueueEvent)]
    assert join2.dnis == "4008777777"
