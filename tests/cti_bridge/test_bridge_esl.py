"""The bridge with FreeSWITCH: the real EslClient against the ESL tests' loopback server, users
whose PBX interface is `1001@default` (as the central API stores it), two real BridgeClients."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
from cti_esl import esl_wire as w
from cti_esl.fake_esl import FakeEsl

from .bridge_rig import FreeSwitchRig, until

pytestmark = pytest.mark.timeout(60)
SESSION = "ab000000-0000-4000-8000-0000000000ab"
T0 = 1795400000.0


def offer_call(fake: FakeEsl, agent: str) -> None:
    chan = w.channel("CHANNEL_CREATE", T0, 1, SESSION, cid="13800138000")
    fake.send_event(chan)
    cc = {
        "CC-Queue": "support@default",
        "CC-Member-Session-UUID": SESSION,
        "CC-Member-CID-Number": "13800138000",
    }
    fake.send_event(w.callcenter("member-queue-start", T0 + 0.1, 2, cc, chan))
    fake.send_event(w.callcenter("agent-offering", T0 + 0.2, 3, {**cc, "CC-Agent": agent}))


async def test_freeswitch_call_pops_on_the_agent_by_interface_and_commands_reach_the_switch(
    freeswitch_rig: Callable[..., AbstractAsyncContextManager[FreeSwitchRig]],
) -> None:
    async with freeswitch_rig(
        2,
        uuid_kill=lambda cmd: "+OK\n",
        uuid_transfer=lambda cmd: "-ERR No such channel!\n",
    ) as fs:
        fake, one, two = fs.fake, fs.one, fs.two
        offer_call(fake, "1001@default")
        await until(lambda: "call.ringing" in one.call_types(SESSION))
        ringing = one.of_type("call.ringing")[0]
        assert ringing["agent"] == "1001" and ringing["extra"]["pbx_agent"] == "1001@default"
        assert ringing["caller"] == "+8613800138000"
        for n, command in enumerate(
            [
                {"action": "hangup", "call_id": SESSION},
                {"action": "transfer", "call_id": SESSION, "target": "2001"},
                {"action": "answer", "call_id": SESSION},
            ]
        ):
            await one.client.send_command({**command, "id": f"cmd-{n}"})
        await two.client.send_command({"action": "hangup", "call_id": SESSION, "id": "not-mine"})
        await until(lambda: len(one.results) == 3 and len(two.results) == 1)
        results = {r.id: r for r in one.results}
        assert results["cmd-0"].ok and results["cmd-0"].message == "hung up"
        assert not results["cmd-1"].ok and "No such channel" in results["cmd-1"].message
        assert "refused transfer" in results["cmd-1"].message  # the switch's own reason, said as such
        # FreeSWITCH can answer the agent's leg itself (esl_commands: uuid_answer)
        assert any(c.startswith("api uuid_answer ") for c in fake.commands), results["cmd-2"]
        assert not two.results[0].ok
        assert fake.commands.count(f"api uuid_kill {SESSION}") == 1  # 1002's hangup never reached the switch
        assert two.calls() == []
        fake.drop_all()  # the switch goes away: the ring that is still open ends on 1001
        await until(lambda: "call.ended" in one.call_types(SESSION))
        assert one.of_type("call.ended")[-1]["reason"] == "pbx_link_lost"
