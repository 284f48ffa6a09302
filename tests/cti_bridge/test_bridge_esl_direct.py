"""FreeSWITCH through the bridge: a call to an agent's extension (no queue) pops on that agent's
desktop only, and a caller FreeSWITCH marks private is withheld there (real EslClient, the ESL
tests' loopback switch, the real central API, real BridgeClients)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from cti_esl import direct_calls as d
from cti_esl.fake_esl import FakeEsl

from desktop.cti.bridge import BridgeServer, CentralIdentities, EslAdapter
from desktop.cti.esl_client import EslClient, EslConfig

from .bridge_rig import Rig, until

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("hide", [False, True])
async def test_a_direct_call_pops_on_the_dialled_agent_only(seeded_central_sqlite: Any, hide: bool) -> None:
    from central.tables import users

    with seeded_central_sqlite.engine.begin() as conn:
        for name in ("1001", "1002"):
            conn.execute(
                users.update().where(users.c.username == name).values(pbx_interface=f"{name}@default")
            )
    fake = FakeEsl(password="pbx-secret")
    fake.api["callcenter_config"] = lambda cmd: "+OK\n"
    await fake.start()
    client = EslClient(
        EslConfig("127.0.0.1", fake.port, "pbx-secret", backoff_initial=0.05), rng=random.Random(3)
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
        assert any("CHANNEL_OUTGOING" in c for c in fake.commands)  # subscribed
        for headers in d.answered_direct_call(hide=hide):
            fake.send_event(headers)
        await until(lambda: "call.ended" in one.call_types(d.CALLER_LEG))
        assert one.call_types(d.CALLER_LEG) == ["call.ringing", "call.answered", "call.ended"]
        ring = one.of_type("call.ringing")[0]
        assert ring["agent"] == "1001" and ring["extra"]["direct"] is True
        assert one.of_type("call.ended")[0]["reason"] == "hung_up"
        if hide:
            assert ring.get("caller") is None and ring["extra"]["withheld"] is True
            assert "13800138000" not in str(one.events)
        else:
            assert ring["caller"] == "+8613800138000"
        assert two.calls() == []
    finally:
        await rig.close()
