"""A consult's follow-up commands act on the agent's own phone, on what the real Asterisk 22 lab
sent (tests/traces/ami-lab/attended_transfer.ami): once the Atxfer to 2001 has rung PJSIP/1002,
the call's newest agent leg is 1002's. On the lab, CancelAtxfer and the complete DTMF (`*2`) then
went to PJSIP/1002-... (AMI showed DTMFEnd on 1002's channel), Asterisk answered "successfully
queued" and nothing happened: the agent could neither cancel nor complete the transfer."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from fake_ami_server import FakeAmiServer

from desktop.cti.ami import AmiClient, AmiConfig
from desktop.cti.ami_commands import AmiCommandConfig, AmiCommands
from desktop.cti.pbx_commands import parse_command

TRACE = Path(__file__).resolve().parents[1] / "traces" / "ami-lab" / "attended_transfer.ami"


def _until_consult_answered() -> tuple[bytes, list[list[tuple[str, object]]]]:
    """The events up to 1001's hang-up (1002 has answered the consult), and the channels alive
    then as CoreShowChannels lists them (from the trace's own events: the latest Linkedid)."""
    blocks = TRACE.read_bytes().split(b"\r\n\r\n")
    cut = next(i for i, b in enumerate(blocks) if b.lstrip().startswith(b"Event: HangupRequest"))
    kept = [b.lstrip(b"\r\n") for b in blocks[:cut] if b.lstrip().startswith(b"Event:")]
    alive: dict[str, tuple[str, str]] = {}
    for block in kept:
        text = block.decode()
        fields = dict(re.findall(r"^(\w+): (.*?)\r?$", text, re.M))
        if fields.get("Event") == "Newchannel":
            alive[fields["Uniqueid"]] = (fields["Channel"], fields["Linkedid"])
        elif fields.get("Uniqueid") in alive and "Linkedid" in fields:  # bridged: a new Linkedid
            alive[fields["Uniqueid"]] = (alive[fields["Uniqueid"]][0], fields["Linkedid"])
        if fields.get("Event") == "Hangup":
            alive.pop(fields.get("Uniqueid", ""), None)
    channels = [
        [("Channel", ch), ("Uniqueid", uid), ("Linkedid", linked)] for uid, (ch, linked) in alive.items()
    ]
    return b"".join(block + b"\r\n\r\n" for block in kept), channels


async def test_cancel_and_complete_go_to_the_agents_own_channel() -> None:
    events, channels = _until_consult_answered()
    server = FakeAmiServer()
    await server.start()
    client = AmiClient(AmiConfig("127.0.0.1", server.port, "calldesk", "s3cret", action_timeout=2))
    try:
        await client.connect()
        server.channels = channels
        await server.push(events)
        call_id = "1796226896.10"  # the customer's channel PJSIP/trunk-0000000a
        deadline = asyncio.get_running_loop().time() + 5
        while not client.normalizer.call_channels(call_id)[1].startswith("PJSIP/1002-"):
            assert asyncio.get_running_loop().time() < deadline, client.normalizer.call_channels(call_id)
            await asyncio.sleep(0.01)
        commands = AmiCommands(client, AmiCommandConfig(context="default"))
        for action in ("consult.cancel", "consult.complete"):
            outcome = await commands.run(parse_command({"action": action, "call_id": call_id}), "PJSIP/1001")
            assert outcome.ok, outcome
        targets = [a["Channel"] for a in server.actions if a["Action"] in ("CancelAtxfer", "PlayDTMF")]
        assert targets and all(t == "PJSIP/1001-0000000b" for t in targets), targets
    finally:
        await client.close()
        await server.stop()
