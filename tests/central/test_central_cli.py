"""`calldesk central serve | seed | migrate` as a user runs them (real subprocesses)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from central.migrate import head_revision

# The console script next to this interpreter (calldesk, or calldesk.exe on Windows).
CALLDESK = shutil.which("calldesk", path=str(Path(sys.executable).parent)) or "calldesk"


def calldesk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CALLDESK), "central", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def free_port() -> int:
    """A free port for a server subprocess, from 20000-29999: below the kernel's ephemeral range
    (Linux 32768+, Windows 49152+), so no port-0 server of a parallel test worker can take it
    between this check and the subprocess binding it; each worker draws from its own block."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    block = 20000 + (worker % 10) * 1000
    for port in random.sample(range(block, block + 1000), 1000):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {block}..{block + 999}")


def test_migrate_and_seed_on_each_backend(central_db_url):
    migrated = calldesk("migrate", "--db", central_db_url)
    assert migrated.returncode == 0, migrated.stderr
    assert head_revision() in migrated.stdout

    seeded = calldesk("seed", "--db", central_db_url, "--customers", "40", "--seed", "3")
    assert seeded.returncode == 0, seeded.stderr
    assert "seeded 40 customers (C0000001..C0000040)" in seeded.stdout


def test_seed_refuses_a_non_empty_database_unless_appending(central_sqlite_url):
    assert calldesk("seed", "--db", central_sqlite_url, "--customers", "40").returncode == 0

    again = calldesk("seed", "--db", central_sqlite_url, "--customers", "40")
    assert again.returncode == 1
    assert "already has 40 customers" in again.stderr and "--append" in again.stderr

    appended = calldesk("seed", "--db", central_sqlite_url, "--customers", "10", "--append")
    assert appended.returncode == 0, appended.stderr
    assert "C0000041..C0000050" in appended.stdout


@pytest.mark.parametrize(
    ("command", "db", "message"),
    [
        ("migrate", "mysql://u:p@localhost/x", "unsupported database"),
        ("seed", "nonsense", "not a database URL"),
        ("serve", "sqlite:////no/such/dir/c.db", "does not exist"),
        ("serve", "postgresql://nobody:wrong@127.0.0.1:1/none", "cannot open database"),
    ],
)
def test_bad_db_url_exits_2_with_a_clear_message(command, db, message):
    result = calldesk(command, "--db", db)
    assert result.returncode == 2, (command, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_subcommand_exits_2():
    result = calldesk()
    assert result.returncode == 2
    assert "serve | seed | migrate" in result.stderr


def test_serve_migrates_and_answers(tmp_path):
    db = f"sqlite:///{tmp_path / 'served.db'}"
    assert calldesk("seed", "--db", db, "--customers", "5").returncode == 0
    port = free_port()
    process = subprocess.Popen(
        [str(CALLDESK), "central", "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "1001", "password": "demo"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        lookup = httpx.get(
            f"{base}/api/v1/customers/lookup", params={"phone": "13800138000"}, headers=headers
        )
        assert [m["id"] for m in lookup.json()["matches"]] == ["C0000001"]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    # uvicorn shuts down gracefully, then re-raises the signal it caught (exit -15 on POSIX)
    assert process.returncode in (0, -signal.SIGTERM, 1), stderr
    assert "Application shutdown complete" in stderr


def test_serve_on_an_unmigrated_database_creates_the_schema(tmp_path):
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    port = free_port()
    process = subprocess.Popen(
        [str(CALLDESK), "central", "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/api/v1/auth/token",
                    json={"username": "1001", "password": "demo"},
                )
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert response.status_code == 401  # schema exists, no users yet: a clean 401, not a 500
    finally:
        process.terminate()
        process.communicate(timeout=15)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--threads", "0"], "--threads must be 1..18"),
        (["--threads", "12", "--pool-size", "4", "--max-overflow", "2"], "--threads must be 1..6"),
        (["--pool-size", "0"], "--pool-size must be 1..500"),
        (["--workers", "0"], "--workers must be 1..64"),
        (["--queue-wait", "-1"], "--queue-wait must be 0..60 seconds"),
        (["--queue-wait", "nan"], "--queue-wait must be 0..60 seconds"),
        (["--max-queue", "-5"], "--max-queue must be 0..100000"),
    ],
)
def test_serve_refuses_unusable_worker_sizes_before_it_starts(central_sqlite_url, flags, message):
    result = calldesk("serve", "--db", central_sqlite_url, *flags)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
