"""Run the central API in a background thread of this process (demo, tests, benchmarks)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from central.app import create_app
from central.migrate import upgrade
from central.serving import IDLE_KEEPALIVE_S

log = logging.getLogger(__name__)


@dataclass
class RunningServer:
    """A live server: `.url` (http://127.0.0.1:PORT), `.port`, `.db_url`; `.stop()` shuts it down."""

    url: str
    port: int
    db_url: str
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit (finishing in-flight requests) and join its thread. Notification
        streams end first (they would otherwise hold the graceful shutdown up)."""
        hub = getattr(getattr(self._server.config.app, "state", None), "notify", None)
        if hub is not None:
            hub.close_threadsafe()
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("central server thread did not stop within %.1f s; forcing exit", timeout)
            self._server.force_exit = True
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self._server.started

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_in_thread(
    db_url: str,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    migrate: bool = True,
    timeout: float = 20.0,
    escalation_interval_s: float | None = None,
    tls: tuple[str, str] | None = None,
    app_options: Mapping[str, Any] | None = None,
) -> RunningServer:
    """Migrate (unless told not to), then serve `db_url` on host:port (0 = a free port) in a
    daemon thread; returns once the socket accepts connections. `tls` = (certificate file, key
    file) serves HTTPS; `app_options` go to create_app (threads=1, queue_wait_s=0.5...). Raises
    RuntimeError if the server fails to start within `timeout` seconds.
    """
    if migrate:
        upgrade(db_url)
    options = dict(app_options or {})
    if escalation_interval_s is not None:
        options["escalation_interval_s"] = escalation_interval_s
    app = create_app(db_url, **options)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
        timeout_keep_alive=IDLE_KEEPALIVE_S,
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"central-api-{bound_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"central API did not start on {host}:{bound_port}")
        time.sleep(0.01)
    url_host = f"[{host}]" if ":" in host else host
    scheme = "https" if tls else "http"
    running = RunningServer(f"{scheme}://{url_host}:{bound_port}", bound_port, db_url, server, thread)
    log.info("central API serving %s on %s", db_url, running.url)
    return running
