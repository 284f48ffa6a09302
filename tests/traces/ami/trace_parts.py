"""The pieces the hand-made AMI scenarios are built from: AMI blocks and events as Asterisk writes
them, channel snapshots, queue members, one `Call` that walks a queue call's life, and the agents
and queue the scenarios share."""

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
