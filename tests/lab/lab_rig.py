"""The REAL Asterisk 22 of ../shared/pbx-lab, with the real bridge process and real desktops.

Only runs where the lab is built: `CALLDESK_PBX_LAB=/work/lab/pbx-lab` (a copy of the shared lab
folder with `ast` linked to the install prefix). Everything the PBX sent during a test is recorded
(the lab's own `ami_record.Recorder`) into `CALLDESK_LAB_TRACES` (default: a temp folder) so a
defect found here can be replayed against the fake AMI; what each step got is collected into
docs/lab-results/workspace.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAB = os.environ.get("CALLDESK_PBX_LAB", "")
RESULTS = ROOT / "docs" / "lab-results" / "workspace.json"
CLI_USER_PREFIX = "calldesklab"


async def until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not met in {timeout} s: {what}")
        await asyncio.sleep(0.05)


class Lab:
    """The lab's own scripts, run from its folder (live.py for phones and callers, pbx.sh)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        if str(root / "scripts") not in sys.path:
            sys.path.insert(0, str(root / "scripts"))

    def run(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(list(args), cwd=self.root, capture_output=True, text=True, timeout=timeout)
        return (done.stdout + done.stderr).strip()

    def live(self, *args: str) -> str:
        return self.run(sys.executable, "scripts/live.py", *args)

    def cli(self, command: str) -> str:
        return self.run("scripts/pbx.sh", "ast", "run/pbx", "cli", command)

    def start(self) -> None:
        self.run("scripts/setup_run.sh", "ast", "run/pbx", timeout=60)
        self.run("scripts/pbx.sh", "ast", "run/pbx", "start", timeout=120)
        self.phones()

    def stop(self) -> None:
        self.live("stop")
        self.run("scripts/pbx.sh", "ast", "run/pbx", "stop", timeout=60)

    def phone(self, ext: str, port: int, ring_ms: int = 2000, *more: str) -> None:
        self.live("agent", ext, "--port", str(port), "--ring-ms", str(ring_ms), *more)

    def phones(self) -> None:
        self.phone("1001", 5071)
        self.phone("1002", 5072)
        self.phone("pstn", 5090, 1500)
        for iface in ("PJSIP/1001", "PJSIP/1002"):
            self.ami("QueuePause", f"Interface={iface}", "Paused=false")

    def ami(self, action: str, *pairs: str) -> str:
        return self.live("ami", action, *pairs)

    def call(self, caller: str, hold_ms: int, *more: str) -> None:
        self.live("call", "--caller", caller, "--hold-ms", str(hold_ms), *more)

    def member_line(self, queue: str, iface: str) -> str:
        """`queue show` line of one member, e.g. '... (paused:acw was 3 secs ago) ...'."""
        for line in self.cli(f"queue show {queue}").splitlines():
            if f"({iface})" in line or f"{iface} " in line:
                return line.strip()
        return ""

    def channels(self) -> list[str]:
        return [c.split("!")[0] for c in self.cli("core show channels concise").split() if "!" in c]

    def hang_up_all(self) -> None:
        """Every call off the PBX (sipp stopped without a BYE leaves its channels up)."""
        self.cli("channel request hangup all")

    def restart(self) -> None:
        self.cli("core restart now")
        for _ in range(240):
            time.sleep(0.5)
            if "fully booted" in self.cli("core waitfullybooted").lower():
                return


def recorder(traces: Path, name: str) -> Any:
    from ami_record import Recorder  # the lab's recorder (its scripts/ folder is on sys.path)

    traces.mkdir(parents=True, exist_ok=True)
    return Recorder(str(traces / f"{name}.ami"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bridge(central_url: str, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`calldesk cti bridge` as the contract starts it, on the lab's AMI."""
    port = free_port()
    env = {**os.environ, "AMI_SECRET": "live-test-secret"}
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("calldesk")),
            "cti",
            "bridge",
            "--listen",
            f"127.0.0.1:{port}",
            "--central",
            central_url,
            "--ami",
            "127.0.0.1:5038",
            "--ami-user",
            "calldesk",
            "--ami-secret-env",
            "AMI_SECRET",
            "--insecure-plaintext",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, port


async def desktop(
    central: Any, bridge_port: int, tmp_path: Path, qtbot: Any, username: str, **extra: Any
) -> Any:
    """A real DesktopApp on the bridge, with its hand-off socket (for `calldesk agent ...`)."""
    from desktop.config import Settings
    from desktop.desks.root import DesktopApp
    from desktop.services.api import CentralApi
    from desktop.services.handoff import HandoffServer

    api = CentralApi(central.url)
    login = await api.login(username, "demo")
    settings = Settings(
        central_url=central.url,
        username=username,
        language="en",
        cache_path=str(tmp_path / f"cache-{username}.sqlite3"),
        cti_port=0,
        cti_source="bridge",
        cti_bridge_address=f"127.0.0.1:{bridge_port}",
        cti_bridge_tls=False,
        **extra,
    )
    handoff = HandoffServer(name=f"calldesk-{CLI_USER_PREFIX}{username}")
    runtime = DesktopApp(settings, api, login, cti_token="lab-local-token", handoff=handoff)
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=False)
    assert handoff.listen()
    await until(lambda: runtime.cti.bridge is not None and runtime.cti.bridge.connected, 20, "bridge link")
    return runtime


async def calldesk_cli(username: str, *args: str) -> tuple[int, str]:
    """`calldesk ...` in its own process, as the desktop user `username` (its hand-off socket)."""
    user = f"{CLI_USER_PREFIX}{username}"
    env = dict(os.environ, USER=user, LOGNAME=user, QT_QPA_PLATFORM="offscreen")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "desktop.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return int(proc.returncode or 0), out.decode(errors="replace").strip()


def record_result(section: str, entries: list[dict[str, Any]], results: Path = RESULTS) -> None:
    """Merge one test's findings into a docs/lab-results JSON (workspace.json unless told; one
    key per test)."""
    data: dict[str, Any] = {}
    if results.exists():
        data = json.loads(results.read_text(encoding="utf-8"))
    data[section] = entries
    results.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
