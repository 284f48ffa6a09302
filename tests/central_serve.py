"""`calldesk central serve --workers N` in a child process, for the tests and the load bench:
one way to start it (its own process group, so its workers go with it), to wait for /ready and
to stop it all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx


class ServeFailed(RuntimeError):
    """The server exited or did not become ready in time (its log says why)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(
    db_url: str,
    port: int,
    log: IO[bytes],
    *extra: str,
    workers: int = 2,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """The server on `port` with `workers` processes and the escalation job off; `extra` are more
    `central serve` options. Its output goes to `log`."""
    cmd = [sys.executable, "-m", "desktop.cli", "central", "serve", "--db", db_url, "--port", str(port)]
    cmd += ["--workers", str(workers), "--escalation-interval", "0", *extra]
    # a new session on POSIX (Windows has no process groups: stop_group walks the children)
    group = {"start_new_session": True} if os.name != "nt" else {}
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, **group)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until GET {base}/ready answers 200; ServeFailed if the server exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServeFailed(f"the server exited with {proc.returncode}; see its log")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServeFailed(f"the server did not become ready within {timeout:.0f} s")


def stop_group(proc: subprocess.Popen[bytes], sig: int | None = None) -> None:
    """Stop the supervisor AND its workers (stopping the supervisor alone leaves them running):
    SIGKILL unless `sig` says otherwise (POSIX); on Windows every child is killed."""
    if os.name != "nt":
        os.killpg(proc.pid, signal.SIGKILL if sig is None else sig)
    else:
        import psutil

        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
    proc.wait(30 if sig is not None else 10)
