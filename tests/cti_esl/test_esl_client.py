"""EslClient against a real event-socket server on loopback (tests/cti_esl/fake_esl.py)."""

from __future__ import annotations

import asyncio
import random

import pytest

from desktop.cti.esl_client import EslAuthError, EslClient, EslConfig, EslConnectionError, parse_pipe_table
from desktop.cti.esl_commands import EslCommands
from desktop.cti.events import AgentEvent, CtiEvent, QueueEvent, QueueEventKind
from desktop.cti.pbx_commands import execute_wire

from . import esl_wire as w
from .fake_esl import FakeEsl

QUEUES = "name|strategy|moh_sound|time_base_score\nsupport@default|longest-idle-agent|local_stream://moh|system\n+OK\n"
AGENTS = (
    "name|system|uuid|type|contact|status|state|max_no_answer\n"
    "1001@default|single_box||callback|user/1001|On Break|Waiting|3\n"
    "1002@default|single_box||callback|user/1002|Available|Waiting|3\n+OK\n"
)
MEMBER_HEADER = (
    "queue|system|uuid|session_uuid|cid_number|cid_name|system_epoch|joined_epoch|rejoined_epoch|"
    "bridge_epoch|abandoned_epoch|base_score|skill_score|serving_agent|serving_system|state"
)


def member_row(session: str, number: str, joined: int, state: str = "Waiting") -> str:
    cells = ["support@default", "single_box", f"m-{session}", session, number, "Caller", str(joined)]
    return "|".join([*cells, str(joined), "0", "0", "0", "0", "0", "", "", state])


class Recorder:
    def __init__(self) -> None:
        self.events: list[CtiEvent] = []
        self.states: list[tuple[str, str]] = []
        self.changed = asyncio.Event()

    def on_event(self, event: CtiEvent) -> None:
        self.events.append(event)
        self.changed.set()

    def on_state(self, state: str, detail: str) -> None:
        self.states.append((state, detail))
        self.changed.set()

    async def wait_until(self, predicate, timeout: float = 5.0) -> None:
        async def _wait() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(_wait(), timeout)


@pytest.fixture
async def fake():
    server = FakeEsl(password="s3cret")
    members: dict[str, str] = {"rows": ""}
    server.api["callcenter_config"] = lambda cmd: (
        QUEUES
        if cmd.endswith("queue list")
        else AGENTS
        if cmd.endswith("agent list")
        else MEMBER_HEADER + "\n" + members["rows"] + "+OK\n"
        if "list members" in cmd
        else "+OK\n"
    )
    server.members = members  # type: ignore[attr-defined]
    await server.start()
    yield server
    await server.stop()


def make_client(fake: FakeEsl, rec: Recorder, password: str = "s3cret") -> EslClient:
    config = EslConfig(
        "127.0.0.1", fake.port, password, backoff_initial=0.05, backoff_max=0.2, command_timeout=3
    )
    return EslClient(config, on_event=rec.on_event, on_state=rec.on_state, rng=random.Random(1))


async def test_auth_subscribe_and_resync_snapshot(fake: FakeEsl) -> None:
    rec = Recorder()
    client = make_client(fake, rec)
    await client.connect()
    try:
        assert fake.commands[0] == "auth s3cret"
        subscribe = fake.commands[1]
        for name in (
            "CHANNEL_CREATE",
            "CHANNEL_ANSWER",
            "CHANNEL_BRIDGE",
            "CHANNEL_HANGUP_COMPLETE",
            "BACKGROUND_JOB",
        ):
            assert name in subscribe.split()
        assert subscribe.endswith("CUSTOM callcenter::info")
        assert rec.states[0][0] == "connected"
        pauses = {
            (e.agent, e.paused) for e in rec.events if isinstance(e, AgentEvent) and e.paused is not None
        }
        assert pauses == {("1001@default", True), ("1002@default", False)}
    finally:
        await client.close()
    assert fake.commands[-1] == "exit"


async def test_wrong_password_is_a_clear_error_and_no_retry(fake: FakeEsl) -> None:
    rec = Recorder()
    client = make_client(fake, rec, password="wrong")
    with pytest.raises(EslAuthError, match="refused the event-socket password"):
        await client.run()
    assert fake.connections == 1
    assert rec.states[-1][0] == "disconnected"


async def test_unreachable_switch_is_a_connection_error() -> None:
    server = FakeEsl()
    await server.start()
    port = server.port
    await server.stop()
    client = EslClient(EslConfig("127.0.0.1", port, "x", connect_timeout=1))
    with pytest.raises(EslConnectionError, match="cannot reach"):
        await client.connect()


async def test_api_and_bgapi_answers_go_to_the_right_caller(fake: FakeEsl) -> None:
    fake.api["echo"] = lambda cmd: f"+OK {cmd}\n"
    rec = Recorder()
    client = make_client(fake, rec)
    await client.connect()
    try:
        results = await asyncio.gather(
            client.api("echo one"),
            client.bgapi("echo background"),
            client.api("echo two"),
            client.bgapi("echo second-job"),
            client.api("nonsense here"),
        )
        texts = [r.text for r in results]
        assert texts[:4] == [
            "+OK echo one\n",
            "+OK echo background\n",
            "+OK echo two\n",
            "+OK echo second-job\n",
        ]
        assert not results[4].ok and results[4].text.startswith("-ERR nonsense")
    finally:
        await client.close()


async def test_events_are_normalised_and_delivered(fake: FakeEsl) -> None:
    rec = Recorder()
    client = make_client(fake, rec)
    await client.connect()
    try:
        session = "a9000000-0000-4000-8000-000000000009"
        chan = w.channel("CHANNEL_CREATE", 1795400000.0, 1, session, cid="13800138000")
        fake.send_event(chan)
        cc = {
            "CC-Queue": "support@default",
            "CC-Member-Session-UUID": session,
            "CC-Member-CID-Number": "13800138000",
        }
        fake.send_event(w.callcenter("member-queue-start", 1795400000.5, 2, cc, chan))
        await rec.wait_until(
            lambda: any(isinstance(e, QueueEvent) and e.call_id == session for e in rec.events)
        )
        join = next(e for e in rec.events if isinstance(e, QueueEvent) and e.call_id == session)
        assert (join.kind, join.caller, join.dnis, join.ts) == (
            QueueEventKind.JOIN,
            "+8613800138000",
            "4008123456",
            1795400000.5,
        )
    finally:
        await client.close()


async def test_disconnect_reconnects_and_resyncs(fake: FakeEsl) -> None:
    rec = Recorder()
    client = make_client(fake, rec)
    waiting = "a7000000-0000-4000-8000-000000000007"
    gone = "a8000000-0000-4000-8000-000000000008"
    fake.members["rows"] = (
        member_row(waiting, "13900001111", 1795400000)
        + "\n"
        + member_row(gone, "13900002222", 1795400001)
        + "\n"
    )  # type: ignore[attr-defined]
    task = asyncio.create_task(client.run())
    try:
        await rec.wait_until(lambda: any(isinstance(e, QueueEvent) and e.call_id == gone for e in rec.events))
        # While we are away, `gone` leaves the queue and the switch restarts the connection.
        fake.members["rows"] = member_row(waiting, "13900001111", 1795400000) + "\n"  # type: ignore[attr-defined]
        fake.drop_all()
        await rec.wait_until(lambda: [s for s, _ in rec.states].count("connected") >= 2)
        await rec.wait_until(
            lambda: any(
                isinstance(e, QueueEvent) and e.kind is QueueEventKind.LEAVE and e.call_id == gone
                for e in rec.events
            )
        )
        assert [s for s, _ in rec.states][:3] == ["connected", "disconnected", "connected"]
        assert fake.connections == 2 and client.reconnects == 1
        joins = [e for e in rec.events if isinstance(e, QueueEvent) and e.kind is QueueEventKind.JOIN]
        assert sorted(e.call_id for e in joins) == sorted([waiting, gone])  # the re-sync repeated nothing
        assert fake.commands.count("auth s3cret") == 2
    finally:
        await client.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_commands_become_the_right_api_lines(fake: FakeEsl) -> None:
    fake.api.update(
        {
            "uuid_kill": lambda cmd: "+OK\n",
            "uuid_transfer": lambda cmd: "+OK\n",
            "uuid_hold": lambda cmd: "-ERR No such channel!\n",
            "originate": lambda cmd: "+OK 1f0e\n",
        }
    )
    rec = Recorder()
    client = make_client(fake, rec)
    await client.connect()
    try:
        commands = EslCommands(client)
        agent = "1001@default"
        assert (await execute_wire(commands, "hangup", agent, {"call_id": "u-1"}))[0]
        assert (await execute_wire(commands, "transfer", agent, {"call_id": "u-1", "target": "2001"}))[0]
        ok, message = await execute_wire(commands, "hold", agent, {"call_id": "u-1"})
        assert not ok and "No such channel" in message
        assert (await execute_wire(commands, "pause", agent, {"reason": "break"}))[0]
        assert (await execute_wire(commands, "unpause", agent, {}))[0]
        assert (await execute_wire(commands, "dial", agent, {"target": "+86 138 0013 8000"}))[0]
    finally:
        await client.close()
    sent = [
        c for c in fake.commands if c.startswith(("api uuid", "api callcenter_config agent set", "bgapi"))
    ]
    assert sent[:5] == [
        "api uuid_kill u-1",
        "api uuid_transfer u-1 2001 XML default",
        "api uuid_hold u-1",
        "api callcenter_config agent set status 1001@default 'On Break'",
        "api callcenter_config agent set status 1001@default 'Available'",
    ]
    assert sent[5].startswith("bgapi originate {origination_uuid=") and sent[5].endswith(
        "}user/1001@default +8613800138000 XML default"
    )


def test_pipe_table_tolerates_errors_and_ragged_rows() -> None:
    assert parse_pipe_table("-ERR Invalid!\n") == []
    assert parse_pipe_table("") == []
    rows = parse_pipe_table("a|b\n1|2\n1|2|3\n+OK\n")
    assert rows == [{"a": "1", "b": "2"}]
