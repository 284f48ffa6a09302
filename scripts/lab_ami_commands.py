#!/usr/bin/env python3
"""Run every call-control command through CallDesk's own AMI client against the REAL Asterisk 22 of
the PBX lab, and record what Asterisk answered (and what happened to the calls).

    flock /work/lab/lab.lock .venv/bin/python scripts/lab_ami_commands.py [--lab /work/lab/pbx-lab]

It starts Asterisk (setup_run.sh, pbx.sh start) and the sipp phones (live.py agent ...), places
customer calls through the trunk, runs the commands with desktop.cti.ami_commands, writes
docs/lab-results/ami-commands.json, and stops everything (live.py stop, pbx.sh stop) on the way
out, also after a failure. Only one process set may use the lab at a time: hence the flock.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktop.cti.ami import AmiActionError, AmiClient, AmiConfig  # noqa: E402
from desktop.cti.ami_commands import AmiCommandConfig, AmiCommands  # noqa: E402
from desktop.cti.events import CtiEvent, to_wire  # noqa: E402
from desktop.cti.pbx_commands import parse_command  # noqa: E402


class Lab:
    def __init__(self, root: Path) -> None:
        self.root = root

    def sh(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(args, cwd=self.root, capture_output=True, text=True, timeout=60)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout.strip()

    def start(self) -> None:
        self.sh("scripts/setup_run.sh", "ast", "run/pbx")
        print(self.sh("scripts/pbx.sh", "ast", "run/pbx", "start"))
        self.phone("1001", 5071)
        self.phone("1002", 5072)
        self.phone("pstn", 5090, ring_ms=1500)

    def phone(self, ext: str, port: int, ring_ms: int = 2000) -> None:
        print(self.sh("scripts/live.py", "agent", ext, "--port", str(port), "--ring-ms", str(ring_ms)))

    def call(self, caller: str, hold_ms: int = 90000) -> None:
        print(self.sh("scripts/live.py", "call", "--caller", caller, "--hold-ms", str(hold_ms)))

    def cli(self, command: str) -> str:
        return self.sh("scripts/pbx.sh", "ast", "run/pbx", "cli", command, check=False)

    def stop(self) -> None:
        print(self.sh("scripts/live.py", "stop", check=False))
        print(self.sh("scripts/pbx.sh", "ast", "run/pbx", "stop", check=False))


class Checker:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.events: list[CtiEvent] = []
        self.client = AmiClient(
            AmiConfig("127.0.0.1", 5038, "calldesk", "live-test-secret", auth="md5", action_timeout=5),
            on_event=self.events.append,
        )
        self.commands = AmiCommands(self.client, AmiCommandConfig(context="default"))
        self.results: list[dict[str, Any]] = []

    async def run(self, step: str, wire: dict[str, Any], identity: str = "1001", settle: float = 1.5) -> Any:
        before = len(self.events)
        sent_before = next(self.client._ids)  # action ids are sequential: what we sent is the delta
        outcome = await self.commands.run(parse_command(wire), identity)
        await asyncio.sleep(settle)
        sent_after = next(self.client._ids)
        record = {
            "step": step,
            "command": wire,
            "identity": identity,
            "status": outcome.status.value,
            "message": outcome.message,
            "asterisk_said": outcome.pbx_reply,
            "ami_actions_sent": max(0, sent_after - sent_before - 1),
            "events_after": [to_wire(e)["type"] for e in self.events[before:]],
            "channels_after": self.lab.cli("core show channels concise").splitlines(),
        }
        if outcome.call_id:
            record["call_id"] = outcome.call_id
        self.results.append(record)
        print(json.dumps(record, ensure_ascii=False))
        return outcome

    def note(self, step: str, **facts: Any) -> None:
        record = {"step": step, **facts}
        self.results.append(record)
        print(json.dumps(record, ensure_ascii=False))

    async def answered_call(self, caller: str, timeout: float = 25) -> str:
        """Place a customer call (1002 is paused in sales, so 1001 gets it); its id once answered."""
        known = {cid for cid, call in self.client.state.calls.items() if call.answer_ts is not None}
        self.lab.call(caller)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for cid, call in self.client.state.calls.items():
                if cid not in known and call.answer_ts is not None and call.end_ts is None:
                    await asyncio.sleep(1.0)
                    return cid
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the call from {caller} was not answered in {timeout} s")

    async def hang_up_everything(self) -> None:
        listing = await self.client.send_list_action("CoreShowChannels")
        for message in listing.events:
            if message.get("Channel"):
                with contextlib.suppress(AmiActionError):  # Local channels vanish as they are hung up
                    await self.client.send_action("Hangup", Channel=message.get("Channel"))
        await asyncio.sleep(2)


async def scenario(checker: Checker) -> None:
    client, lab = checker.client, checker.lab
    await client.connect()
    checker.note("connected", version=client.version)

    # -- agent state ---------------------------------------------------------------------------
    await checker.run(
        "force 1002 not ready in sales",
        {"action": "force.pause", "target": "1002", "reason": "break", "queue": "sales"},
    )
    await checker.run("pause 1001 lunch (all queues)", {"action": "pause", "reason": "lunch"})
    checker.note("queue show sales while paused", cli=lab.cli("queue show sales").splitlines())
    await checker.run("unpause 1001", {"action": "unpause"})
    await checker.run(
        "wrap-up pause 1001 acw in sales", {"action": "pause", "reason": "acw", "queue": "sales"}
    )
    checker.note("queue show sales in wrap-up", cli=lab.cli("queue show sales").splitlines())
    await checker.run("ready 1001 in sales", {"action": "unpause", "queue": "sales"})
    await checker.run(
        "pause an unknown agent", {"action": "force.pause", "target": "9999", "reason": "break"}
    )
    await checker.run("pause in an unknown queue", {"action": "pause", "reason": "break", "queue": "nosuch"})

    # -- a queue call answered by 1001 ---------------------------------------------------------
    call = await checker.answered_call("13800138000")
    checker.note("call answered", call_id=call, channels=client.normalizer.call_channels(call))
    await checker.run("answer (AMI cannot)", {"action": "answer", "call_id": call}, settle=0)
    await checker.run("hold (AMI cannot)", {"action": "hold", "call_id": call}, settle=0)
    await checker.run("dtmf 12# to the caller", {"action": "dtmf", "call_id": call, "digits": "12#"})
    await checker.run(
        "consult 2001 (1002)", {"action": "consult", "call_id": call, "target": "2001"}, settle=5
    )
    await checker.run("swap to the caller", {"action": "consult.swap", "call_id": call}, settle=2)
    await checker.run("swap back to 2001", {"action": "consult.swap", "call_id": call}, settle=2)
    await checker.run("cancel the consult", {"action": "consult.cancel", "call_id": call}, settle=3)
    await checker.run(
        "consult 2001 again", {"action": "consult", "call_id": call, "target": "2001"}, settle=5
    )
    await checker.run("complete the transfer", {"action": "consult.complete", "call_id": call}, settle=3)
    await checker.hang_up_everything()

    # -- conference --------------------------------------------------------------------------------
    call = await checker.answered_call("13800138001")
    await checker.run(
        "consult 2001 for a conference", {"action": "consult", "call_id": call, "target": "2001"}, settle=5
    )
    await checker.run("conference (three-way)", {"action": "conference", "call_id": call}, settle=3)
    checker.note("bridges in the conference", cli=lab.cli("bridge show all").splitlines())
    await checker.run("hang up the conference call", {"action": "hangup", "call_id": call}, settle=2)
    await checker.hang_up_everything()

    # -- blind transfer ----------------------------------------------------------------------------
    call = await checker.answered_call("13800138002")
    await checker.run(
        "blind transfer to 2001", {"action": "transfer", "call_id": call, "target": "2001"}, settle=5
    )
    await checker.run(
        "blind transfer of a call that is gone",
        {"action": "transfer", "call_id": "1.1", "target": "2001"},
        settle=0,
    )
    await checker.hang_up_everything()

    # -- supervisor: 1002 listens / whispers / barges on 1001's call --------------------------------
    call = await checker.answered_call("13800138003")
    for mode in ("listen", "whisper", "barge"):
        await checker.run(
            f"{mode} from 1002 on 1001",
            {"action": mode, "target": "1001", "call_id": call},
            identity="1002",
            settle=5,
        )
        listing = await client.send_list_action("CoreShowChannels")
        spies = [m.get("Channel") for m in listing.events if m.get("Application") == "ChanSpy"]
        checker.note(
            f"{mode}: ChanSpy channels",
            channels=spies,
            data=[m.get("ApplicationData") for m in listing.events if m.get("Application") == "ChanSpy"],
        )
        for channel in spies:
            try:
                reply = await client.send_action("Hangup", Channel=channel)
                checker.note(f"{mode}: hang up the spy", channel=channel, asterisk_said=reply.get("Message"))
            except AmiActionError as exc:
                checker.note(f"{mode}: hang up the spy", channel=channel, refused=str(exc))
        await asyncio.sleep(1)
    await checker.run("hang up the caller", {"action": "hangup", "call_id": call}, settle=2)
    await checker.hang_up_everything()

    # -- click-to-dial from 1001's own phone -------------------------------------------------------
    outcome = await checker.run(
        "dial +8615900001111 from 1001", {"action": "dial", "target": "tel:+8615900001111"}, settle=6
    )
    if outcome.call_id:
        await checker.run(
            "dtmf on the dialled call", {"action": "dtmf", "call_id": outcome.call_id, "digits": "5"}
        )
        await checker.run("hang up the dialled call", {"action": "hangup", "call_id": outcome.call_id})
    await checker.run(
        "dial from a phone that does not exist",
        {"action": "dial", "target": "13800138000"},
        identity="PJSIP/9999",
        settle=2,
    )
    await checker.hang_up_everything()
    await checker.run(
        "restore 1002 in sales", {"action": "force.ready", "target": "1002", "queue": "sales"}, settle=0
    )


async def main_async(lab: Lab, out: Path) -> int:
    checker = Checker(lab)
    try:
        await scenario(checker)
        return 0
    except Exception as exc:  # recorded, and the lab is still stopped
        checker.note("aborted", error=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        await checker.client.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(checker.results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lab", type=Path, default=Path("/work/lab/pbx-lab"))
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "lab-results" / "ami-commands.json")
    args = parser.parse_args()
    lab = Lab(args.lab)
    try:
        lab.start()
        return asyncio.run(main_async(lab, args.out))
    finally:
        lab.stop()


if __name__ == "__main__":
    sys.exit(main())
