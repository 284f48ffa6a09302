"""The one connection lifecycle (desktop/cti/pbx_client.PbxLink), tested once for both PBX clients
against their fake servers on loopback: connect, refused login, reconnect with backoff, close
while connecting, cancel."""

from __future__ import annotations

import asyncio
import importlib.util
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desktop.cti.ami import AmiAuthError, AmiClient, AmiConfig
from desktop.cti.esl_client import EslAuthError, EslClient, EslConfig
from desktop.cti.pbx_client import PbxLink

from .fake_esl import FakeEsl

_spec = importlib.util.spec_from_file_location(
    "fake_ami_server", Path(__file__).parents[1] / "cti_ami" / "fake_ami_server.py"
)
assert _spec is not None and _spec.loader is not None
fake_ami_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_ami_server)

BACKOFF = {"backoff_initial": 0.2, "backoff_max": 0.4, "backoff_jitter": 0.0}


@dataclass
class Pbx:
    kind: str
    port: int
    make: Callable[..., PbxLink]  # make(port, secret, on_state) -> client
    secret: str
    auth_error: type[Exception]
    drop: Callable[[], None]
    logins: Callable[[], int]


@pytest.fixture(params=["ami", "esl"])
async def pbx(request: pytest.FixtureRequest) -> AsyncIterator[Pbx]:
    if request.param == "ami":
        server: Any = fake_ami_server.FakeAmiServer(secret="s3cret")
        await server.start()

        def make_ami(port: int, secret: str, on_state: Callable[[str, str], None]) -> PbxLink:
            config = AmiConfig("127.0.0.1", port, "calldesk", secret, connect_timeout=1, **BACKOFF)
            return AmiClient(config, on_state=on_state, rng=random.Random(1))

        yield Pbx(
            "ami",
            server.port,
            make_ami,
            "s3cret",
            AmiAuthError,
            server.drop,
            lambda: len(server.actions_named("Login")),
        )
    else:
        server = FakeEsl(password="s3cret")
        server.api["callcenter_config"] = lambda cmd: "-ERR no mod_callcenter\n"
        await server.start()

        def make_esl(port: int, secret: str, on_state: Callable[[str, str], None]) -> PbxLink:
            config = EslConfig("127.0.0.1", port, secret, connect_timeout=1, **BACKOFF)
            return EslClient(config, on_state=on_state, rng=random.Random(1))

        yield Pbx(
            "esl",
            server.port,
            make_esl,
            "s3cret",
            EslAuthError,
            server.drop_all,
            lambda: sum(1 for c in server.commands if c.startswith("auth ")),
        )
    await server.stop()


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_connects_reconnects_with_backoff_and_closes(pbx: Pbx) -> None:
    states: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()
    client = pbx.make(pbx.port, pbx.secret, lambda s, d: states.append((s, loop.time())))
    task = asyncio.create_task(client.run())
    try:
        await _until(lambda: client.connected)
        pbx.drop()  # the PBX restarts
        await _until(lambda: [s for s, _ in states].count("connected") == 2)
        kinds = [s for s, _ in states]
        assert kinds == ["connected", "disconnected", "connected"]
        assert states[2][1] - states[1][1] >= BACKOFF["backoff_initial"] * 0.9  # it waited, no storm
        assert client.reconnects == 1 and pbx.logins() == 2
    finally:
        await client.close()
    await asyncio.wait_for(task, 2)  # close() ends run() cleanly
    assert not client.connected


async def test_a_refused_login_is_reported_once_and_not_retried(pbx: Pbx) -> None:
    states: list[tuple[str, str]] = []
    client = pbx.make(pbx.port, "wrong", lambda s, d: states.append((s, d)))
    with pytest.raises(pbx.auth_error):
        await asyncio.wait_for(client.run(), 3)
    assert pbx.logins() == 1
    assert len(states) == 1 and states[0][0] == "disconnected"


async def _silent_server() -> tuple[asyncio.Server, int, list[asyncio.StreamWriter]]:
    """Accepts TCP and never says a word: a PBX stuck while we connect."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], held


@pytest.mark.parametrize("kind", ["ami", "esl"])
async def test_close_while_connecting_ends_run_at_once(kind: str) -> None:
    server, port, held = await _silent_server()
    config: Any
    if kind == "ami":
        config = AmiConfig("127.0.0.1", port, "u", "s", connect_timeout=30, action_timeout=30, **BACKOFF)
        client: PbxLink = AmiClient(config)
    else:
        client = EslClient(EslConfig("127.0.0.1", port, "s", connect_timeout=30, **BACKOFF))
    task = asyncio.create_task(client.run())
    try:
        await _until(lambda: bool(held))
        await asyncio.sleep(0.05)  # run() is inside connect(), waiting for the PBX
        await client.close()
        await asyncio.wait_for(task, 1)  # not 30 s: close() cut the pending login short
        assert not client.connected and client.reconnects == 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for writer in held:
            writer.close()
        server.close()


async def test_cancelling_run_while_connected_or_connecting_stops_it(pbx: Pbx) -> None:
    client = pbx.make(pbx.port, pbx.secret, lambda s, d: None)
    task = asyncio.create_task(client.run())
    await _until(lambda: client.connected)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)
    await client.close()
    # and cancelled in the middle of connecting, over and over at different moments
    for delay in (0.0, 0.001, 0.003, 0.01):
        client = pbx.make(pbx.port, pbx.secret, lambda s, d: None)
        task = asyncio.create_task(client.run())
        await asyncio.sleep(delay)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2)
        assert done, f"run() ignored a cancel {delay} s in"
        await client.close()
