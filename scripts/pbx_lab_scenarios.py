#!/usr/bin/env python3
"""Run every scenario of the PBX lab README (../shared/pbx-lab) through the REAL bridge to two
desktop-side BridgeClients (1001 and 1002), record the raw AMI of each scenario, and write what each
desktop was shown.

    flock /work/lab/lab.lock .venv/bin/python scripts/pbx_lab_scenarios.py [--lab /work/lab/pbx-lab]

Starts Asterisk, a central API (SQLite in a temp dir, demo users), `calldesk cti bridge` (the
command line of the contract), runs the scenarios, and stops everything before it exits.
Output: tests/traces/ami-lab/<scenario>.ami and bench/results/pbx_lab_scenarios.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop.cti.bridge_client import BridgeClient, BridgeClientConfig  # noqa: E402
from desktop.cti.events import CtiEvent, to_wire  # noqa: E402

TRACES = ROOT / "tests" / "traces" / "ami-lab"
RESULTS = ROOT / "bench" / "results" / "pbx_lab_scenarios.json"
TRACES_DIR = [TRACES]


class Lab:
    def __init__(self, lab: Path) -> None:
        self.lab = lab
        sys.path.insert(0, str(lab / "scripts"))

    def run(self, *args: str, check: bool = False, timeout: float = 60) -> str:
        proc = subprocess.run(
            list(args), cwd=self.lab, capture_output=True, text=True, timeout=timeout, check=check
        )
        return proc.stdout + proc.stderr

    def live(self, *args: str) -> str:
        return self.run(sys.executable, "scripts/live.py", *args)

    def pbx(self, *args: str, timeout: float = 120) -> str:
        return self.run("scripts/pbx.sh", "ast", "run/pbx", *args, timeout=timeout)

    def pause1002(self, paused: bool) -> None:
        self.live(
            "ami",
            "QueuePause",
            "Queue=sales",
            "Interface=PJSIP/1002",
            f"Paused={str(paused).lower()}",
            "Reason=break",
        )

    def phones(self) -> None:
        self.live("agent", "1001", "--port", "5071", "--ring-ms", "2000")
        self.live("agent", "1002", "--port", "5072", "--ring-ms", "2000")
        self.pause1002(False)


class Desk:
    def __init__(self, name: str) -> None:
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.statuses: list[tuple[float, str, str]] = []
        self.client: BridgeClient | None = None

    def on_event(self, event: CtiEvent, agent: str) -> None:
        wire = to_wire(event)
        wire["_rt"] = time.time()
        self.events.append(wire)

    def on_status(self, status: str, detail: str) -> None:
        self.statuses.append((time.time(), status, detail))


def summarise(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        t = e["type"]
        if t.startswith("call."):
            extra = e.get("extra", {})
            bits = [t, e["call_id"]]
            if t == "call.ringing":
                bits.append(f"caller={e.get('caller', '(withheld)')}")
                bits.append(f"queue={e.get('queue', '-')}")
                if extra.get("direction"):
                    bits.append(extra["direction"])
                if extra.get("snapshot"):
                    bits.append("snapshot")
            if t == "call.ended":
                bits.append(f"reason={e.get('reason')}")
            if t == "call.transferred":
                bits.append(f"target={e.get('target')}")
            out.append(" ".join(bits))
        elif t == "agent.state" and "paused" in e:
            out.append(f"agent.state {e.get('queue', '')} paused={e['paused']}")
        elif t in ("queue.join", "pbx.connected", "pbx.disconnected") or t.startswith("agent.pause"):
            extra = e.get("extra", {})
            detail = (
                e.get("caller", "(withheld)") if t == "queue.join" else e.get("paused", e.get("detail", ""))
            )
            out.append(
                f"{t} {e.get('queue', '')} {detail}".strip() + (" snapshot" if extra.get("snapshot") else "")
            )
    return out


def check_ring_end(events: list[dict[str, Any]]) -> list[str]:
    problems = []
    open_calls: dict[str, int] = {}
    for e in events:
        if e["type"] == "call.ringing":
            open_calls[e["call_id"]] = open_calls.get(e["call_id"], 0) + 1
        elif e["type"] == "call.ended":
            open_calls[e["call_id"]] = open_calls.get(e["call_id"], 0) - 1
            if not e.get("reason"):
                problems.append(f"call.ended without reason: {e['call_id']}")
    problems += [f"{c}: {n:+d} ringing without ended" for c, n in open_calls.items() if n != 0]
    return problems


async def scenario(lab: Lab, name: str, desks: list[Desk], steps: Any, settle_s: float) -> dict[str, Any]:
    from ami_record import Recorder  # the lab's recorder (scripts/ami_record.py)

    print(f"== {name}", flush=True)
    marks = {d.name: len(d.events) for d in desks}
    recorder = Recorder(str(TRACES_DIR[0] / f"{name}.ami"))
    started = time.time()
    try:
        await steps()
        end = time.time() + settle_s
        while time.time() < end:
            await asyncio.sleep(0.5)
            if recorder.idle() and time.time() > started + 4:
                break
        await asyncio.sleep(1.5)
    finally:
        await asyncio.to_thread(recorder.stop, 1.0)
    result: dict[str, Any] = {"scenario": name, "seconds": round(time.time() - started, 1)}
    for desk in desks:
        events = desk.events[marks[desk.name] :]
        result[desk.name] = {"shown": summarise(events), "problems": check_ring_end(events)}
        print(f"   {desk.name}: " + " | ".join(result[desk.name]["shown"]), flush=True)
        if result[desk.name]["problems"]:
            print(f"   {desk.name} PROBLEMS: {result[desk.name]['problems']}", flush=True)
    return result


async def main_async(args: argparse.Namespace) -> int:
    lab = Lab(Path(args.lab))
    TRACES_DIR[0] = Path(args.traces)
    TRACES_DIR[0].mkdir(parents=True, exist_ok=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="calldesk-lab-"))
    from central import auth
    from central.db import make_engine
    from central.server import start_in_thread

    db_url = f"sqlite:///{tmp / 'central.db'}"
    central = start_in_thread(db_url)
    with make_engine(db_url).begin() as conn:
        auth.ensure_demo_users(conn)
    print(lab.run("scripts/setup_run.sh", "ast", "run/pbx", timeout=120)[-300:])
    print(lab.pbx("start", timeout=180)[-300:], flush=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "AMI_SECRET": "live-test-secret"}
    bridge_log = (tmp / "bridge.log").open("wb")
    bridge = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "calldesk"),
            "cti",
            "bridge",
            "--listen",
            f"127.0.0.1:{port}",
            "--central",
            central.url,
            "--ami",
            "127.0.0.1:5038",
            "--ami-user",
            "calldesk",
            "--ami-secret-env",
            "AMI_SECRET",
            "--insecure-plaintext",
        ],
        env=env,
        stdout=bridge_log,
        stderr=subprocess.STDOUT,
    )
    results: list[dict[str, Any]] = []
    desks = [Desk("1001"), Desk("1002")]
    try:
        async with httpx.AsyncClient(base_url=central.url) as http:
            for desk in desks:
                token = (
                    await http.post("/api/v1/auth/token", json={"username": desk.name, "password": "demo"})
                ).json()["access_token"]
                desk.client = BridgeClient(
                    BridgeClientConfig("127.0.0.1", port, tls=False, backoff_initial=0.2, backoff_max=2.0),
                    token,
                    desk.on_event,
                    on_status=desk.on_status,
                )
                desk.client.start()
        deadline = time.time() + 30
        while not all(d.client and d.client.connected for d in desks):
            if time.time() > deadline:
                raise RuntimeError("desktops did not connect to the bridge")
            await asyncio.sleep(0.2)
        lab.phones()
        await asyncio.sleep(2)

        async def answered() -> None:
            lab.live("call", "--caller", "13800138000", "--name", "ZhangJing", "--hold-ms", "8000")

        async def ringing_hangup() -> None:
            lab.pause1002(True)
            lab.live("agent", "1001", "--port", "5071", "--ring-ms", "30000")
            lab.live("call", "--caller", "15900001111", "--hold-ms", "3000")

        async def rollover() -> None:
            lab.pause1002(True)
            lab.live("agent", "1001", "--port", "5071", "--ring-ms", "60000")
            lab.live("call", "--caller", "02087654321", "--hold-ms", "20000")
            await asyncio.sleep(3)
            lab.pause1002(False)

        async def blind() -> None:
            lab.pause1002(True)
            lab.live(
                "agent",
                "1001",
                "--port",
                "5071",
                "--ring-ms",
                "2000",
                "--mode",
                "refer",
                "--talk-ms",
                "4000",
                "--target",
                "3000",
            )
            lab.live(
                "agent",
                "1002",
                "--port",
                "5072",
                "--ring-ms",
                "2000",
                "--mode",
                "hangup",
                "--talk-ms",
                "4000",
            )
            lab.live("call", "--caller", "13800138000", "--hold-ms", "30000")

        async def attended() -> None:
            lab.pause1002(True)
            lab.live(
                "agent",
                "1001",
                "--port",
                "5071",
                "--ring-ms",
                "2000",
                "--mode",
                "hangup",
                "--talk-ms",
                "9000",
            )
            lab.live("call", "--caller", "02087654321", "--hold-ms", "16000")
            await asyncio.sleep(4)
            channels = lab.pbx("cli", "core show channels concise")
            chan = next((w.split("!")[0] for w in channels.split() if w.startswith("PJSIP/1001-")), "")
            print(
                f"   Atxfer on {chan!r}: "
                + lab.live("ami", "Atxfer", f"Channel={chan}", "Exten=2001", "Context=default")[-200:]
            )

        async def direct() -> None:
            lab.live("call", "--caller", "15900001111", "--dnis", "4008009999", "--hold-ms", "6000")

        def withheld(dnis: str) -> Any:
            async def steps() -> None:
                lab.live(
                    "call",
                    "--caller",
                    "anonymous",
                    "--chost",
                    "anonymous.invalid",
                    "--pai",
                    "18838264605",
                    "--privacy",
                    "--dnis",
                    dnis,
                    "--hold-ms",
                    "8000",
                )

            return steps

        async def click_to_dial() -> None:
            lab.live(
                "agent",
                "pstn",
                "--port",
                "5090",
                "--ring-ms",
                "1500",
                "--mode",
                "hangup",
                "--talk-ms",
                "3000",
            )
            lab.live(
                "ami",
                "Originate",
                "Channel=PJSIP/1001",
                "Context=default",
                "Exten=+8615900001111",
                "Priority=1",
                "Async=true",
            )

        async def restart() -> None:
            # 1001 paused for lunch: the restarted PBX forgets it, and so must the desktop
            lab.live(
                "ami", "QueuePause", "Queue=sales", "Interface=PJSIP/1001", "Paused=true", "Reason=lunch"
            )
            lab.live("call", "--caller", "13800138000", "--hold-ms", "60000")
            await asyncio.sleep(5)
            lab.pbx("cli", "core restart now")
            for _ in range(120):
                await asyncio.sleep(0.5)
                if "fully booted" in lab.pbx("cli", "core waitfullybooted").lower():
                    break
            await asyncio.sleep(4)

        plan = [
            ("answered", answered, 16),
            ("hangup_while_ringing", ringing_hangup, 12),
            ("ring_no_answer_rollover", rollover, 40),
            ("blind_transfer", blind, 40),
            ("attended_transfer", attended, 30),
            ("direct_extension", direct, 14),
            ("carrier_withheld", withheld("4008001234"), 14),
            ("withheld_callerpres", withheld("4008001235"), 14),
            ("withheld_num_pres", withheld("4008001236"), 14),
            ("click_to_dial", click_to_dial, 16),
            ("pbx_restart_mid_call", restart, 20),
        ]
        only = set(args.only.split(",")) if args.only else None
        for name, steps, settle in plan:
            if only and name not in only:
                continue
            try:
                results.append(await scenario(lab, name, desks, steps, settle))
            except Exception as exc:  # one scenario failing must not stop the others
                print(f"   {name} failed: {exc!r}", flush=True)
                results.append({"scenario": name, "error": repr(exc)})
            lab.live("stop")
            lab.phones()
            await asyncio.sleep(2)
        for desk in desks:
            assert desk.client is not None
            results.append(
                {"desk": desk.name, "stats": desk.client.stats.as_dict(), "statuses": desk.statuses[-6:]}
            )
    finally:
        for desk in desks:
            if desk.client is not None:
                await desk.client.stop()
        bridge.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            bridge.wait(10)
        lab.live("stop")
        print(lab.pbx("stop", timeout=60)[-200:])
        central.stop()
        bridge_log.close()
        log_text = (tmp / "bridge.log").read_text(errors="replace")
        results.append({"bridge_log_tail": log_text.splitlines()[-60:]})
        suffix = f"-{args.only.replace(',', '+')}" if args.only else ""
        out = RESULTS.with_name(f"pbx_lab_scenarios{suffix}.json")
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"results: {out}; bridge log: {tmp / 'bridge.log'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="/work/lab/pbx-lab")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--traces", default=str(TRACES), help="where the AMI recordings go")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
