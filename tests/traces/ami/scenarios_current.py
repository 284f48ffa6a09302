"""AMI scenarios on today's Asterisk: answered, abandoned with a pause, transfers, a withheld
number, concurrent calls, the queue status snapshot, a reconnect in the middle of a call."""

from __future__ import annotations

from trace_parts import A1, A1I, A2, A2I, Call, Q, block, chan, ev, login, member


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
