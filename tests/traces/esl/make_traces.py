"""Writes the hand-made ESL traces in this folder (run from the repo root:
`.venv/bin/python tests/traces/esl/make_traces.py`). Each scenario follows what mod_callcenter.c and
mod_event_socket.c send for it; the `.expect.json` beside each trace states the facts by hand
(from the scenario, not from our code) in the shape of the shared FreeSWITCH recordings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "cti_esl"))

import esl_wire as w  # noqa: E402

T0 = 1795400000.0
QUEUE = "support@default"


class Trace:
    def __init__(self) -> None:
        self.seq = 100
        self.data = bytearray(w.session_start())

    def emit(self, headers: dict[str, str], body: str = "") -> None:
        self.data += w.event_plain(headers, body)

    def n(self) -> int:
        self.seq += 1
        return self.seq

    def chan(self, name: str, t: float, uuid: str, **kw) -> dict[str, str]:
        headers = w.channel(name, T0 + t, self.n(), uuid, **kw)
        self.emit(headers)
        return headers

    def cc(self, action: str, t: float, cc: dict[str, str], chan: dict[str, str] | None = None) -> None:
        self.emit(w.callcenter(action, T0 + t, self.n(), cc, chan))

    def member(self, session: str, member: str, cid: str, name: str) -> dict[str, str]:
        return {
            "CC-Queue": QUEUE,
            "CC-Member-UUID": member,
            "CC-Member-Session-UUID": session,
            "CC-Member-CID-Name": name,
            "CC-Member-CID-Number": cid,
        }

    def inbound(self, t: float, session: str, member: str, cid: str, name: str = "", **kw) -> dict[str, str]:
        """Caller channel created and answered, then queued: returns the member CC headers."""
        chan = self.chan("CHANNEL_CREATE", t, session, cid=cid, cid_name=name, **kw)
        self.chan("CHANNEL_ANSWER", t, session, cid=cid, cid_name=name, **kw)
        cc = self.member(session, member, cid, name)
        self.cc("member-queue-start", t, cc, chan)
        return cc

    def answered(self, t_offer: float, t_answer: float, cc: dict[str, str], agent: str, leg: str) -> None:
        self.cc("agent-state-change", t_offer, {"CC-Agent": agent, "CC-Agent-State": "Receiving"})
        self.cc("agent-offering", t_offer, {**cc, "CC-Agent": agent, "CC-Agent-Type": "callback"})
        times = {
            "CC-Agent-Called-Time": str(int(T0 + t_offer)),
            "CC-Agent-Answered-Time": str(int(T0 + t_answer)),
        }
        self.cc("bridge-agent-start", t_answer, {**cc, "CC-Agent": agent, "CC-Agent-UUID": leg, **times})
        self.cc("agent-state-change", t_answer, {"CC-Agent": agent, "CC-Agent-State": "In a queue call"})

    def status(self, t: float, agent: str, status: str) -> None:
        self.cc("agent-status-change", t, {"CC-Agent": agent, "CC-Agent-Status": status})

    def save(self, name: str, expect: dict) -> None:
        self.data += w.session_end()
        (HERE / f"{name}.esl").write_bytes(bytes(self.data))
        (HERE / f"{name}.expect.json").write_text(json.dumps(expect, indent=1) + "\n")


def call(caller, agent, outcome, wait_s, talk_s=None, dnis="4008123456") -> dict:
    fact = {
        "caller": caller,
        "dnis": dnis,
        "queue": QUEUE,
        "agent": agent,
        "outcome": outcome,
        "wait_s": wait_s,
    }
    if talk_s is not None:
        fact["talk_s"] = talk_s
    return fact


def abandon_none() -> None:
    """Caller waits, 1001 does not answer (bridge-agent-fail), caller hangs up after 7 s."""
    t = Trace()
    s, m = "a1000000-0000-4000-8000-000000000001", "b1000000-0000-4000-8000-000000000001"
    cc = t.inbound(0.0, s, m, "13912345678", "Li Na")
    t.cc("agent-offering", 0.05, {**cc, "CC-Agent": "1001@default", "CC-Agent-Type": "callback"})
    t.cc("bridge-agent-fail", 5.05, {**cc, "CC-Agent": "1001@default", "CC-Hangup-Cause": "NO_ANSWER"})
    cancel = {"CC-Cause": "Cancel", "CC-Cancel-Reason": "NONE", "CC-Member-Joined-Time": str(int(T0))}
    t.cc("member-queue-end", 7.0, {**cc, **cancel})
    t.chan("CHANNEL_HANGUP_COMPLETE", 7.02, s, cid="13912345678", call_state="HANGUP")
    t.save(
        "abandon_none", {"calls": [{**call("+8613912345678", None, "abandoned", 7), "abandon_position": 1}]}
    )


def timeout_no_agent() -> None:
    """Nobody logged in: the queue's max-wait-time-with-no-agent lets the caller go after 20 s."""
    t = Trace()
    s, m = "a2000000-0000-4000-8000-000000000002", "b2000000-0000-4000-8000-000000000002"
    cc = t.inbound(0.0, s, m, "075526000000", "Shenzhen Office")
    cancel = {"CC-Cause": "Cancel", "CC-Cancel-Reason": "NO_AGENT_TIMEOUT"}
    t.cc("member-queue-end", 20.0, {**cc, **cancel})
    t.chan("CHANNEL_HANGUP_COMPLETE", 35.0, s, cid="075526000000", call_state="HANGUP")
    t.save("timeout_no_agent", {"calls": [call("+8675526000000", None, "unanswered", 20)]})


def withheld() -> None:
    """A withheld caller (anonymous, privacy hide number), answered by 1002 after 3 s, 8 s talk."""
    t = Trace()
    s, m = "a3000000-0000-4000-8000-000000000003", "b3000000-0000-4000-8000-000000000003"
    cc = t.inbound(0.0, s, m, "anonymous", "Anonymous", hide_number=True, dest="4008123457")
    t.answered(0.1, 3.0, cc, "1002@default", "c3000000-0000-4000-8000-000000000003")
    t.chan("CHANNEL_HANGUP_COMPLETE", 11.0, s, cid="anonymous", call_state="HANGUP", dest="4008123457")
    end = {"CC-Cause": "Terminated", "CC-Agent": "1002@default", "CC-Hangup-Cause": "SUCCESS"}
    t.cc("member-queue-end", 11.0, {**cc, **end})
    t.save("withheld", {"calls": [call(None, "1002@default", "answered", 3, 8, dnis="4008123457")]})


def agent_status_changes() -> None:
    """1001: On Break, Available, Logged Out, Available (a login, not an unpause), On Break.
    1002 goes Available with no earlier status known (not an unpause either)."""
    t = Trace()
    t.status(0.0, "1001@default", "On Break")
    t.status(10.0, "1001@default", "Available")
    t.status(12.0, "1002@default", "Available")
    t.status(20.0, "1001@default", "Logged Out")
    t.status(30.0, "1001@default", "Available")
    t.status(40.0, "1001@default", "On Break")
    t.save(
        "agent_status_changes",
        {
            "calls": [],
            "agents": [
                {"agent": "1001@default", "paused": True},
                {"agent": "1001@default", "paused": False},
                {"agent": "1001@default", "paused": True},
            ],
        },
    )


def transfer() -> None:
    """Answered by 1001 after 2 s; after 10 s talk 1001 blind-transfers the caller to 2001, who talks
    15 s. The queue call's talk time ends at the transfer."""
    t = Trace()
    s, m = "a4000000-0000-4000-8000-000000000004", "b4000000-0000-4000-8000-000000000004"
    cc = t.inbound(0.0, s, m, "+86 138 0013 8000", "Zhang San")
    t.answered(0.1, 2.0, cc, "1001@default", "c4000000-0000-4000-8000-000000000004")
    t.cc("bridge-agent-end", 12.0, {**cc, "CC-Agent": "1001@default", "CC-Hangup-Cause": "SUCCESS"})
    moved = {"Caller-Channel-Transfer-Time": str(round((T0 + 12.0) * 1_000_000))}
    chan = w.channel("CUSTOM", T0 + 12.0, 0, s, cid="+86 138 0013 8000", dest="2001", extra=moved)
    end = {"CC-Cause": "Terminated", "CC-Agent": "1001@default", "CC-Hangup-Cause": "SUCCESS"}
    t.cc("member-queue-end", 12.0, {**cc, **end}, chan)
    t.chan(
        "CHANNEL_BRIDGE",
        12.5,
        s,
        cid="+86 138 0013 8000",
        dest="2001",
        extra={"Other-Leg-Destination-Number": "2001"},
    )
    t.chan("CHANNEL_HANGUP_COMPLETE", 27.5, s, cid="+86 138 0013 8000", dest="2001", call_state="HANGUP")
    t.save("transfer", {"calls": [call("+8613800138000", "1001@default", "answered", 2, 10)]})


def two_concurrent() -> None:
    """Two calls 0.4 s apart (one in 0086 form), answered by different agents, interleaved."""
    t = Trace()
    s1, m1 = "a5000000-0000-4000-8000-000000000005", "b5000000-0000-4000-8000-000000000005"
    s2, m2 = "a6000000-0000-4000-8000-000000000006", "b6000000-0000-4000-8000-000000000006"
    cc1 = t.inbound(0.0, s1, m1, "18612345678", "Caller One")
    cc2 = t.inbound(0.4, s2, m2, "008618900001234", "Caller Two")
    t.answered(0.5, 2.5, cc1, "1002@default", "c5000000-0000-4000-8000-000000000005")
    t.answered(0.6, 3.4, cc2, "1001@default", "c6000000-0000-4000-8000-000000000006")
    t.chan("CHANNEL_HANGUP_COMPLETE", 6.0, s1, cid="18612345678", call_state="HANGUP")
    t.chan("CHANNEL_HANGUP_COMPLETE", 8.9, s2, cid="008618900001234", call_state="HANGUP")
    t.save(
        "two_concurrent",
        {
            "calls": [
                call("+8618612345678", "1002@default", "answered", 2.5, 3.5),
                call("+8618900001234", "1001@default", "answered", 3, 5.5),
            ]
        },
    )


if __name__ == "__main__":
    for make in (abandon_none, timeout_no_agent, withheld, agent_status_changes, transfer, two_concurrent):
        make()
    print("traces written to", HERE)
