"""Real central API + real bridge + two real desktop-side clients + a fake AMI server on
loopback: who gets which call, pre-warm, snapshots, authorisation, re-login."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .ami_script import AmiScript, queue_call
from .bridge_rig import Rig, start_rig, until

pytestmark = pytest.mark.timeout(60)


def _one_end_per_ring(desk_events: list[dict[str, Any]]) -> None:
    rung: dict[str, int] = {}
    ended: dict[str, int] = {}
    for event in desk_events:
        if event["type"] == "call.ringing":
            rung[event["call_id"]] = rung.get(event["call_id"], 0) + 1
        if event["type"] == "call.ended":
            ended[event["call_id"]] = ended.get(event["call_id"], 0) + 1
            assert event.get("reason"), event
    assert rung == ended, (rung, ended)
    assert all(n == 1 for n in rung.values())


async def test_call_reaches_only_the_ringing_agent_and_ends_once(rig: Rig) -> None:
    script = AmiScript()
    data, call_id = queue_call(script, answered_by="PJSIP/1001")
    await rig.push(data)
    one, two = rig.desks["1001"], rig.desks["1002"]
    await until(lambda: "call.ended" in one.call_types(call_id))
    assert one.call_types(call_id) == ["call.ringing", "call.answered", "call.ended"]
    ringing = one.of_type("call.ringing")[0]
    assert ringing["agent"] == "1001"  # the CallDesk agent, not the member name
    assert ringing["extra"]["pbx_agent"] == "Li Lei"
    assert ringing["caller"] == "+8613800138000" and ringing["queue"] == "sales"
    assert one.of_type("call.ended")[0]["reason"] == "hung_up"
    await asyncio.sleep(0.1)
    assert two.calls() == []
    _one_end_per_ring(one.events)


async def test_prewarm_reaches_available_members_before_the_ring(rig: Rig) -> None:
    script = AmiScript()
    data, call_id = queue_call(script, answered_by="PJSIP/1001", hang_up=False)
    await rig.push(data)
    one, two = rig.desks["1001"], rig.desks["1002"]
    await until(lambda: "call.answered" in one.call_types(call_id))
    await until(lambda: bool(two.of_type("queue.join")))
    types = [e["type"] for e in one.events]
    assert types.index("queue.join") < types.index("call.ringing")
    join = two.of_type("queue.join")[0]
    assert join["call_id"] == call_id and join["caller"] == "+8613800138000"
    assert two.calls() == []  # pre-warm only: nothing pops on 1002


async def test_paused_member_gets_no_prewarm(rig: Rig) -> None:
    script = AmiScript()
    await rig.push(script.pause("PJSIP/1002", "sales", True, "break"))
    two = rig.desks["1002"]
    await until(lambda: bool(two.of_type("agent.pause")))
    assert two.of_type("agent.pause")[0]["agent"] == "1002"
    data, call_id = queue_call(script, answered_by="PJSIP/1001")
    await rig.push(data)
    await until(lambda: "call.ended" in rig.desks["1001"].call_types(call_id))
    assert two.of_type("queue.join") == []


async def test_ring_no_answer_rolls_over_with_one_end_per_desktop(rig: Rig) -> None:
    s = AmiScript()
    uid, leg1, leg2 = s.uid(), s.uid(), s.uid()
    ch, caller = "PJSIP/trunk-00000007", "02087654321"
    await rig.push(
        s.newchannel(uid, ch, caller, "4008001234")
        + s.join(uid, ch, caller, "sales")
        + s.agent_called(uid, ch, caller, leg1, "PJSIP/1001", "sales")
        + s.ring_no_answer(uid, ch, caller, leg1, "PJSIP/1001", "sales")
        + s.agent_called(uid, ch, caller, leg2, "PJSIP/1002", "sales")
        + s.leave(uid, ch, caller, "sales")
        + s.connect(uid, ch, caller, leg2, "PJSIP/1002", "sales")
        + s.complete(uid, ch, caller, leg2, "PJSIP/1002", "sales", "caller")
        + s.hangup(uid, ch, caller)
    )
    one, two = rig.desks["1001"], rig.desks["1002"]
    await until(lambda: "call.ended" in two.call_types(uid))
    assert one.call_types(uid) == ["call.ringing", "call.ended"]
    assert one.of_type("call.ended")[0]["reason"] == "not_answered"
    assert two.call_types(uid) == ["call.ringing", "call.answered", "call.ended"]
    assert two.of_type("call.ended")[0]["reason"] == "hung_up"
    _one_end_per_ring(one.events)
    _one_end_per_ring(two.events)


async def test_caller_hangs_up_while_ringing(rig: Rig) -> None:
    s = AmiScript()
    uid, leg = s.uid(), s.uid()
    ch, caller = "PJSIP/trunk-00000009", "15900001111"
    await rig.push(
        s.newchannel(uid, ch, caller, "4008001234")
        + s.join(uid, ch, caller, "sales")
        + s.agent_called(uid, ch, caller, leg, "PJSIP/1001", "sales")
        + s.hangup_request(uid, ch, caller)
        + s.abandon(uid, ch, caller, "sales")
        + s.hangup(uid, ch, caller)
    )
    one = rig.desks["1001"]
    await until(lambda: "call.ended" in one.call_types(uid))
    assert one.call_types(uid) == ["call.ringing", "call.ended"]
    assert one.of_type("call.ended")[0]["reason"] == "caller_hung_up"


async def test_direct_call_to_an_extension_pops_without_a_queue(rig: Rig) -> None:
    s = AmiScript()
    uid, dest = s.uid(), s.uid()
    ch, caller, agent_ch = "PJSIP/trunk-0000000b", "15900001111", "PJSIP/1002-0000000c"
    await rig.push(
        s.newchannel(uid, ch, caller, "4008009999")
        + s.newexten(uid, ch, caller, "Dial", "PJSIP/1002,30", exten="4008009999")
        + s.dial_begin(uid, ch, caller, dest, agent_ch, "PJSIP/1002")
        + s.dial_end(uid, ch, caller, dest, agent_ch, "ANSWER")
        + s.hangup(dest, agent_ch, "1002", linkedid=uid)
        + s.hangup(uid, ch, caller)
    )
    two = rig.desks["1002"]
    await until(lambda: "call.ended" in two.call_types(uid))
    assert two.call_types(uid) == ["call.ringing", "call.answered", "call.ended"]
    ringing = two.of_type("call.ringing")[0]
    assert ringing["caller"] == "+8615900001111" and ringing["dnis"] == "4008009999"
    assert ringing["extra"]["direction"] == "inbound" and "queue" not in ringing
    assert rig.desks["1001"].calls() == []


async def test_click_to_dial_shows_as_outbound_on_the_agents_call_bar(rig: Rig) -> None:
    s = AmiScript()
    agent_uid, out_uid = s.uid(), s.uid()
    agent_ch, trunk_ch = "PJSIP/1001-0000000d", "PJSIP/trunk-0000000e"
    await rig.push(
        s.newchannel(agent_uid, agent_ch, "1001", "+8615900001111")
        + s.dial_begin(
            agent_uid, agent_ch, "1001", out_uid, trunk_ch, "trunk/sip:+8615900001111@127.0.0.1:5090"
        )
        + s.dial_end(agent_uid, agent_ch, "1001", out_uid, trunk_ch, "ANSWER")
        + s.hangup(out_uid, trunk_ch, "+8615900001111", linkedid=agent_uid)
        + s.hangup(agent_uid, agent_ch, "1001")
    )
    one = rig.desks["1001"]
    await until(lambda: "call.ended" in one.call_types(agent_uid))
    assert one.call_types(agent_uid) == ["call.ringing", "call.answered", "call.ended"]
    ringing = one.of_type("call.ringing")[0]
    assert ringing["extra"]["direction"] == "outbound"
    assert ringing["caller"] == "+8615900001111"
    assert rig.desks["1002"].calls() == []


@pytest.mark.parametrize("form", ["varset", "newexten"])
async def test_withheld_caller_shows_no_number_anywhere(rig: Rig, form: str) -> None:
    s = AmiScript()
    uid, leg = s.uid(), s.uid()
    ch, caller = "PJSIP/trunk-00000011", "18838264605"
    marker = (
        s.varset(uid, ch, caller, "__CALLERPRES", "prohib_not_screened")
        if form == "varset"
        else s.newexten(uid, ch, caller, "Set", "CALLERID(num-pres)=prohib_not_screened", exten="4008001236")
    )
    await rig.push(
        s.newchannel(uid, ch, caller, "4008001235")
        + marker
        + s.join(uid, ch, caller, "sales")
        + s.agent_called(uid, ch, caller, leg, "PJSIP/1001", "sales")
        + s.hangup_request(uid, ch, caller)
        + s.abandon(uid, ch, caller, "sales")
        + s.hangup(uid, ch, caller)
    )
    one, two = rig.desks["1001"], rig.desks["1002"]
    await until(lambda: "call.ended" in one.call_types(uid))
    await until(lambda: bool(two.of_type("queue.join")))
    for event in one.events + two.events:
        assert "8838264605" not in repr(event), event
    assert "caller" not in one.of_type("call.ringing")[0]


async def test_desktop_restarted_mid_call_gets_its_call_back_once(rig: Rig) -> None:
    s = AmiScript()
    data, call_id = queue_call(s, answered_by="PJSIP/1001", hang_up=False)
    await rig.push(data)
    one = rig.desks["1001"]
    await until(lambda: "call.answered" in one.call_types(call_id))
    await one.client.stop()
    again = await rig.desk("1001-again", rig.central.token_for("1001"))  # type: ignore[attr-defined]
    assert again.call_types(call_id) == ["call.ringing", "call.answered"]
    assert again.of_type("call.ringing")[0]["extra"]["snapshot"] is True
    # the same client reconnecting (bridge restart, network blip) pops nothing twice
    rig.bridge.router.peers()[0]
    for peer in rig.bridge.router.peers():
        if peer.identity.agent_id == "1001":
            peer.close()  # type: ignore[attr-defined]
    await until(lambda: again.client.stats.snapshots >= 2)
    assert again.call_types(call_id) == ["call.ringing", "call.answered"]
    await rig.push(s.hangup(call_id, "PJSIP/trunk-0000" + call_id[-2:], "13800138000"))
    await until(lambda: "call.ended" in again.call_types(call_id))
    _one_end_per_ring(again.events)


async def test_an_agents_command_on_another_agents_call_is_refused(rig: Rig) -> None:
    s = AmiScript()
    data, call_id = queue_call(s, answered_by="PJSIP/1001", hang_up=False)
    await rig.push(data)
    one, two = rig.desks["1001"], rig.desks["1002"]
    await until(lambda: "call.answered" in one.call_types(call_id))
    await two.client.send_command({"action": "hangup", "call_id": call_id, "id": "c-2"})
    await until(lambda: bool(two.results))
    assert two.results[0].ok is False and "not ringing or connected at your phone" in two.results[0].message
    assert rig.ami.actions_named("Hangup") == []
    await two.client.send_command({"action": "pause", "agent": "1001", "reason": "break", "id": "c-3"})
    await until(lambda: len(two.results) == 2)
    assert two.results[1].ok is False and "supervisor" in two.results[1].message
    await one.client.send_command({"action": "hangup", "call_id": call_id, "id": "c-1"})
    await until(lambda: bool(one.results))
    assert one.results[0].ok is True
    hangups = rig.ami.actions_named("Hangup")
    assert len(hangups) == 1 and hangups[0]["Channel"].startswith("PJSIP/trunk-")
    await one.client.send_command({"action": "pause", "reason": "lunch", "id": "c-4"})
    await until(lambda: len(one.results) == 2)
    pause = rig.ami.actions_named("QueuePause")
    assert one.results[1].ok and pause[0]["Interface"] == "PJSIP/1001" and pause[0]["Reason"] == "lunch"


async def test_pbx_link_lost_ends_every_open_call(rig: Rig) -> None:
    s = AmiScript()
    data, call_id = queue_call(s, answered_by="PJSIP/1001", hang_up=False)
    await rig.push(data)
    one = rig.desks["1001"]
    await until(lambda: "call.answered" in one.call_types(call_id))
    rig.ami.drop()
    await until(lambda: "call.ended" in one.call_types(call_id))
    assert one.of_type("call.ended")[0]["reason"] == "pbx_link_lost"
    assert one.of_type("pbx.disconnected")
    await until(lambda: len(one.of_type("pbx.connected")) >= 1 and rig.ami.logins >= 2)


async def test_events_for_calls_never_rung_are_ignored_and_counted(rig: Rig) -> None:
    from desktop.cti.events import CallEvent, CallEventKind

    before = rig.bridge.router.legs.never_rung
    for kind in [CallEventKind.ENDED] * 5 + [CallEventKind.ANSWERED, CallEventKind.HELD]:
        # what a PBX adapter could hand over for a call no desktop saw ring
        rig.bridge.on_pbx_event(
            CallEvent(kind, call_id="ghost-1", ts=1.0, agent="Li Lei", extra={"interface": "PJSIP/1001"})
        )
    data, call_id = queue_call(AmiScript(), answered_by="PJSIP/1001")
    await rig.push(data)
    one = rig.desks["1001"]
    await until(lambda: "call.ended" in one.call_types(call_id))
    assert [e["call_id"] for e in one.calls() if e["call_id"] == "ghost-1"] == []
    assert rig.bridge.router.legs.never_rung - before == 7


async def test_expired_token_leads_to_relogin(rig: Rig) -> None:
    import sqlalchemy as sa

    from central import auth
    from central.tables import users

    central = rig.central  # type: ignore[attr-defined]
    with central.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == "1001")).one()
    principal = auth.Principal(row.id, row.username, row.role, row.agent_id, row.display_name, 0)
    expired = central.mint_token(principal, lifetime_s=-60)
    desk = await rig.desk("expired", expired, wait=False)
    await until(lambda: desk.client.status == "relogin_needed")
    assert rig.bridge.stats.refused_token >= 1
    desk.client.set_token(central.token_for("1001"))
    await until(lambda: desk.client.connected)


async def test_supervisor_gets_queue_and_agent_streams_and_may_pause_an_agent(rig: Rig) -> None:
    boss = await rig.desk("super", rig.central.token_for("super"))  # type: ignore[attr-defined]
    assert boss.client.role == "supervisor"
    s = AmiScript()
    data, call_id = queue_call(s, answered_by="PJSIP/1001")
    await rig.push(data + s.pause("PJSIP/1002", "sales", True, "lunch"))
    await until(lambda: bool(boss.of_type("agent.pause")) and bool(boss.of_type("queue.leave")))
    assert boss.of_type("queue.join")[0]["call_id"] == call_id
    pause_seen = boss.of_type("agent.pause")[0]
    assert pause_seen["agent"] == "1002" and pause_seen["extra"]["pbx_agent"] == "王芳"
    # the supervisor follows the agent's call for the agent grid, as that agent's (its own screen pop
    # keeps only its own calls); 1002, whose phone never rang, gets none of it
    await until(lambda: "call.ended" in boss.call_types(call_id))
    assert {e["agent"] for e in boss.calls()} == {"1001"}
    assert boss.call_types(call_id) == rig.desks["1001"].call_types(call_id)
    assert rig.desks["1002"].call_types(call_id) == []
    await boss.client.send_command({"action": "pause", "agent": "1001", "reason": "meeting", "id": "s-1"})
    await until(lambda: bool(boss.results))
    assert boss.results[0].ok, boss.results[0].message
    pause = rig.ami.actions_named("QueuePause")[-1]
    assert pause["Interface"] == "PJSIP/1001" and pause["Reason"] == "meeting"


async def test_bridge_logs_connections_refusals_and_a_summary(
    seeded_central_sqlite: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from desktop.cti.bridge import BridgeLimits

    caplog.set_level(logging.INFO, logger="desktop.cti.bridge")
    the_rig = await start_rig(seeded_central_sqlite.url, limits=BridgeLimits(summary_every_s=0.2))
    try:
        await the_rig.desk("1001", seeded_central_sqlite.token_for("1001"))
        refused = await the_rig.desk("bad", "not-a-token", wait=False)
        await until(lambda: refused.client.status == "relogin_needed")
        await until(lambda: "events in" in caplog.text, timeout=3)
    finally:
        await the_rig.close()
    text = caplog.text
    assert "1001 (agent, PJSIP/1001) connected from 127.0.0.1" in text
    assert "refused 127.0.0.1" in text and "(bad_token)" in text
    assert "PBX link connected" in text
    assert "lines out, 1 desktops, 1 refused" in text or "1 desktops" in text
