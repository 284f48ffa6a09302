"""Build ESL wire bytes the way mod_event_socket writes them (used by the tests and by
tests/traces/esl/make_traces.py): outer `Content-Length`/`Content-Type` headers, then a
`text/event-plain` body of url-encoded `Name: value` lines, a blank line, and for events with a
body an inner `Content-Length: N` plus N bytes (switch_event_serialize)."""

from __future__ import annotations

from urllib.parse import quote

CORE_UUID = "5b0d5e34-6c2a-4d7e-9d55-0c1f4f1f0a01"


def frame(headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = dict(headers)
    if body:
        lines = {"Content-Length": str(len(body)), **lines}
    head = "".join(f"{k}: {v}\n" for k, v in lines.items())
    return head.encode() + b"\n" + body


def event_plain(headers: dict[str, str], body: str = "") -> bytes:
    text = "".join(f"{k}: {quote(str(v), safe='')}\n" for k, v in headers.items())
    raw_body = body.encode("utf-8")
    if raw_body:
        text += f"Content-Length: {len(raw_body)}\n\n"
        payload = text.encode() + raw_body
    else:
        payload = (text + "\n").encode()
    return frame({"Content-Type": "text/event-plain"}, payload)


def base(name: str, ts: float, seq: int) -> dict[str, str]:
    return {
        "Event-Name": name,
        "Core-UUID": CORE_UUID,
        "FreeSWITCH-Hostname": "pbx1",
        "Event-Date-Timestamp": str(round(ts * 1_000_000)),
        "Event-Sequence": str(seq),
    }


def channel(
    name: str,
    ts: float,
    seq: int,
    uuid: str,
    *,
    cid: str,
    cid_name: str = "",
    dest: str = "4008123456",
    hide_number: bool = False,
    call_state: str = "ACTIVE",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    headers = base(name, ts, seq)
    headers.update(
        {
            "Channel-Call-State": call_state,
            "Answer-State": "hangup" if call_state == "HANGUP" else "answered",
            "Unique-ID": uuid,
            "Caller-Caller-ID-Name": cid_name,
            "Caller-Caller-ID-Number": cid,
            "Caller-Destination-Number": dest,
            "Caller-Privacy-Hide-Number": "true" if hide_number else "false",
        }
    )
    headers.update(extra or {})
    return headers


def callcenter(
    action: str, ts: float, seq: int, cc: dict[str, str], chan: dict[str, str] | None = None
) -> dict:
    headers = base("CUSTOM", ts, seq)
    headers["Event-Subclass"] = "callcenter::info"
    if chan:
        headers.update({k: v for k, v in chan.items() if k not in headers})
    headers["CC-Action"] = action
    headers.update(cc)
    return headers


def session_start() -> bytes:
    return (
        frame({"Content-Type": "auth/request"})
        + frame({"Content-Type": "command/reply", "Reply-Text": "+OK accepted"})
        + frame({"Content-Type": "command/reply", "Reply-Text": "+OK event listener enabled plain"})
    )


def session_end() -> bytes:
    notice = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
    return frame({"Content-Type": "command/reply", "Reply-Text": "+OK bye"}) + frame(
        {"Content-Type": "text/disconnect-notice"}, notice
    )
