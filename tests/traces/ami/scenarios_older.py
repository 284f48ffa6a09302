"""AMI scenarios on Asterisk 11's older event names, a queue timeout, and bare LF line ends."""

from __future__ import annotations

from scenarios_current import answered
from trace_parts import A1, A1I, Call, Q, block, ev, login


def asterisk11() -> str:
    """Asterisk 11 names and headers: no Linkedid, Join/Leave, old AgentCalled, QueueMemberPaused."""
    uid, ch = "1795400700.5", "SIP/trunk-00000005"
    uid2, ch2 = "1795400700.8", "SIP/trunk-00000008"

    def ev11(name, ts, *pairs):
        return block(("Event", name), ("Privilege", "call,all"), ("Timestamp", f"{ts:.6f}"), *pairs)

    return (
        "Asterisk Call Manager/1.3\r\n"
        + block(("Response", "Success"), ("Message", "Authentication accepted"))
        + ev11(
            "Newchannel",
            800.0,
            ("Channel", ch),
            ("ChannelState", 4),
            ("ChannelStateDesc", "Ring"),
            ("CallerIDNum", "13700001111"),
            ("CallerIDName", ""),
            ("AccountCode", ""),
            ("Exten", "4008000005"),
            ("Context", "from-trunk"),
            ("Uniqueid", uid),
        )
        + ev11(
            "QueueMemberPaused",
            800.5,
            ("Queue", "support"),
            ("Location", "SIP/1003"),
            ("MemberName", "Agent Three"),
            ("Paused", 1),
            ("Reason", "meeting"),
        )
        + ev11(
            "Join",
            801.0,
            ("Channel", ch),
            ("CallerIDNum", "13700001111"),
            ("CallerIDName", "unknown"),
            ("ConnectedLineNum", "unknown"),
            ("ConnectedLineName", "unknown"),
            ("Queue", "support"),
            ("Position", 1),
            ("Count", 1),
            ("Uniqueid", uid),
        )
        + ev11(
            "AgentCalled",
            801.1,
            ("Queue", "support"),
            ("AgentCalled", "SIP/1004"),
            ("AgentName", "Agent Four"),
            ("ChannelCalling", ch),
            ("DestinationChannel", "SIP/1004-00000006"),
            ("CallerIDNum", "13700001111"),
            ("CallerIDName", "unknown"),
            ("ConnectedLineNum", "unknown"),
            ("ConnectedLineName", "unknown"),
            ("Context", "queues"),
            ("Extension", "4008000005"),
            ("Priority", 2),
            ("Uniqueid", uid),
        )
        + ev11(
            "Leave",
            806.0,
            ("Channel", ch),
            ("Queue", "support"),
            ("Count", 0),
            ("Position", 1),
            ("Uniqueid", uid),
        )
        + ev11(
            "AgentConnect",
            806.0,
            ("Queue", "support"),
            ("Uniqueid", uid),
            ("Channel", "SIP/1004-00000006"),
            ("Member", "SIP/1004"),
            ("MemberName", "Agent Four"),
            ("Holdtime", 5),
            ("BridgedChannel", "1795400700.6"),
            ("Ringtime", 5),
        )
        + ev11(
            "Bridge",
            806.0,
            ("Bridgestate", "Link"),
            ("Bridgetype", "core"),
            ("Channel1", ch),
            ("Channel2", "SIP/1004-00000006"),
            ("Uniqueid1", uid),
            ("Uniqueid2", "1795400700.6"),
            ("CallerID1", "13700001111"),
            ("CallerID2", "1004"),
        )
        + ev11(
            "Hold", 810.0, ("Status", "On"), ("Channel", "SIP/1004-00000006"), ("Uniqueid", "1795400700.6")
        )
        + ev11(
            "Hold", 812.0, ("Status", "Off"), ("Channel", "SIP/1004-00000006"), ("Uniqueid", "1795400700.6")
        )
        + ev11(
            "AgentComplete",
            846.0,
            ("Queue", "support"),
            ("Uniqueid", uid),
            ("Channel", "SIP/1004-00000006"),
            ("Member", "SIP/1004"),
            ("MemberName", "Agent Four"),
            ("HoldTime", 5),
            ("TalkTime", 40),
            ("Reason", "agent"),
        )
        + ev11(
            "Hangup",
            846.1,
            ("Channel", ch),
            ("Uniqueid", uid),
            ("CallerIDNum", "13700001111"),
            ("CallerIDName", ""),
            ("ConnectedLineNum", ""),
            ("ConnectedLineName", ""),
            ("Cause", 16),
            ("Cause-txt", "Normal Clearing"),
        )
        + ev11(
            "Newchannel",
            900.0,
            ("Channel", ch2),
            ("ChannelState", 4),
            ("ChannelStateDesc", "Ring"),
            ("CallerIDNum", "075588880000"),
            ("CallerIDName", ""),
            ("AccountCode", ""),
            ("Exten", "4008000005"),
            ("Context", "from-trunk"),
            ("Uniqueid", uid2),
        )
        + ev11(
            "Join",
            900.5,
            ("Channel", ch2),
            ("CallerIDNum", "075588880000"),
            ("CallerIDName", "unknown"),
            ("Queue", "support"),
            ("Position", 1),
            ("Count", 1),
            ("Uniqueid", uid2),
        )
        + ev11(
            "Hangup",
            912.4,
            ("Channel", "SIP/1004-00000009"),
            ("Uniqueid", "1795400700.9"),
            ("Cause", 19),
            ("Cause-txt", "No answer"),
        )
        + ev11(
            "QueueCallerAbandon",
            912.5,
            ("Queue", "support"),
            ("Uniqueid", uid2),
            ("Position", 1),
            ("OriginalPosition", 1),
            ("HoldTime", 12),
        )
        + ev11(
            "Leave",
            912.5,
            ("Channel", ch2),
            ("Queue", "support"),
            ("Count", 0),
            ("Position", 1),
            ("Uniqueid", uid2),
        )
        + ev11(
            "Hangup",
            912.6,
            ("Channel", ch2),
            ("Uniqueid", uid2),
            ("CallerIDNum", "075588880000"),
            ("Cause", 16),
            ("Cause-txt", "Normal Clearing"),
        )
        + ev11(
            "QueueMemberPaused",
            920.0,
            ("Queue", "support"),
            ("Location", "SIP/1003"),
            ("MemberName", "Agent Three"),
            ("Paused", 0),
        )
    )


def queue_timeout() -> str:
    a = Call("1795400800.14", "13612341234", "", "4008000001", Q)
    b = Call("1795400800.15", "13612345555", "", "4008000001", "night")
    c = Call("1795400800.16", "13612346666", "", "4008000001", Q)
    d = Call("1795400800.17", "13612347777", "", "4008000001", Q)
    return (
        login()
        + a.arrive(1000.0)
        + a.join(1000.1, 1, 1)
        # queue timeout (Queue(售后服务,,,,60)): app_queue.c record_abandoned() still sends
        # QueueCallerAbandon, then QUEUESTATUS=TIMEOUT and the dialplan goes on to voicemail.
        + ev("VarSet", 1060.0, *a.me(), ("Variable", "ABANDONED"), ("Value", "TRUE"), priv="dialplan,all")
        + ev(
            "QueueCallerAbandon",
            1060.1,
            *a.me(),
            ("Queue", Q),
            ("Position", 1),
            ("OriginalPosition", 1),
            ("HoldTime", 60),
            priv="agent,all",
        )
        + ev(
            "QueueCallerLeave", 1060.1, *a.me(), ("Queue", Q), ("Position", 1), ("Count", 0), priv="agent,all"
        )
        + ev(
            "VarSet", 1060.2, *a.me(), ("Variable", "QUEUESTATUS"), ("Value", "TIMEOUT"), priv="dialplan,all"
        )
        + ev(
            "Newexten",
            1060.3,
            *a.me(),
            ("Extension", a.dnis),
            ("Application", "VoiceMail"),
            ("AppData", "800@default"),
            priv="dialplan,all",
        )
        + a.hangup(1090.0)
        # leavewhenempty with VarSet events filtered out: only the dialplan going on tells.
        + b.arrive(1100.0)
        + b.join(1100.1, 1, 1)
        + ev(
            "QueueCallerAbandon",
            1103.1,
            *b.me(),
            ("Queue", "night"),
            ("Position", 1),
            ("OriginalPosition", 1),
            ("HoldTime", 3),
            priv="agent,all",
        )
        + ev(
            "QueueCallerLeave",
            1103.1,
            *b.me(),
            ("Queue", "night"),
            ("Position", 1),
            ("Count", 0),
            priv="agent,all",
        )
        + ev(
            "Newexten",
            1103.2,
            *b.me(),
            ("Extension", b.dnis),
            ("Application", "Playback"),
            ("AppData", "closed"),
            priv="dialplan,all",
        )
        + b.hangup(1110.0)
        # A caller behind another times out in wait_our_turn(): no QueueCallerAbandon at all,
        # only the leave and QUEUESTATUS=TIMEOUT.
        + c.arrive(1200.0)
        + c.join(1200.1, 1, 1)
        + d.arrive(1201.0)
        + d.join(1201.1, 2, 2)
        + ev(
            "QueueCallerLeave", 1231.1, *d.me(), ("Queue", Q), ("Position", 2), ("Count", 1), priv="agent,all"
        )
        + ev(
            "VarSet", 1231.2, *d.me(), ("Variable", "QUEUESTATUS"), ("Value", "TIMEOUT"), priv="dialplan,all"
        )
        + d.hangup(1240.0)
        # The same with VarSet filtered out: it left the queue unanswered and the call ended.
        + c.called(1232.0, A1, A1I, 1)
        + c.ring_no_answer(1247.0, A1, A1I, 1, 15)
        + ev(
            "QueueCallerLeave", 1250.1, *c.me(), ("Queue", Q), ("Position", 1), ("Count", 0), priv="agent,all"
        )
        + ev(
            "Newexten",
            1250.2,
            *c.me(),
            ("Extension", c.dnis),
            ("Application", "Hangup"),
            ("AppData", ""),
            priv="dialplan,all",
        )
        + c.hangup(1250.3)
    )


def bare_lf() -> str:
    """The answered scenario with bare \\n line ends, as some proxies forward AMI."""
    return answered().replace("\r\n", "\n")
