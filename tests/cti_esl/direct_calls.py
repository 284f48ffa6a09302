"""ESL event headers of a call that reaches an agent's phone without mod_callcenter, shaped like
FreeSWITCH 1.10's: the caller's inbound sofia leg runs `bridge user/1001@default`; the `user/`
endpoint originates an outbound leg to the phone carrying `variable_dialed_user` /
`variable_dialed_domain`, the caller's leg as `Other-Leg-*` (`Other-Type: originator`,
`variable_originating_leg_uuid`) and the caller's id copied onto its caller profile (as on the
agent legs of tests/traces/freeswitch-1.10/answered.esl)."""

from __future__ import annotations

from . import esl_wire as w

CALLER_LEG = "d1000000-0000-4000-8000-0000000000d1"
AGENT_LEG = "d2000000-0000-4000-8000-0000000000d2"
T0 = 1795400000.0


def _profile(uuid: str, direction: str, cid: str, cid_name: str, dest: str, *, hide: bool) -> dict[str, str]:
    return {
        "Channel-State": "CS_INIT",
        "Channel-Call-State": "DOWN",
        "Unique-ID": uuid,
        "Call-Direction": direction,
        "Presence-Call-Direction": direction,
        "Answer-State": "ringing",
        "Caller-Direction": direction,
        "Caller-Logical-Direction": direction,
        "Caller-Username": cid,
        "Caller-Dialplan": "XML",
        "Caller-Caller-ID-Name": cid_name,
        "Caller-Caller-ID-Number": cid,
        "Caller-Orig-Caller-ID-Name": cid_name,
        "Caller-Orig-Caller-ID-Number": cid,
        "Caller-Network-Addr": "192.0.2.10",
        "Caller-ANI": cid,
        "Caller-Destination-Number": dest,
        "Caller-Unique-ID": uuid,
        "Caller-Source": "mod_sofia",
        "Caller-Context": "public" if direction == "inbound" else "default",
        "Caller-Channel-Name": "",
        "Caller-Screen-Bit": "true",  # ordinary calls carry it too: not a privacy flag
        "Caller-Privacy-Hide-Name": "true" if hide else "false",
        "Caller-Privacy-Hide-Number": "true" if hide else "false",
        "Channel-Call-UUID": uuid,
        "variable_uuid": uuid,
        "variable_call_uuid": uuid,
    }


def caller_create(
    seq: int,
    *,
    cid: str = "13800138000",
    cid_name: str = "",
    dest: str = "4008123457",
    hide: bool = False,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    headers = w.base("CHANNEL_CREATE", T0, seq)
    headers.update(_profile(CALLER_LEG, "inbound", cid, cid_name, dest, hide=hide))
    headers["Channel-Name"] = f"sofia/external/{cid}@192.0.2.10"
    headers.update(
        {"variable_direction": "inbound", "variable_sip_from_user": cid, "variable_sip_to_user": dest}
    )
    headers.update(extra or {})
    return headers


def agent_leg(
    name: str,
    seq: int,
    ts: float,
    *,
    user: str = "1001",
    cid: str = "13800138000",
    cid_name: str = "",
    dest: str = "4008123457",
    other_hide: bool = False,
    leg: str = AGENT_LEG,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """An event of the agent's leg: CHANNEL_CREATE / CHANNEL_OUTGOING / CHANNEL_ANSWER /
    CHANNEL_HANGUP_COMPLETE (add Hangup-Cause in `extra`)."""
    headers = w.base(name, ts, seq)
    headers.update(_profile(leg, "outbound", cid, cid_name, user, hide=False))
    headers["Channel-Name"] = f"sofia/internal/{user}@192.0.2.21:5060"
    headers.update(
        {
            "Other-Type": "originator",
            "Other-Leg-Direction": "inbound",
            "Other-Leg-Logical-Direction": "inbound",
            "Other-Leg-Username": cid,
            "Other-Leg-Dialplan": "XML",
            "Other-Leg-Caller-ID-Name": cid_name,
            "Other-Leg-Caller-ID-Number": cid,
            "Other-Leg-Destination-Number": dest,
            "Other-Leg-Unique-ID": CALLER_LEG,
            "Other-Leg-Screen-Bit": "true",
            "Other-Leg-Privacy-Hide-Name": "true" if other_hide else "false",
            "Other-Leg-Privacy-Hide-Number": "true" if other_hide else "false",
            "variable_direction": "outbound",
            "variable_dialed_user": user,
            "variable_dialed_domain": "default",
            "variable_originating_leg_uuid": CALLER_LEG,
            "variable_sip_profile_name": "internal",
        }
    )
    if name == "CHANNEL_ANSWER":
        headers.update(
            {"Channel-Call-State": "ACTIVE", "Answer-State": "answered", "Channel-State": "CS_EXECUTE"}
        )
    if name == "CHANNEL_HANGUP_COMPLETE":
        headers.update(
            {"Channel-Call-State": "HANGUP", "Answer-State": "hangup", "Channel-State": "CS_REPORTING"}
        )
    headers.update(extra or {})
    return headers


def caller_hangup(seq: int, ts: float, cause: str = "NORMAL_CLEARING") -> dict[str, str]:
    headers = caller_create(seq)
    headers.update(
        {
            "Event-Name": "CHANNEL_HANGUP_COMPLETE",
            "Event-Date-Timestamp": str(round(ts * 1_000_000)),
            "Channel-Call-State": "HANGUP",
            "Answer-State": "hangup",
            "Hangup-Cause": cause,
        }
    )
    return headers


def answered_direct_call(*, user: str = "1001", hide: bool = False) -> list[dict[str, str]]:
    """Caller rings 4008123457 -> `bridge user/1001@default`, the agent answers, talks, hangs up."""
    return [
        caller_create(1, hide=hide),
        agent_leg("CHANNEL_CREATE", 2, T0 + 0.02, user=user),
        agent_leg("CHANNEL_OUTGOING", 3, T0 + 0.02, user=user),
        agent_leg("CHANNEL_ANSWER", 4, T0 + 4.0, user=user),
        agent_leg(
            "CHANNEL_HANGUP_COMPLETE", 5, T0 + 30.0, user=user, extra={"Hangup-Cause": "NORMAL_CLEARING"}
        ),
        caller_hangup(6, T0 + 30.01),
    ]
