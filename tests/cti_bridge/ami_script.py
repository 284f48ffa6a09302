"""AMI event frames in the shape Asterisk 22 sends them for the lab's dialplan (PJSIP/1001 "Li
Lei", PJSIP/1002 "王芳", trunk PJSIP/trunk), written by hand from app_queue.c / manager docs and
the lab's recordings (tests/traces/ami-lab/). Used to drive a fake AMI server in bridge tests."""

from __future__ import annotations

import itertools

MEMBERS = {"PJSIP/1001": "Li Lei", "PJSIP/1002": "王芳"}


def frame(event: str, **headers: object) -> bytes:
    lines = [f"Event: {event}", "Privilege: call,all"]
    lines += [f"{k.replace('__', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def queue_status() -> list[list[tuple[str, object]]]:
    """QueueStatus answer: members as the lab's queues.conf has them."""
    out: list[list[tuple[str, object]]] = []
    for queue, interfaces in (("sales", ["PJSIP/1001", "PJSIP/1002"]), ("service", ["PJSIP/1002"])):
        out.append([("Event", "QueueParams"), ("Queue", queue), ("Calls", 0), ("Strategy", "rrmemory")])
        for interface in interfaces:
            out.append(
                [
                    ("Event", "QueueMember"),
                    ("Queue", queue),
                    ("Name", MEMBERS[interface]),
                    ("Location", interface),
                    ("StateInterface", interface),
                    ("Status", 1),
                    ("Paused", 0),
                    ("PausedReason", ""),
                ]
            )
    return out


class AmiScript:
    """Builds one scenario's frames; uniqueids and timestamps advance as Asterisk's would."""

    def __init__(self, start: float = 1795500000.0) -> None:
        self._ids = itertools.count(1)
        self.ts = start

    def uid(self) -> str:
        return f"{self.ts:.0f}.{next(self._ids)}"

    def _t(self) -> str:
        self.ts += 0.25
        return f"{self.ts:.6f}"

    def channel(
        self, uid: str, name: str, caller: str, linkedid: str | None = None, **more: object
    ) -> dict[str, object]:
        return {
            "Channel": name,
            "CallerIDNum": caller,
            "CallerIDName": more.pop("name", "<unknown>"),
            "Uniqueid": uid,
            "Linkedid": linkedid or uid,
            **more,
        }

    def newchannel(
        self, uid: str, name: str, caller: str, exten: str = "s", linkedid: str | None = None
    ) -> bytes:
        return frame(
            "Newchannel",
            Timestamp=self._t(),
            **self.channel(uid, name, caller, linkedid),
            Context="from-pstn",
            Exten=exten,
        )

    def newexten(
        self, uid: str, name: str, caller: str, app: str, data: str, exten: str = "4008001234"
    ) -> bytes:
        return frame(
            "Newexten",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            Context="from-pstn",
            Exten=exten,
            Application=app,
            AppData=data,
        )

    def varset(
        self, uid: str, name: str, caller: str, variable: str, value: str, linkedid: str | None = None
    ) -> bytes:
        return frame(
            "VarSet",
            Timestamp=self._t(),
            **self.channel(uid, name, caller, linkedid),
            Variable=variable,
            Value=value,
        )

    def join(self, uid: str, name: str, caller: str, queue: str, position: int = 1) -> bytes:
        return frame(
            "QueueCallerJoin",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            Queue=queue,
            Position=position,
            Count=position,
        )

    def agent_called(
        self, uid: str, name: str, caller: str, dest_uid: str, interface: str, queue: str
    ) -> bytes:
        return frame(
            "AgentCalled",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            DestChannel=f"{interface}-0000{dest_uid[-3:]}",
            DestUniqueid=dest_uid,
            DestLinkedid=uid,
            Queue=queue,
            Interface=interface,
            MemberName=MEMBERS.get(interface, interface),
        )

    def ring_no_answer(
        self, uid: str, name: str, caller: str, dest_uid: str, interface: str, queue: str
    ) -> bytes:
        return frame(
            "AgentRingNoAnswer",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            DestUniqueid=dest_uid,
            Queue=queue,
            Interface=interface,
            MemberName=MEMBERS.get(interface, interface),
            RingTime=10000,
        )

    def leave(self, uid: str, name: str, caller: str, queue: str) -> bytes:
        return frame(
            "QueueCallerLeave",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            Queue=queue,
            Position=1,
            Count=0,
        )

    def connect(self, uid: str, name: str, caller: str, dest_uid: str, interface: str, queue: str) -> bytes:
        return frame(
            "AgentConnect",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            DestChannel=f"{interface}-0000{dest_uid[-3:]}",
            DestUniqueid=dest_uid,
            Queue=queue,
            Interface=interface,
            MemberName=MEMBERS.get(interface, interface),
            HoldTime=2,
            RingTime=2,
        )

    def complete(
        self, uid: str, name: str, caller: str, dest_uid: str, interface: str, queue: str, reason: str
    ) -> bytes:
        return frame(
            "AgentComplete",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            DestUniqueid=dest_uid,
            Queue=queue,
            Interface=interface,
            MemberName=MEMBERS.get(interface, interface),
            TalkTime=5,
            Reason=reason,
        )

    def abandon(self, uid: str, name: str, caller: str, queue: str) -> bytes:
        return frame(
            "QueueCallerAbandon",
            Timestamp=self._t(),
            **self.channel(uid, name, caller),
            Queue=queue,
            Position=1,
            OriginalPosition=1,
            HoldTime=3,
        )

    def hangup_request(self, uid: str, name: str, caller: str) -> bytes:
        return frame("HangupRequest", Timestamp=self._t(), **self.channel(uid, name, caller))

    def hangup(self, uid: str, name: str, caller: str, linkedid: str | None = None) -> bytes:
        return frame(
            "Hangup",
            Timestamp=self._t(),
            **self.channel(uid, name, caller, linkedid),
            Cause=16,
            Cause__txt="Normal Clearing",
        )

    def dial_begin(
        self,
        uid: str,
        name: str,
        caller: str,
        dest_uid: str,
        dest: str,
        dial: str,
        linkedid: str | None = None,
        exten: str = "s",
    ) -> bytes:
        return frame(
            "DialBegin",
            Exten=exten,
            Timestamp=self._t(),
            **self.channel(uid, name, caller, linkedid),
            DestChannel=dest,
            DestUniqueid=dest_uid,
            DestLinkedid=linkedid or uid,
            DestCallerIDNum=caller,
            DialString=dial,
        )

    def dial_end(
        self,
        uid: str,
        name: str,
        caller: str,
        dest_uid: str,
        dest: str,
        status: str,
        linkedid: str | None = None,
    ) -> bytes:
        return frame(
            "DialEnd",
            Timestamp=self._t(),
            **self.channel(uid, name, caller, linkedid),
            DestChannel=dest,
            DestUniqueid=dest_uid,
            DialStatus=status,
        )

    def pause(self, interface: str, queue: str, paused: bool, reason: str = "") -> bytes:
        return frame(
            "QueueMemberPause",
            Timestamp=self._t(),
            Queue=queue,
            Interface=interface,
            MemberName=MEMBERS.get(interface, interface),
            Paused=1 if paused else 0,
            PausedReason=reason,
        )


def queue_call(
    script: AmiScript,
    caller: str = "13800138000",
    queue: str = "sales",
    answered_by: str = "PJSIP/1001",
    hang_up: bool = True,
) -> tuple[bytes, str]:
    """A queue call answered by `answered_by` (and hung up by the caller): frames and call id."""
    uid = script.uid()
    chan = f"PJSIP/trunk-0000{uid[-2:]}"
    agent_uid = script.uid()
    data = (
        script.newchannel(uid, chan, caller, "4008001234")
        + script.join(uid, chan, caller, queue)
        + script.agent_called(uid, chan, caller, agent_uid, answered_by, queue)
        + script.leave(uid, chan, caller, queue)
        + script.connect(uid, chan, caller, agent_uid, answered_by, queue)
    )
    if hang_up:
        data += script.complete(uid, chan, caller, agent_uid, answered_by, queue, "caller")
        data += script.hangup(uid, chan, caller)
    return data, uid
