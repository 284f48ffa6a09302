"""An agent's (and a supervisor's) commands through the real bridge reach the fake AMI server as
the actions ami_commands.AmiCommands sends; the bridge decides who may do what; a PBX refusal
comes back to the desktop with the PBX's own words."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.cti.listener import CommandResult

from .ami_script import AmiScript, queue_call
from .bridge_rig import Desk, Rig, until

pytestmark = pytest.mark.timeout(60)


async def _send(desk: Desk, command: dict[str, Any]) -> CommandResult:
    before = len(desk.results)
    await desk.client.send_command({**command, "id": f"c-{before}"})
    await until(lambda: len(desk.results) > before)
    return desk.results[before]


async def _answered_call(rig: Rig, agent: str = "PJSIP/1001") -> str:
    data, call_id = queue_call(AmiScript(), answered_by=agent, hang_up=False)
    await rig.push(data)
    await until(lambda: "call.answered" in rig.desks["1001"].call_types(call_id))
    return call_id


async def test_hangup_transfer_and_pause_become_the_right_ami_actions(rig: Rig) -> None:
    one = rig.desks["1001"]
    call_id = await _answered_call(rig)
    result = await _send(one, {"action": "transfer", "call_id": call_id, "target": "2001"})
    assert result.ok and result.message == "transferred to 2001 (PBX: BlindTransfer done)"
    blind = rig.ami.actions_named("BlindTransfer")
    assert len(blind) == 1 and blind[0]["Exten"] == "2001" and blind[0]["Context"] == "default"
    assert blind[0]["Channel"].startswith("PJSIP/1001-")  # the agent's channel transfers its peer
    result = await _send(one, {"action": "hangup", "call_id": call_id})
    assert result.ok and result.message == "hung up (PBX: Hangup done)"
    hangup = rig.ami.actions_named("Hangup")
    assert len(hangup) == 1 and hangup[0]["Channel"].startswith("PJSIP/trunk-") and hangup[0]["Cause"] == "16"
    result = await _send(one, {"action": "pause", "reason": "lunch", "queue": "sales"})
    assert result.ok and result.message == "paused (lunch) (PBX: QueuePause done)"
    result = await _send(one, {"action": "unpause"})
    assert result.ok and result.message == "ready (PBX: QueuePause done)"
    pause, ready = rig.ami.actions_named("QueuePause")
    assert (pause["Interface"], pause["Paused"], pause["Reason"], pause["Queue"]) == (
        "PJSIP/1001",
        "true",
        "lunch",
        "sales",
    )
    assert (ready["Interface"], ready["Paused"]) == ("PJSIP/1001", "false") and "Reason" not in ready


async def test_a_pbx_refusal_comes_back_with_the_pbx_message(rig: Rig) -> None:
    one = rig.desks["1001"]
    rig.ami.refuse["QueuePause"] = "Interface not found"
    result = await _send(one, {"action": "pause", "reason": "break"})
    assert not result.ok and result.message == "the PBX refused pause: Interface not found"
    call_id = await _answered_call(rig)
    rig.ami.refuse["Hangup"] = "No such channel"
    result = await _send(one, {"action": "hangup", "call_id": call_id})
    assert not result.ok and "No such channel" in result.message
    result = await _send(one, {"action": "hold", "call_id": call_id})  # AMI has no hold: said so
    assert not result.ok and "hold key" in result.message


async def test_malformed_commands_never_reach_the_pbx(rig: Rig) -> None:
    one = rig.desks["1001"]
    before = len(rig.ami.actions)
    result = await _send(one, {"action": "pause", "reason": ""})
    assert not result.ok and "needs a reason" in result.message
    result = await _send(one, {"action": "dial", "target": "12; Hangup"})
    assert not result.ok and "dial needs a number" in result.message
    call_id = await _answered_call(rig)
    result = await _send(one, {"action": "dtmf", "call_id": call_id, "digits": "1\r\nAction: Hangup"})
    assert not result.ok and "dtmf needs digits" in result.message
    sent = [a["Action"] for a in rig.ami.actions[before:]]
    assert "QueuePause" not in sent and "Originate" not in sent and "PlayDTMF" not in sent


async def test_supervisor_only_commands_are_checked_on_the_bridge(rig: Rig) -> None:
    one, two = rig.desks["1001"], rig.desks["1002"]
    call_id = await _answered_call(rig)
    for command in (
        {"action": "listen", "target": "1001", "call_id": call_id},
        {"action": "force.pause", "target": "1001", "reason": "meeting"},
    ):
        result = await _send(two, command)
        assert not result.ok and "only a supervisor" in result.message
    assert rig.ami.actions_named("Originate") == [] and rig.ami.actions_named("QueuePause") == []
    boss = await rig.desk("super", rig.central.token_for("super"))  # type: ignore[attr-defined]
    result = await _send(boss, {"action": "force.pause", "target": "1001", "reason": "meeting"})
    assert result.ok, result.message
    pause = rig.ami.actions_named("QueuePause")[-1]
    assert (pause["Interface"], pause["Paused"], pause["Reason"]) == ("PJSIP/1001", "true", "meeting")
    result = await _send(boss, {"action": "force.ready", "target": "nobody"})
    assert not result.ok and "not connected to this bridge" in result.message
    result = await _send(boss, {"action": "listen", "target": "1001", "call_id": "someone-elses"})
    assert not result.ok and "is not a call of agent 1001" in result.message
    result = await _send(boss, {"action": "listen", "target": "1001", "call_id": call_id})
    assert not result.ok and "no PBX interface" in result.message  # its own phone would listen
    assert rig.ami.actions_named("Originate") == []
    assert one.results == []
