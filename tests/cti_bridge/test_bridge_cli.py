"""`calldesk cti bridge` as the contract starts it (a real process), and 10,000 idle
connections that never say hello while a real desktop connects."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop.cti.bridge_client import BridgeClient, BridgeClientConfig

from .ami_script import queue_status
from .bridge_rig import fake_ami, until

pytestmark = pytest.mark.timeout(120)
CALLDESK = (
    [sys.executable, "-m", "desktop"]
    if not (Path(sys.executable).parent / "calldesk").exists()
    else [str(Path(sys.executable).parent / "calldesk")]
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _vm_rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    return 0


async def test_contract_command_line_and_ten_thousand_idle_connections(
    seeded_central_sqlite: Any, tmp_path: Path
) -> None:
    ami = fake_ami.FakeAmiServer(secret="live-test-secret")
    ami.queue_status = queue_status()
    await ami.start()
    port = _free_port()
    log_path = tmp_path / "bridge.log"
    env = {**os.environ, "AMI_SECRET": "live-test-secret"}
    command = [
        *CALLDESK,
        "cti",
        "bridge",
        "--listen",
        f"127.0.0.1:{port}",
        "--central",
        seeded_central_sqlite.url,
        "--ami",
        f"127.0.0.1:{ami.port}",
        "--ami-user",
        "calldesk",
        "--ami-secret-env",
        "AMI_SECRET",
        "--insecure-plaintext",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    idle: list[asyncio.StreamWriter] = []
    client: BridgeClient | None = None
    try:
        await until(lambda: process.poll() is None and _accepts(port), timeout=30)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            json.dumps(
                {"type": "hello", "protocol": 1, "token": seeded_central_sqlite.token_for("1001")}
            ).encode()
            + b"\n"
        )
        welcome = json.loads(await asyncio.wait_for(reader.readline(), 10))
        assert {k: welcome[k] for k in ("type", "agent", "role")} == {
            "type": "welcome",
            "agent": "1001",
            "role": "agent",
        }
        writer.close()
        rss_before = _vm_rss_kib(process.pid)

        async def open_idle(n: int) -> None:
            source = f"127.0.{1 + n // 250}.{1 + n % 250 // 25 * 10 + n % 25 % 10}"
            with contextlib.suppress(OSError, TimeoutError):
                _r, w = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), 10
                )
                idle.append(w)

        for start in range(0, 10_000, 500):
            await asyncio.gather(*(open_idle(n) for n in range(start, start + 500)))
        opened = len(idle)
        events: list[str] = []
        client = BridgeClient(
            BridgeClientConfig(
                "127.0.0.1", port, tls=False, source_host="127.0.9.9", backoff_initial=0.2, backoff_max=1
            ),
            seeded_central_sqlite.token_for("1002"),
            lambda e, a: events.append(e.wire_type),
        )
        client.start()
        await until(lambda: client is not None and client.connected, timeout=30)
        assert process.poll() is None, "the bridge died"
        assert opened >= 9_000, opened
        rss_after = _vm_rss_kib(process.pid)
        print(f"10k idle: opened {opened}, bridge RSS {rss_before} -> {rss_after} KiB")
    finally:
        if client is not None:
            await client.stop()
        for w in idle:
            w.transport.abort()
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        await ami.stop()
    text = log_path.read_text(errors="replace")
    assert "listening on 127.0.0.1" in text and "1002 (agent, PJSIP/1002) connected" in text
    assert "WITHOUT TLS" not in text  # loopback: plain TCP needs no warning


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "--listen",
                "0.0.0.0:5013",
                "--central",
                "http://127.0.0.1:1",
                "--ami",
                "127.0.0.1:5038",
                "--ami-user",
                "u",
                "--ami-secret-env",
                "HOME",
            ],
            "--cert",
        ),
        (
            [
                "--listen",
                "127.0.0.1:5013",
                "--ami",
                "127.0.0.1:5038",
                "--ami-user",
                "u",
                "--ami-secret-env",
                "HOME",
            ],
            "--central",
        ),
        (
            [
                "--listen",
                "127.0.0.1:5013",
                "--central",
                "http://x",
                "--ami",
                "127.0.0.1:5038",
                "--ami-user",
                "u",
                "--ami-secret-env",
                "NO_SUCH_VAR_42",
            ],
            "NO_SUCH_VAR_42",
        ),
        (
            [
                "--listen",
                "127.0.0.1:5013",
                "--central",
                "http://x",
                "--cert",
                "/nonexistent.crt",
                "--key",
                "/nonexistent.key",
                "--esl",
                "127.0.0.1:8021",
                "--esl-password-env",
                "HOME",
            ],
            "cannot load the TLS",
        ),
    ],
)
def test_configuration_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    proc = subprocess.run([*CALLDESK, "cti", "bridge", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stdout
