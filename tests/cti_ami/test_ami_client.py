"""The asyncio AMI client against a real (fake) AMI server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest
from ami_helpers import SHARED_TRACES
from fake_ami_server import FakeAmiServer

from calldesk_domain.backoff import backoff_delay
from desktop.cti.ami import (
    AmiActionError,
    AmiAuthError,
    AmiClient,
    AmiConfig,
    AmiConnectionError,
)
from desktop.cti.ami_commands import AmiCommandConfig, AmiCommands
from desktop.cti.events import AgentEvent, QueueEventKind
from desktop.cti.pbx_commands import execute_wire

ANSWERED = (SHARED_TRACES / "answered.ami").read_bytes()
# The real recording from the first event on (banner and login response belong to its own session).
ANSWERED_EVENTS = ANSWERED[ANSWERED.index(b"Event: FullyBooted") :]


@pytest.fixture
async def ami_server():
    server = FakeAmiServer()
    await server.start()
    yield server
    await server.stop()


def _config(server: FakeAmiServer, **kw) -> AmiConfig:
    base = {
        "username": "calldesk",
        "secret": "s3cret",
        "backoff_initial": 0.05,
        "backoff_max": 0.4,
        "action_timeout": 3.0,
    }
    base.update(kw)
    return AmiConfig("127.0.0.1", server.port, **base)


async def _until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("auth", ["plain", "md5"])
async def test_login_and_events_flow(ami_server, auth):
    events, states = [], []
    client = AmiClient(
        _config(ami_server, auth=auth), on_event=events.append, on_state=lambda s, d: states.append(s)
    )
    await client.connect()
    try:
        assert ami_server.logins == 1 and client.version == "11.0.0"
        login = ami_server.actions_named("Login")[0]
        assert login["Events"] == "on"
        if auth == "md5":
            assert "Secret" not in login and len(login["Key"]) == 32
            assert ami_server.actions_named("Challenge")[0]["AuthType"] == "MD5"
        else:
            assert login["Secret"] == "s3cret"
        assert ami_server.actions_named("QueueStatus"), "a fresh connection re-syncs"
        await ami_server.push(ANSWERED_EVENTS)
        await _until(lambda: any(e.wire_type == "call.ended" for e in events))
        kinds = [e.wire_type for e in events if not isinstance(e, AgentEvent)]
        assert kinds == ["queue.join", "call.ringing", "queue.leave", "call.answered", "call.ended"]
        assert states == ["connected"]
    finally:
        await client.close()
    assert states == ["connected", "disconnected"]


@pytest.mark.parametrize("auth", ["plain", "md5"])
async def test_wrong_password_is_a_clear_error_and_no_retry_storm(ami_server, auth):
    states = []
    client = AmiClient(
        _config(ami_server, auth=auth, secret="wrong"), on_state=lambda s, d: states.append((s, d))
    )
    with pytest.raises(AmiAuthError, match=r"refused the AMI login for user 'calldesk'.*secret"):
        await asyncio.wait_for(client.run(), 5)
    assert ami_server.failed_logins == 1 and ami_server.logins == 0
    assert states and states[-1][0] == "disconnected" and "Authentication failed" in states[-1][1]


async def test_unreachable_pbx_is_a_connection_error():
    client = AmiClient(AmiConfig("127.0.0.1", 1, connect_timeout=1.0))
    with pytest.raises(AmiConnectionError, match="cannot reach"):
        await client.connect()


async def test_actions_are_correlated_by_action_id(ami_server):
    client = AmiClient(_config(ami_server))
    await client.connect()
    try:
        slow = asyncio.ensure_future(client.send_action("SlowPing"))
        await asyncio.sleep(0.02)
        fast = await client.send_action("Ping")
        assert fast.get("Message") == "Ping done" and not slow.done()
        assert (await slow).get("Message") == "slow"
        with pytest.raises(AmiActionError, match="No such thing"):
            await client.send_action("Fail")
    finally:
        await client.close()


async def test_queue_status_collects_the_event_list(ami_server):
    ami_server.queue_status = [
        [("Event", "QueueParams"), ("Queue", "support"), ("Calls", 0), ("Completed", 5), ("Abandoned", 1)],
        [
            ("Event", "QueueMember"),
            ("Queue", "support"),
            ("Name", "Agent One"),
            ("Location", "Local/agent1@agents/n"),
            ("Status", 1),
            ("Paused", 1),
            ("PausedReason", "lunch"),
        ],
        [
            ("Event", "QueueMember"),
            ("Queue", "support"),
            ("Name", "Agent Two"),
            ("Location", "Local/agent2@agents/n"),
            ("Status", 2),
            ("Paused", 0),
            ("PausedReason", ""),
        ],
    ]
    client = AmiClient(_config(ami_server))
    await client.connect()
    try:
        result = await client.queue_status("support")
        assert [m.event for m in result.events] == ["QueueParams", "QueueMember", "QueueMember"]
        assert result.response.get("EventList") == "start"
        members = client.state.queues["support"].members
        assert members["Agent One"].paused is True and members["Agent One"].reason == "lunch"
        assert members["Agent Two"].state == "busy"
    finally:
        await client.close()


async def test_disconnect_reconnect_resync_without_duplicate_events(ami_server):
    head = ANSWERED_EVENTS[
        : ANSWERED_EVENTS.index(b"Event: Newstate\r\nPrivilege: call,all\r\nTimestamp: 1795389101")
    ]
    tail = ANSWERED_EVENTS[len(head) :]
    events, states = [], []
    client = AmiClient(
        _config(ami_server),
        on_event=events.append,
        on_state=lambda s, d: states.append(s),
        rng=random.Random(3),
    )
    runner = asyncio.ensure_future(client.run())
    try:
        await _until(lambda: ami_server.logins == 1)
        await ami_server.push(head)  # the caller is waiting, Agent One's phone rings
        await _until(lambda: any(e.wire_type == "call.ringing" for e in events))
        # While we are away the PBX still has the caller waiting: QueueStatus will list it.
        ami_server.queue_status = [
            [
                ("Event", "QueueEntry"),
                ("Queue", "support"),
                ("Position", 1),
                ("Channel", "Local/cust@caller-00000014;1"),
                ("Uniqueid", "1795389097.40"),
                ("CallerIDNum", "13512345678"),
                ("Wait", 2),
            ],
            [
                ("Event", "QueueMember"),
                ("Queue", "support"),
                ("Name", "Agent One"),
                ("Location", "Local/agent1@agents/n"),
                ("Status", 6),
                ("Paused", 0),
                ("PausedReason", ""),
            ],
        ]
        before = len(events)
        ami_server.drop()
        await _until(lambda: ami_server.logins == 2)
        await _until(lambda: len(ami_server.actions_named("QueueStatus")) == 2)
        await asyncio.sleep(0.1)
        assert client.reconnects == 1
        assert states[:3] == ["connected", "disconnected", "connected"]
        resynced = events[before:]
        assert not [e for e in resynced if e.wire_type in ("queue.join", "call.ringing")], resynced
        await ami_server.push(tail)
        await _until(lambda: any(e.wire_type == "call.ended" for e in events))
        call_kinds = [e.wire_type for e in events if not isinstance(e, AgentEvent)]
        assert call_kinds == ["queue.join", "call.ringing", "queue.leave", "call.answered", "call.ended"]
        record = client.state.calls["1795389097.40"]
        assert record.outcome == "answered" and abs(record.wait_s - 3.0) < 0.1
    finally:
        await client.close()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


async def test_a_caller_who_left_while_we_were_away_leaves_on_resync(ami_server):
    head = ANSWERED_EVENTS[: ANSWERED_EVENTS.index(b"Event: AgentCalled")]
    events = []
    client = AmiClient(_config(ami_server), on_event=events.append)
    runner = asyncio.ensure_future(client.run())
    try:
        await _until(lambda: ami_server.logins == 1)
        await ami_server.push(head)
        await _until(lambda: any(e.wire_type == "queue.join" for e in events))
        ami_server.queue_status = []
        ami_server.drop()
        await _until(lambda: any(e.wire_type == "queue.leave" for e in events))
        leave = next(e for e in events if e.wire_type == "queue.leave")
        assert leave.kind is QueueEventKind.LEAVE and leave.reason == "resync"
        assert client.state.waiting_calls("support") == []
    finally:
        await client.close()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    config = AmiConfig("127.0.0.1", backoff_initial=0.5, backoff_max=30.0, backoff_jitter=0.25)
    rng = random.Random(7)
    delays = [backoff_delay(n, config, rng) for n in range(12)]
    for n, delay in enumerate(delays):
        base = min(0.5 * 2**n, 30.0)
        assert base <= delay <= base * 1.25
    assert delays[-1] <= 37.5 and len({round(d, 6) for d in delays[-4:]}) == 4  # capped, still jittered


async def test_commands_map_to_ami_actions(ami_server):
    client = AmiClient(_config(ami_server))
    await client.connect()
    try:
        await ami_server.push(ANSWERED_EVENTS[: ANSWERED_EVENTS.index(b"Event: SoftHangupRequest")])
        await _until(
            lambda: (
                client.state.calls.get("1795389097.40") is not None
                and client.state.calls["1795389097.40"].answer_ts is not None
            )
        )
        commands = AmiCommands(client, AmiCommandConfig(context="from-internal", confirm_originate=False))
        call = {"call_id": "1795389097.40"}

        async def run(action: str, identity: str = "Agent One", **wire: str) -> tuple[bool, str]:
            return await execute_wire(commands, action, identity, wire)

        assert (await run("pause", reason="lunch", queue="support"))[0]
        assert (await run("unpause"))[0]
        assert (await run("transfer", **call, target="2001"))[0]
        assert (await run("consult", **call, target="2002"))[0]
        assert (await run("hangup", **call))[0]
        assert (await run("dial", "PJSIP/1001", target="13800138000"))[0]
        pause, unpause = ami_server.actions_named("QueuePause")
        assert (pause["Interface"], pause["Paused"], pause["Reason"], pause["Queue"]) == (
            "Local/agent1@agents/n",
            "true",
            "lunch",
            "support",
        )
        assert unpause["Paused"] == "false" and "Reason" not in unpause
        blind = ami_server.actions_named("BlindTransfer")[0]
        assert (blind["Channel"], blind["Exten"], blind["Context"]) == (
            "Local/agent1@agents-00000015;1",
            "2001",
            "from-internal",
        )
        assert ami_server.actions_named("Atxfer")[0]["Exten"] == "2002"
        assert ami_server.actions_named("Hangup")[0]["Channel"] == "Local/cust@caller-00000014;1"
        originate = ami_server.actions_named("Originate")[0]
        assert (originate["Channel"], originate["Exten"], originate["Async"]) == (
            "PJSIP/1001",
            "13800138000",
            "true",
        )
        for action in ("answer", "hold"):
            ok, message = await run(action, **call)
            assert not ok and "phone" in message and "AMI" in message
        ok, message = await run("transfer", call_id="nope", target="2001")
        assert not ok and "no such call" in message
    finally:
        await client.close()


async def test_unreachable_pbx_is_retried_with_the_reason_reported():
    states = []
    client = AmiClient(
        AmiConfig("127.0.0.1", 1, connect_timeout=0.5, backoff_initial=0.02, backoff_max=0.05),
        on_state=lambda s, d: states.append((s, d)),
    )
    runner = asyncio.ensure_future(client.run())
    try:
        await _until(lambda: client.reconnects >= 3)
    finally:
        await client.close()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    assert states and all(s == "disconnected" and "cannot reach" in d and "retrying" in d for s, d in states)
