"""Writes the hand-made AMI recordings in this folder (run it after editing a scenario).

The scenarios follow what Asterisk sends (manager_channels.c channel snapshots, app_queue.c
queue events, manager_bridges.c / stasis transfer events; Asterisk 11's older names where said).
The facts each file must summarise to are written by hand in <name>.expect.json, from the
scenario's timeline, not from the connector's output.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
BANNER = "Asterisk Call Manager/11.0.0\r\n"


def block(*pairs: tuple[str, object], eol: str = "\r\n") -> str:
    return "".join(f"{k}: {v}{eol}" for k, v in pairs) + eol


def chan(
    name: str,
    uid: str,
    linked: str | None,
    num: str,
    cname: str,
    ctx: str,
    exten: str,
    state: str = "Up",
    prefix: str = "",
) -> list[tuple[str, object]]:
    codes = {"Down": 0, "Ring": 4, "Ringing": 5, "Up": 6}
    pairs = [
        (f"{prefix}Channel", name),
        (f"{prefix}ChannelState", codes[state]),
        (f"{prefix}ChannelStateDesc", state),
        (f"{prefix}CallerIDNum", num),
        (f"{prefix}CallerIDName", cname),
        (f"{prefix}ConnectedLineNum", "<unknown>"),
        (f"{prefix}ConnectedLineName", "<unknown>"),
        (f"{prefix}Language", "en"),
        (f"{prefix}AccountCode", ""),
        (f"{prefix}Context", ctx),
        (f"{prefix}Exten", exten),
        (f"{prefix}Priority", 1),
        (f"{prefix}Uniqueid", uid),
    ]
    if linked is not None:
        pairs.append((f"{prefix}Linkedid", linked))
    return pairs


def ev(name: str, ts: float | None, *pairs: tuple[str, object], priv: str = "call,all") -> str:
    head: list[tuple[str, object]] = [("Event", name), ("Privilege", priv)]
    if ts is not None:
        head.append(("Timestamp", f"{ts:.6f}"))
    return block(*head, *pairs)


def login(aid: str = "cd-1") -> str:
    return BANNER + block(("Response", "Success"), ("ActionID", aid), ("Message", "Authentication accepted"))


def member(name: str, iface: str, queue: str, paused: int = 0, reason: str = "", status: int = 1):
    return [
        ("Queue", queue),
        ("MemberName", name),
        ("Interface", iface),
        ("StateInterface", iface),
        ("Membership", "static"),
        ("Penalty", 0),
        ("CallsTaken", 0),
        ("LastCall", 0),
        ("LastPause", 0),
        ("LoginTime", 1795000000),
        ("InCall", 0),
        ("Status", status),
        ("Paused", paused),
        ("PausedReason", reason),
        ("Ringinuse", 0),
        ("Wrapuptime", 0),
    ]


class Call:
    """One inbound SIP trunk call into a queue, as Asterisk 13+ reports it."""

    def __init__(
        self,
        uid: str,
        num: str,
        name: str,
        dnis: str,
        queue: str,
        pres: str = "0 (Presentation Allowed, Not Screened)",
    ):
        self.uid, self.num, self.name, self.dnis, self.queue, self.pres = uid, num, name, dnis, queue, pres
        self.chan = f"PJSIP/trunk-{uid.replace('.', '')[-8:]}"

    def me(self, state: str = "Up", ctx: str = "queues", exten: str | None = None):
        return chan(self.chan, self.uid, self.uid, self.num, self.name, ctx, exten or self.dnis, state)

    def arrive(self, ts: float) -> str:
        return (
            ev(
                "Newchannel",
                ts,
                *chan(self.chan, self.uid, self.uid, self.num, self.name, "from-trunk", self.dnis, "Ring"),
            )
            + ev(
                "NewCallerid",
                ts + 0.001,
                *chan(self.chan, self.uid, self.uid, self.num, self.name, "from-trunk", self.dnis, "Ring"),
                ("CID-CallingPres", self.pres),
            )
            + ev(
                "Newexten",
                ts + 0.002,
                *self.me("Ring", "from-trunk"),
                ("Extension", self.dnis),
                ("Application", "Goto"),
                ("AppData", f"queues,{self.dnis},1"),
                priv="dialplan,all",
            )
            + ev("Newstate", ts + 0.003, *self.me("Up"))
        )

    def join(self, ts: float, pos: int, count: int) -> str:
        return ev(
            "Newexten",
            ts - 0.001,
            *self.me(),
            ("Extension", self.dnis),
            ("Application", "Queue"),
            ("AppData", self.queue),
            priv="dialplan,all",
        ) + ev(
            "QueueCallerJoin",
            ts,
            *self.me(),
            ("Queue", self.queue),
            ("Position", pos),
            ("Count", count),
            priv="agent,all",
        )

    def agent_chan(self, n: int, iface: str):
        return f"{iface}-{n:08x}", f"{self.uid}{n}"

    def called(self, ts: float, agent: str, iface: str, n: int) -> str:
        ach, auid = self.agent_chan(n, iface)
        return ev(
            "Newchannel",
            ts - 0.001,
            *chan(ach, auid, self.uid, iface.split("/")[1], "", "from-internal", iface.split("/")[1], "Down"),
        ) + ev(
            "AgentCalled",
            ts,
            *self.me(),
            *chan(
                ach,
                auid,
                self.uid,
                self.num,
                self.name,
                "from-internal",
                iface.split("/")[1],
                "Down",
                prefix="Dest",
            ),
            ("Queue", self.queue),
            ("Interface", iface),
            ("MemberName", agent),
            priv="agent,all",
        )

    def connect(
        self, ts: float, agent: str, iface: str, n: int, hold: int, ring: int, pos: int = 1, count: int = 0
    ) -> str:
        ach, auid = self.agent_chan(n, iface)
        return ev(
            "QueueCallerLeave",
            ts - 0.001,
            *self.me(),
            ("Queue", self.queue),
            ("Position", pos),
            ("Count", count),
            priv="agent,all",
        ) + ev(
            "AgentConnect",
            ts,
            *self.me(),
            *chan(
                ach,
                auid,
                self.uid,
                self.num,
                self.name,
                "from-internal",
                iface.split("/")[1],
                "Up",
                prefix="Dest",
            ),
            ("Queue", self.queue),
            ("Interface", iface),
            ("MemberName", agent),
            ("HoldTime", hold),
            ("RingTime", ring),
            priv="agent,all",
        )

    def ring_no_answer(self, ts: float, agent: str, iface: str, n: int, ring: int) -> str:
        ach, auid = self.agent_chan(n, iface)
        return ev(
            "AgentRingNoAnswer",
            ts,
            *self.me(),
            *chan(
                ach,
                auid,
                self.uid,
                self.num,
                self.name,
                "from-internal",
                iface.split("/")[1],
                "Down",
                prefix="Dest",
            ),
            ("Queue", self.queue),
            ("Interface", iface),
            ("MemberName", agent),
            ("RingTime", ring),
            priv="agent,all",
        ) + ev(
            "Hangup",
            ts + 0.001,
            *chan(ach, auid, self.uid, self.num, self.name, "from-internal", iface.split("/")[1], "Down"),
            ("Cause", 19),
            ("Cause-txt", "No answer"),
        )

    def complete(self, ts: float, agent: str, iface: str, n: int, hold: int, talk: int, reason: str) -> str:
        ach, auid = self.agent_chan(n, iface)
        return ev(
            "AgentComplete",
            ts,
            *self.me(),
            *chan(
                ach,
                auid,
                self.uid,
                self.num,
                self.name,
                "from-internal",
                iface.split("/")[1],
                "Up",
                prefix="Dest",
            ),
            ("Queue", self.queue),
            ("Interface", iface),
            ("MemberName", agent),
            ("HoldTime", hold),
            ("TalkTime", talk),
            ("Reason", reason),
            priv="agent,all",
        )

    def hangup(self, ts: float, agent_n: int | None = None, iface: str = "") -> str:
        out = ev("HangupRequest", ts - 0.002, *self.me(), ("Cause", 16))
        if agent_n is not None:
            ach, auid = self.agent_chan(agent_n, iface)
            out += ev(
                "Hangup",
                ts - 0.001,
                *chan(ach, auid, self.uid, self.num, self.name, "from-internal", iface.split("/")[1], "Up"),
                ("Cause", 16),
                ("Cause-txt", "Normal Clearing"),
            )
        return out + ev("Hangup", ts, *self.me(), ("Cause", 16), ("Cause-txt", "Normal Clearing"))

    def abandon(self, ts: float, pos: int, opos: int, hold: int, count: int) -> str:
        return (
            ev("HangupRequest", ts - 0.002, *self.me(), ("Cause", 16))
            + ev(
                "VarSet",
                ts - 0.001,
                *self.me(),
                ("Variable", "ABANDONED"),
                ("Value", "TRUE"),
                priv="dialplan,all",
            )
            + ev(
                "QueueCallerAbandon",
                ts,
                *self.me(),
                ("Queue", self.queue),
                ("Position", pos),
                ("OriginalPosition", opos),
                ("HoldTime", hold),
                priv="agent,all",
            )
            + ev(
                "QueueCallerLeave",
                ts + 0.001,
                *self.me(),
                ("Queue", self.queue),
                ("Position", pos),
                ("Count", count),
                priv="agent,all",
            )
            + ev("Hangup", ts + 0.002, *self.me(), ("Cause", 16), ("Cause-txt", "Normal Clearing"))
        )


A1, A1I = "王小明", "PJSIP/1001"
A2, A2I = "Li Na", "PJSIP/1002"
Q = "售后服务"


def answered() -> str:
    c = Call("1795400000.10", "13800138000", "Zhang San", "4008000001", Q)
    return (
        login()
        + c.arrive(100.0)
        + c.join(100.2, 1, 1)
        + c.called(100.3, A1, A1I, 1)
        + c.connect(106.2, A1, A1I, 1, 6, 6)
        + ev(
            "Hold",
            110.0,
            *chan(f"{A1I}-00000001", "1795400000.101", "1795400000.10", "1001", "", "from-internal", "1001"),
            ("MusicClass", "default"),
        )
        + ev(
            "Unhold",
            115.0,
            *chan(f"{A1I}-00000001", "1795400000.101", "1795400000.10", "1001", "", "from-internal", "1001"),
        )
        + c.complete(136.2, A1, A1I, 1, 6, 30, "caller")
        + c.hangup(136.25, 1, A1I)
    )


def abandon_pause() -> str:
    a = Call("1795400100.20", "02161234567", "Office", "4008000002", Q)
    b = Call("1795400100.30", "+86 139 0013 9000", "", "4008000002", Q)
    return (
        login()
        + ev("QueueMemberPause", 200.0, *member(A1, A1I, Q, 1, "lunch"), priv="agent,all")
        + ev(
            "QueueMemberPause", 200.5, *member(A1, A1I, Q, 1, "lunch"), priv="agent,all"
        )  # a repeat: not a change
        + a.arrive(201.0)
        + a.join(201.1, 1, 1)
        + b.arrive(203.0)
        + b.join(203.1, 2, 2)
        + b.abandon(223.1, 2, 2, 20, 1)
        + ev("QueueMemberPause", 230.0, *member(A1, A1I, Q, 0, ""), priv="agent,all")
        + a.called(230.1, A1, A1I, 1)
        + a.connect(233.1, A1, A1I, 1, 32, 3)
        + a.complete(253.1, A1, A1I, 1, 32, 20, "agent")
        + a.hangup(253.2, 1, A1I)
    )


def transfers() -> str:
    c = Call("1795400200.40", "13700137000", "", "4008000001", Q)
    d = Call("1795400200.50", "13600136000", "", "4008000001", Q)
    bx = [
        ("BridgeUniqueid", "b-1"),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", 2),
    ]
    a1ch, a1uid = c.agent_chan(1, A1I)
    a2ch, a2uid = d.agent_chan(1, A2I)
    consult_uid, target_uid = "1795400200.60", "1795400200.61"
    return (
        login()
        + c.arrive(300.0)
        + c.join(300.1, 1, 1)
        + c.called(300.2, A1, A1I, 1)
        + c.connect(304.1, A1, A1I, 1, 4, 4)
        + ev(
            "BlindTransfer",
            320.1,
            ("Result", "Success"),
            *chan(a1ch, a1uid, c.uid, "1001", "", "from-internal", "1001", prefix="Transferer"),
            *[("Transferer" + k, v) for k, v in bx],
            *chan(c.chan, c.uid, c.uid, c.num, "", "queues", c.dnis, prefix="Transferee"),
            ("IsExternal", "No"),
            ("Context", "from-internal"),
            ("Extension", "2001"),
        )
        + c.complete(320.2, A1, A1I, 1, 4, 16, "transfer")
        + c.hangup(350.0)
        + d.arrive(400.0)
        + d.join(400.1, 1, 1)
        + d.called(400.2, A2, A2I, 1)
        + d.connect(402.1, A2, A2I, 1, 2, 2)
        + ev(
            "Newchannel",
            410.0,
            *chan(f"{A2I}-000000aa", consult_uid, consult_uid, "1002", A2, "from-internal", "2002", "Ring"),
        )
        + ev(
            "Newchannel",
            410.1,
            *chan(
                "PJSIP/2002-000000ab", target_uid, consult_uid, "2002", "", "from-internal", "2002", "Down"
            ),
        )
        + ev(
            "AttendedTransfer",
            425.1,
            ("Result", "Success"),
            *chan(a2ch, a2uid, d.uid, "1002", "", "from-internal", "1002", prefix="OrigTransferer"),
            *[("OrigBridge" + k, v) for k, v in bx],
            *chan(
                f"{A2I}-000000aa",
                consult_uid,
                consult_uid,
                "1002",
                A2,
                "from-internal",
                "2002",
                prefix="SecondTransferer",
            ),
            *[("SecondBridge" + k, v if k != "BridgeUniqueid" else "b-2") for k, v in bx],
            *chan(
                "PJSIP/2002-000000ab",
                target_uid,
                consult_uid,
                "2002",
                "",
                "from-internal",
                "2002",
                prefix="TransferTarget",
            ),
            ("IsExternal", "No"),
            ("DestType", "Bridge"),
            ("DestBridgeUniqueid", "b-1"),
        )
        + d.complete(425.2, A2, A2I, 1, 2, 23, "transfer")
        + d.hangup(460.0)
    )


def withheld() -> str:
    a = Call("1795400300.70", "anonymous", "Anonymous", "4008000003", Q)
    b = Call(
        "1795400300.80", "13512345678", "", "4008000003", Q, pres="1 (Presentation Prohibited, Passed Screen)"
    )
    # Set(CALLERID(num-pres)=prohib) in the dialplan: no NewCallerid follows (the number is unchanged).
    c = Call("1795400300.85", "13512340000", "", "4008000003", Q)
    hide = ev(
        "Newexten",
        507.05,
        *c.me(),
        ("Extension", c.dnis),
        ("Application", "Set"),
        ("AppData", "CALLERID(num-pres)=prohib_passed_screen"),
        priv="dialplan,all",
    )
    return (
        login()
        + a.arrive(500.0)
        + a.join(500.1, 1, 1)
        + a.abandon(505.1, 1, 1, 5, 1)
        + c.arrive(507.0)
        + hide
        + c.join(507.1, 1, 1)
        + c.abandon(508.1, 1, 1, 1, 0)
        + b.arrive(510.0)
        + b.join(510.1, 1, 1)
        + b.called(510.2, A1, A1I, 1)
        + b.connect(512.1, A1, A1I, 1, 2, 2)
        + b.complete(522.1, A1, A1I, 1, 2, 10, "agent")
        + b.hangup(522.2, 1, A1I)
    )


def concurrent() -> str:
    a = Call("1795400400.90", "13811112222", "", "4008000001", Q)
    b = Call("1795400400.91", "13833334444", "", "4008000009", "sales")
    return (
        login()
        + a.arrive(600.0)
        + b.arrive(600.05)
        + a.join(600.1, 1, 1)
        + b.join(600.15, 1, 1)
        + a.called(600.2, A1, A1I, 1)
        + b.called(600.25, A2, A2I, 1)
        + a.connect(608.1, A1, A1I, 1, 8, 8)
        + b.ring_no_answer(615.25, A2, A2I, 1, 15)
        + b.called(620.0, A2, A2I, 2)
        + b.connect(622.15, A2, A2I, 2, 22, 2)
        + a.complete(640.1, A1, A1I, 1, 8, 32, "caller")
        + a.hangup(640.15, 1, A1I)
        + b.complete(650.15, A2, A2I, 2, 22, 28, "agent")
        + b.hangup(650.2, 2, A2I)
    )


def queue_status() -> str:
    return (
        login()
        + block(
            ("Response", "Success"),
            ("ActionID", "cd-2"),
            ("EventList", "start"),
            ("Message", "Queue status will follow"),
        )
        + block(
            ("Event", "QueueParams"),
            ("Queue", Q),
            ("Max", 0),
            ("Strategy", "rrmemory"),
            ("Calls", 1),
            ("Holdtime", 7),
            ("TalkTime", 95),
            ("Completed", 40),
            ("Abandoned", 3),
            ("ServiceLevel", 20),
            ("ServicelevelPerf", "87.5"),
            ("ServicelevelPerf2", "80.0"),
            ("Weight", 0),
            ("ActionID", "cd-2"),
        )
        + block(
            ("Event", "QueueMember"),
            ("Queue", Q),
            ("Name", A1),
            ("Location", A1I),
            ("StateInterface", A1I),
            ("Membership", "static"),
            ("Penalty", 0),
            ("CallsTaken", 12),
            ("LastCall", 0),
            ("LastPause", 0),
            ("LoginTime", 0),
            ("InCall", 0),
            ("Status", 1),
            ("Paused", 1),
            ("PausedReason", "training"),
            ("Wrapuptime", 0),
            ("ActionID", "cd-2"),
        )
        + block(
            ("Event", "QueueMember"),
            ("Queue", Q),
            ("Name", A2),
            ("Location", A2I),
            ("StateInterface", A2I),
            ("Membership", "dynamic"),
            ("Penalty", 0),
            ("CallsTaken", 3),
            ("LastCall", 0),
            ("LastPause", 0),
            ("LoginTime", 0),
            ("InCall", 1),
            ("Status", 2),
            ("Paused", 0),
            ("PausedReason", ""),
            ("Wrapuptime", 0),
            ("ActionID", "cd-2"),
        )
        + block(
            ("Event", "QueueEntry"),
            ("Queue", Q),
            ("Position", 1),
            ("Channel", "PJSIP/trunk-00000099"),
            ("Uniqueid", "1795400500.99"),
            ("CallerIDNum", "13900001111"),
            ("CallerIDName", "Zhao"),
            ("ConnectedLineNum", "<unknown>"),
            ("ConnectedLineName", "<unknown>"),
            ("Wait", 12),
            ("Priority", 0),
            ("ActionID", "cd-2"),
        )
        + block(
            ("Event", "QueueStatusComplete"),
            ("ActionID", "cd-2"),
            ("EventList", "Complete"),
            ("ListItems", 4),
        )
    )


def reconnect_mid_call() -> str:
    c = Call("1795400600.12", "13912345678", "", "4008000001", Q)
    first = login() + c.arrive(700.0) + c.join(700.1, 1, 1) + c.called(700.2, A1, A1I, 1)
    # The TCP connection drops here; the client logs in again and asks QueueStatus.
    second = (
        login("cd-2")
        + block(
            ("Response", "Success"),
            ("ActionID", "cd-3"),
            ("EventList", "start"),
            ("Message", "Queue status will follow"),
        )
        + block(
            ("Event", "QueueEntry"),
            ("Queue", Q),
            ("Position", 1),
            ("Channel", c.chan),
            ("Uniqueid", c.uid),
            ("CallerIDNum", c.num),
            ("CallerIDName", ""),
            ("Wait", 5),
            ("Priority", 0),
            ("ActionID", "cd-3"),
        )
        + block(
            ("Event", "QueueStatusComplete"),
            ("ActionID", "cd-3"),
            ("EventList", "Complete"),
            ("ListItems", 1),
        )
        + c.connect(709.1, A1, A1I, 1, 9, 9)
        + c.complete(729.1, A1, A1I, 1, 9, 20, "caller")
        + c.hangup(729.2, 1, A1I)
    )
    return first + second


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


SCENARIOS = {
    "answered": answered,
    "abandon_pause": abandon_pause,
    "transfers": transfers,
    "withheld": withheld,
    "concurrent": concurrent,
    "queue_status": queue_status,
    "reconnect_mid_call": reconnect_mid_call,
    "asterisk11": asterisk11,
    "queue_timeout": queue_timeout,
    "bare_lf": bare_lf,
}

if __name__ == "__main__":
    for name, build in SCENARIOS.items():
        (HERE / f"{name}.ami").write_bytes(build().encode("utf-8"))
        print("wrote", name)
