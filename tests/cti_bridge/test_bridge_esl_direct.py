"""FreeSWITCH through the bridge: a call to an agent's extension (no queue) pops on that agent's
desktop only, and a caller FreeSWITCH marks private is withheld there (real EslClient, the ESL
tests' loopback switch, the real central API, real BridgeClients)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
from cti_esl import direct_calls as d

from .bridge_rig import FreeSwitchRig, until

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("hide", [False, True])
async def test_a_direct_call_pops_on_the_dialled_agent_only(
    freeswitch_rig: Callable[..., AbstractAsyncContextManager[FreeSwitchRig]], hide: bool
) -> None:
    async with freeswitch_rig(3) as fs:
        fake, one, two = fs.fake, fs.one, fs.two
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
