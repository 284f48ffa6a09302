"""Every call-control command through EslCommands -> EslClient -> a fake event socket on loopback:
the api/bgapi line FreeSWITCH receives, and success / -ERR refusal / timeout mapping."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from desktop.cti.esl_client import EslClient, EslConfig
from desktop.cti.esl_commands import QUEUE_PAUSE_REFUSAL, SPY_NEEDS_CALL, SWAP_REFUSAL, EslCommands
from desktop.cti.pbx_commands import Action, OutcomeStatus, execute_wire, parse_command

from . import esl_wire as w
from .fake_esl import FakeEsl

CALL = "c0000000-0000-4000-8000-000000000001"  # the caller's session: the queue call id
LEG = "a0000000-0000-4000-8000-00000000000a"  # the agent's leg, named by mod_callcenter
AGENT = "1001@default"


@pytest.fixture
async def fake():
    server = FakeEsl(password="s3cret")
    server.api["callcenter_config"] = lambda cmd: "+OK\n" if " set " in cmd else "name|status\n+OK\n"
    for word in ("uuid_kill", "uuid_transfer", "uuid_hold", "uuid_answer", "uuid_broadcast"):
        server.api[word] = lambda cmd: "+OK\n"
    server.api["uuid_recv_dtmf"] = lambda cmd: "+OK\n"
    server.api["uuid_send_dtmf"] = lambda cmd: "+OK\n"
    server.api["originate"] = lambda cmd: "+OK 1f0e\n"
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def commands(fake: FakeEsl):
    client = EslClient(EslConfig("127.0.0.1", fake.port, "s3cret", command_timeout=0.5))
    await client.connect()
    offering = w.callcenter(
        "agent-offering",
        1795400000.0,
        1,
        {
            "CC-Queue": "support@default",
            "CC-Agent": AGENT,
            "CC-Member-Session-UUID": CALL,
            "CC-Agent-UUID": LEG,
        },
    )
    fake.send_event(offering)
    deadline = asyncio.get_running_loop().time() + 5
    while CALL not in client.agent_legs:
        assert asyncio.get_running_loop().time() < deadline, "agent-offering never named the agent's leg"
        await asyncio.sleep(0.01)
    yield EslCommands(client)
    await client.close()


async def _run(commands: EslCommands, wire: dict[str, Any], identity: str = AGENT):
    return await commands.run(parse_command(wire), identity)


def _sent(fake: FakeEsl) -> list[str]:
    return [
        c for c in fake.commands if c.startswith(("api uuid", "api callcenter_config agent set", "bgapi"))
    ]


CASES = [
    ({"action": "answer", "call_id": CALL}, f"api uuid_answer {LEG}"),
    ({"action": "hangup", "call_id": CALL}, f"api uuid_kill {CALL}"),
    ({"action": "hold", "call_id": CALL}, f"api uuid_hold {LEG}"),
    ({"action": "unhold", "call_id": CALL}, f"api uuid_hold off {LEG}"),
    ({"action": "transfer", "call_id": CALL, "target": "2001"}, f"api uuid_transfer {CALL} 2001 XML default"),
    (
        {"action": "consult", "call_id": CALL, "target": "2002", "context": "agents"},
        f"api uuid_broadcast {LEG} att_xfer::loopback/2002/agents aleg",
    ),
    ({"action": "consult.complete", "call_id": CALL}, f"api uuid_recv_dtmf {LEG} *"),
    ({"action": "consult.cancel", "call_id": CALL}, f"api uuid_recv_dtmf {LEG} #"),
    ({"action": "conference", "call_id": CALL}, f"api uuid_recv_dtmf {LEG} 0"),
    ({"action": "dtmf", "call_id": CALL, "digits": "12#"}, f"api uuid_send_dtmf {CALL} 12#"),
    ({"action": "pause", "reason": "lunch"}, f"api callcenter_config agent set status {AGENT} 'On Break'"),
    ({"action": "unpause"}, f"api callcenter_config agent set status {AGENT} 'Available'"),
    (
        {"action": "force.ready", "target": "1002@default"},
        "api callcenter_config agent set status 1002@default 'Available'",
    ),
    (
        {"action": "listen", "target": AGENT, "call_id": CALL},
        f"bgapi originate {{origination_caller_id_name=listen_{AGENT}}}user/2000@default &eavesdrop({LEG})",
    ),
    (
        {"action": "whisper", "target": AGENT, "call_id": CALL},
        f"bgapi originate {{origination_caller_id_name=whisper_{AGENT},eavesdrop_whisper_aleg=true}}"
        f"user/2000@default &eavesdrop({LEG})",
    ),
    (
        {"action": "barge", "target": AGENT, "call_id": CALL},
        f"bgapi originate {{origination_caller_id_name=barge_{AGENT}}}user/2000@default &three_way({LEG})",
    ),
]


@pytest.mark.parametrize(("wire", "line"), CASES, ids=[c[0]["action"] for c in CASES])
async def test_each_command_sends_the_right_line(commands, fake, wire, line):
    identity = "2000@default" if wire["action"] in ("listen", "whisper", "barge") else AGENT
    outcome = await _run(commands, wire, identity)
    assert outcome.status is OutcomeStatus.ACCEPTED, outcome.message
    assert _sent(fake) == [line]


async def test_dial_originates_from_the_agents_phone_and_names_the_call(commands, fake):
    outcome = await _run(commands, {"action": "dial", "target": "tel:+86-138-0013-8000"})
    assert outcome.ok and outcome.pbx_reply == "+OK 1f0e"
    (line,) = _sent(fake)
    assert line == (
        f"bgapi originate {{origination_uuid={outcome.call_id},ignore_early_media=true}}"
        f"user/{AGENT} +8613800138000 XML default"
    )


async def test_a_refusal_carries_the_switch_reason(commands, fake):
    fake.api["uuid_transfer"] = lambda cmd: "-ERR No such channel!\n"
    outcome = await _run(commands, {"action": "transfer", "call_id": CALL, "target": "2001"})
    assert outcome.status is OutcomeStatus.REFUSED
    assert outcome.message == "the PBX refused transfer: -ERR No such channel!"


async def test_a_switch_that_does_not_answer_is_a_timeout(commands, fake):
    fake.silent.add("uuid_kill")
    outcome = await _run(commands, {"action": "hangup", "call_id": CALL})
    assert outcome.status is OutcomeStatus.TIMEOUT and "within 0.5 s" in outcome.message


@pytest.mark.parametrize(
    ("wire", "text"),
    [
        ({"action": "consult.swap", "call_id": CALL}, SWAP_REFUSAL),
        ({"action": "pause", "reason": "lunch", "queue": "support@default"}, QUEUE_PAUSE_REFUSAL),
        ({"action": "listen", "target": AGENT}, SPY_NEEDS_CALL),
    ],
)
async def test_what_freeswitch_cannot_do_is_refused_with_why(commands, fake, wire, text):
    outcome = await _run(commands, wire, "2000@default")
    assert outcome.status is OutcomeStatus.UNSUPPORTED and outcome.message == text
    assert _sent(fake) == []
    assert set(commands.unsupported()) == {Action.CONSULT_SWAP}  # the rest depends on the call, not the PBX


async def test_an_unsafe_argument_never_reaches_the_switch(commands, fake):
    outcome = await _run(commands, {"action": "force.pause", "target": "Li Lei", "reason": "break"})
    assert outcome.status is OutcomeStatus.REFUSED and "unsafe command argument" in outcome.message
    assert _sent(fake) == []


async def test_reason_maps_to_a_configured_status(commands, fake):
    commands.config.status_for_reason["logout"] = "Logged Out"
    ok, message = await execute_wire(
        commands, "pause", AGENT, {"reason": "logout"}, reasons=("logout", "lunch")
    )
    assert (ok, message) == (True, "paused (logout)")
    assert _sent(fake) == [f"api callcenter_config agent set status {AGENT} 'Logged Out'"]


async def test_a_call_placed_by_click_to_dial_is_its_own_agent_leg(commands, fake):
    await _run(commands, {"action": "hold", "call_id": "d0000000-0000-4000-8000-0000000000d1"})
    assert _sent(fake) == ["api uuid_hold d0000000-0000-4000-8000-0000000000d1"]


async def test_a_late_reply_is_not_taken_for_the_next_commands_answer(commands, fake):
    fake.slow["uuid_kill"] = 0.65  # answered, but after the client gave up (0.5 s), while hold waits
    fake.api["uuid_kill"] = lambda cmd: "+OK killed\n"
    fake.api["uuid_hold"] = lambda cmd: "-ERR No such channel!\n"
    late = await _run(commands, {"action": "hangup", "call_id": CALL})
    assert late.status is OutcomeStatus.TIMEOUT
    hold = await _run(commands, {"action": "hold", "call_id": CALL})
    assert hold.status is OutcomeStatus.REFUSED and hold.pbx_reply == "-ERR No such channel!"


async def test_a_queue_name_that_cannot_be_sent_does_not_stop_the_resync(fake):
    fake.api["callcenter_config"] = lambda cmd: (
        "name|strategy\nVIP line@default|ring-all\nsupport@default|ring-all\n+OK\n"
        if cmd.endswith("queue list")
        else "+OK\n"
    )
    client = EslClient(EslConfig("127.0.0.1", fake.port, "s3cret", command_timeout=2))
    await client.connect()  # the re-sync runs inside connect: it must not raise
    try:
        asked = [c for c in fake.commands if "list members" in c]
        assert asked == ["api callcenter_config queue list members support@default"]
    finally:
        await client.close()
