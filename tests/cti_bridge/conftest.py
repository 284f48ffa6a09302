"""The bridge rigs the bridge tests share: the real central API, the real bridge and the two
agents' desktop-side clients (1001 and 1002) on loopback, in front of the AMI fake (`rig`) or
of FreeSWITCH (`freeswitch_rig`). Tests that need other limits or no desks define their own."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from cti_esl.fake_esl import FakeEsl

from desktop.cti.bridge import BridgeServer, CentralIdentities, EslAdapter
from desktop.cti.esl_client import EslClient, EslConfig

from .bridge_rig import FreeSwitchRig, Rig, start_rig


@pytest.fixture
async def rig(seeded_central_sqlite: Any) -> AsyncIterator[Rig]:
    the_rig = await start_rig(seeded_central_sqlite.url)
    the_rig.central = seeded_central_sqlite  # type: ignore[attr-defined]
    await the_rig.desk("1001", seeded_central_sqlite.token_for("1001"))
    await the_rig.desk("1002", seeded_central_sqlite.token_for("1002"))
    yield the_rig
    await the_rig.close()


@pytest.fixture
def freeswitch_rig(
    seeded_central_sqlite: Any,
) -> Callable[..., AbstractAsyncContextManager[FreeSwitchRig]]:
    """`async with freeswitch_rig(seed, **api) as fs:` the bridge in front of the ESL tests' loopback
    switch (the real EslClient; `api` maps a command's first word to its answer, mod_callcenter
    answers +OK), users 1001 and 1002 with PBX interface `<name>@default` (as the central API stores
    it), both desks connected and the client's re-sync done."""

    @contextlib.asynccontextmanager
    async def start(seed: int, **api: Callable[[str], str]) -> AsyncIterator[FreeSwitchRig]:
        from central.tables import users

        with seeded_central_sqlite.engine.begin() as conn:  # the admin's edit, straight in the database
            for name in ("1001", "1002"):
                conn.execute(
                    users.update().where(users.c.username == name).values(pbx_interface=f"{name}@default")
                )
        fake = FakeEsl(password="pbx-secret")
        fake.api["callcenter_config"] = lambda cmd: "+OK\n"
        fake.api.update(api)
        await fake.start()
        client = EslClient(
            EslConfig("127.0.0.1", fake.port, "pbx-secret", backoff_initial=0.05), rng=random.Random(seed)
        )
        bridge = BridgeServer(EslAdapter(client), CentralIdentities(seeded_central_sqlite.url))
        await bridge.start("127.0.0.1", 0)
        rig = Rig(fake, bridge, client, seeded_central_sqlite.url)  # type: ignore[arg-type]
        task = asyncio.get_running_loop().create_task(client.run())
        bridge._tasks.add(task)
        try:
            one = await rig.desk("1001", seeded_central_sqlite.token_for("1001"))
            two = await rig.desk("1002", seeded_central_sqlite.token_for("1002"))
            await fake.wait_for_command("api callcenter_config agent list")
            yield FreeSwitchRig(rig, fake, one, two)
        finally:
            await rig.close()

    return start
