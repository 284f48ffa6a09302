"""Every call-control command through AmiCommands -> AmiClient -> a fake AMI server on loopback:
the action text the PBX receives, and success / refusal (Response: Error) / timeout mapping."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ami_helpers import SHARED_TRACES
from fake_ami_server import FakeAmiServer

from desktop.cti.ami import AmiClient, AmiConfig
from desktop.cti.ami_commands import ANSWER_REFUSAL, HOLD_REFUSAL, AmiCommandConfig, AmiCommands
from desktop.cti.pbx_commands import Action, OutcomeStatus, execute_wire, parse_command

ANSWERED = (SHARED_TRACES / "answered.ami").read_bytes()
# up to the hangup: call 1795389097.40 is up between the caller and member "Agent One"
LIVE_CALL = ANSWERED[ANSWERED.index(b"Event: FullyBooted") : ANSWERED.index(b"Event: SoftHangupRequest")]
CALL = "1795389097.40"
CALLER_CHANNEL = "Local/cust@caller-00000014;1"
AGENT_CHANNEL = "Local/agent1@agents-00000015;1"
AGENT_INTERFACE = "Local/agent1@agents/n"


@pytest.fixture
async def ami_server():
    server = FakeAmiServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def commands(ami_server: FakeAmiServer):
    client = AmiClient(AmiConfig("127.0.0.1", ami_server.port, "calldesk", "s3cret", action_timeout=0.5))
    await client.connect()
    await ami_server.push(LIVE_CALL)
    deadline = asyncio.get_running_loop().time() + 5
    while client.normalizer.call_channels(CALL)[1] == "":
        assert asyncio.get_running_loop().time() < deadline, "the trace never set the call up"
        await asyncio.sleep(0.01)
    yield AmiCommands(client, AmiCommandConfig(context="from-internal"))
    await client.close()


async def _run(commands: AmiCommands, wire: dict[str, Any], identity: str = "Agent One"):
    return await commands.run(parse_command(wire), identity)


def _sent(server: FakeAmiServer, name: str) -> list[dict[str, str]]:
    return [
        {k: v for k, v in action.items() if k not in ("Action", "ActionID")}
        for action in server.actions_named(name)
    ]


CASES = [
    ({"action": "hangup", "call_id": CALL}, "Hangup", [{"Channel": CALLER_CHANNEL, "Cause": "16"}]),
    (
        {"action": "transfer", "call_id": CALL, "target": "2001"},
        "BlindTransfer",
        [{"Channel": AGENT_CHANNEL, "Exten": "2001", "Context": "from-internal"}],
    ),
    (
        {"action": "consult", "call_id": CALL, "target": "2002", "context": "default"},
        "Atxfer",
        [{"Channel": AGENT_CHANNEL, "Exten": "2002", "Context": "default"}],
    ),
    (
        {"action": "consult.complete", "call_id": CALL},
        "PlayDTMF",
        [
            {"Channel": AGENT_CHANNEL, "Digit": "*", "Receive": "true"},
            {"Channel": AGENT_CHANNEL, "Digit": "2", "Receive": "true"},
        ],
    ),
    (
        {"action": "consult.swap", "call_id": CALL},
        "PlayDTMF",
        [
            {"Channel": AGENT_CHANNEL, "Digit": "*", "Receive": "true"},
            {"Channel": AGENT_CHANNEL, "Digit": "4", "Receive": "true"},
        ],
    ),
    (
        {"action": "conference", "call_id": CALL},
        "PlayDTMF",
        [
            {"Channel": AGENT_CHANNEL, "Digit": "*", "Receive": "true"},
            {"Channel": AGENT_CHANNEL, "Digit": "3", "Receive": "true"},
        ],
    ),
    ({"action": "consult.cancel", "call_id": CALL}, "CancelAtxfer", [{"Channel": AGENT_CHANNEL}]),
    (
        {"action": "dtmf", "call_id": CALL, "digits": "1#"},
        "PlayDTMF",
        [{"Channel": CALLER_CHANNEL, "Digit": "1"}, {"Channel": CALLER_CHANNEL, "Digit": "#"}],
    ),
    (
        {"action": "pause", "reason": "lunch", "queue": "support"},
        "QueuePause",
        [{"Interface": AGENT_INTERFACE, "Paused": "true", "Reason": "lunch", "Queue": "support"}],
    ),
    ({"action": "unpause"}, "QueuePause", [{"Interface": AGENT_INTERFACE, "Paused": "false"}]),
    (
        {"action": "force.pause", "target": "1002", "reason": "meeting"},
        "QueuePause",
        [{"Interface": "PJSIP/1002", "Paused": "true", "Reason": "meeting"}],
    ),
    (
        {"action": "force.ready", "target": "1002"},
        "QueuePause",
        [{"Interface": "PJSIP/1002", "Paused": "false"}],
    ),
]


@pytest.mark.parametrize(("wire", "action", "expected"), CASES, ids=[c[0]["action"] for c in CASES])
async def test_each_command_sends_the_right_action(commands, ami_server, wire, action, expected):
    outcome = await _run(commands, wire)
    assert outcome.status is OutcomeStatus.ACCEPTED, outcome.message
    assert _sent(ami_server, action) == expected
    assert outcome.pbx_reply == f"{action} done"  # the PBX's own Message travels with the outcome


async def test_dial_originates_from_the_agents_own_interface(commands, ami_server):
    outcome = await _run(commands, {"action": "dial", "target": "tel:+86 138-0013-8000"}, identity="1001")
    assert outcome.ok and outcome.call_id
    assert outcome.pbx_reply == "OriginateResponse: Success (Reason 4)"
    (originate,) = _sent(ami_server, "Originate")
    assert originate == {
        "Channel": "PJSIP/1001",
        "Context": "from-internal",
        "Exten": "+8613800138000",
        "Priority": "1",
        "Timeout": "30000",
        "Async": "true",
        "ChannelId": outcome.call_id,
    }


@pytest.mark.parametrize(
    ("result", "why"),
    [
        (("Failure", "0"), "the phone could not be reached (no such device, or it is not registered)"),
        (("Failure", "3"), "nobody answered the phone"),
        (("Failure", "5"), "the phone is busy"),
    ],
)
async def test_a_dial_the_pbx_could_not_place_is_refused_with_why(commands, ami_server, result, why):
    ami_server.originate_result = result
    outcome = await _run(commands, {"action": "dial", "target": "13800138000"}, identity="PJSIP/9999")
    assert outcome.status is OutcomeStatus.REFUSED
    assert outcome.message == f"the PBX could not place the call from PJSIP/9999: {why}"
    assert outcome.pbx_reply == f"OriginateResponse: Failure (Reason {result[1]})"


async def test_a_dial_whose_outcome_never_comes_is_a_timeout(commands, ami_server):
    ami_server.originate_result = None
    commands.config.dial_timeout_ms = 1000
    commands.config.originate_grace_s = 1.0
    task = asyncio.ensure_future(_run(commands, {"action": "dial", "target": "13800138000"}))
    await asyncio.sleep(0.5)
    assert not task.done()  # "Originate successfully queued" alone is not an answer
    outcome = await asyncio.wait_for(task, 5)
    assert outcome.status is OutcomeStatus.TIMEOUT
    assert "did not report how Originate ended within 2 s" in outcome.message


@pytest.mark.parametrize(("action", "options"), [("listen", "qE"), ("whisper", "qwE"), ("barge", "qBE")])
async def test_supervisor_spies_through_chanspy(commands, ami_server, action, options):
    outcome = await _run(commands, {"action": action, "target": "Agent One"}, identity="PJSIP/2000")
    assert outcome.ok, outcome.message
    assert outcome.message == f"{action}: joined Agent One's call"
    (originate,) = _sent(ami_server, "Originate")
    assert originate["Channel"] == "PJSIP/2000"
    assert (originate["Application"], originate["Data"]) == ("ChanSpy", f"{AGENT_INTERFACE}-,{options}")


async def test_a_refusal_carries_the_pbx_reason(commands, ami_server):
    ami_server.refuse["BlindTransfer"] = "Channel specified does not exist"
    outcome = await _run(commands, {"action": "transfer", "call_id": CALL, "target": "2001"})
    assert outcome.status is OutcomeStatus.REFUSED
    assert outcome.message == "the PBX refused transfer: Channel specified does not exist"
    assert outcome.as_result() == (False, outcome.message)


async def test_a_pbx_that_does_not_answer_is_a_timeout(commands, ami_server):
    ami_server.silent.add("QueuePause")
    outcome = await _run(commands, {"action": "pause", "reason": "break"})
    assert outcome.status is OutcomeStatus.TIMEOUT
    assert "did not answer QueuePause within 0.5 s" in outcome.message


async def test_a_consult_step_stops_at_the_first_refused_digit(commands, ami_server):
    ami_server.refuse["PlayDTMF"] = "Channel not found"
    outcome = await _run(commands, {"action": "consult.complete", "call_id": CALL})
    assert outcome.status is OutcomeStatus.REFUSED and "Channel not found" in outcome.message
    assert len(_sent(ami_server, "PlayDTMF")) == 1


@pytest.mark.parametrize(
    ("action", "text"), [("answer", ANSWER_REFUSAL), ("hold", HOLD_REFUSAL), ("unhold", HOLD_REFUSAL)]
)
async def test_what_ami_cannot_do_is_refused_with_what_to_do_instead(commands, ami_server, action, text):
    before = len(ami_server.actions)
    outcome = await _run(commands, {"action": action, "call_id": CALL})
    assert outcome.status is OutcomeStatus.UNSUPPORTED and outcome.message == text
    assert "phone" in text
    assert len(ami_server.actions) == before  # nothing was sent
    assert commands.unsupported()[Action(action)] == text  # the call bar can say so up front


async def test_a_call_not_seen_in_events_is_found_with_core_show_channels(commands, ami_server):
    ami_server.channels = [
        [("Channel", "PJSIP/1001-0000002a"), ("Uniqueid", "cd-42"), ("Linkedid", "cd-42")],
        [("Channel", "PJSIP/trunk-0000002b"), ("Uniqueid", "1795.77"), ("Linkedid", "cd-42")],
        [("Channel", "PJSIP/1002-0000002c"), ("Uniqueid", "1795.78"), ("Linkedid", "1795.78")],
    ]
    await _run(commands, {"action": "hangup", "call_id": "cd-42"}, identity="1001")
    await _run(commands, {"action": "transfer", "call_id": "cd-42", "target": "2001"}, identity="1001")
    assert _sent(ami_server, "Hangup")[0]["Channel"] == "PJSIP/trunk-0000002b"
    assert _sent(ami_server, "BlindTransfer")[0]["Channel"] == "PJSIP/1001-0000002a"
    outcome = await _run(commands, {"action": "hangup", "call_id": "gone.1"}, identity="1001")
    assert outcome.status is OutcomeStatus.REFUSED and "no such call 'gone.1'" in outcome.message


async def test_the_bridge_seam_refuses_malformed_commands_before_the_pbx(commands, ami_server):
    before = len(ami_server.actions)
    assert await execute_wire(commands, "transfer", "Agent One", {"call_id": CALL}) == (
        False,
        "transfer needs 'target'",
    )
    ok, message = await execute_wire(commands, "pause", "Agent One", {"reason": "nap"}, reasons=("lunch",))
    assert not ok and message == "unknown reason 'nap'; use one of: lunch"
    assert len(ami_server.actions) == before
    assert await execute_wire(commands, "pause", "Agent One", {"reason": "lunch"}, reasons=("lunch",)) == (
        True,
        "paused (lunch) (PBX: QueuePause done)",  # the PBX's own words too (Asterisk's Message)
    )


async def test_a_lost_link_is_reported_as_disconnected(commands, ami_server):
    await commands.client.close()
    outcome = await _run(commands, {"action": "pause", "reason": "break"})
    assert outcome.status is OutcomeStatus.DISCONNECTED and "not connected" in outcome.message
