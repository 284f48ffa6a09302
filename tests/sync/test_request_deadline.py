"""Every central API request has a deadline for the WHOLE request (issue #18: pulls hung for ever).

httpx bounds each phase (connect, each read); a server that trickles its answer a byte at a time
never trips those. Here a real socket server on loopback does exactly that."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import pytest

from desktop.services.api import ApiError, CentralApi


def _trickling_server() -> tuple[socket.socket, threading.Event]:
    """Answers every request with headers and then one body byte every 50 ms, for ever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n"
                )
                while not stop.is_set():
                    conn.sendall(b" ")
                    time.sleep(0.05)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener, stop


async def test_a_pull_from_a_server_that_never_finishes_ends_at_the_deadline_with_a_log_line(caplog):
    listener, stop = _trickling_server()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    api = CentralApi(url, token="t", timeout=10, max_retries=1, backoff_base=0.01, deadline_s=0.5)
    caplog.set_level(logging.INFO, logger="desktop.services.api")
    try:
        started = time.monotonic()
        with pytest.raises(ApiError) as failed:
            await asyncio.wait_for(api.changes(0, 10), timeout=20)  # the test's own bound, far above
        took = time.monotonic() - started
        assert failed.value.unreachable and "Cannot reach the central server" in failed.value.message
        assert 0.9 < took < 5, took  # two attempts of 0.5 s (one retry), not httpx's 10 s read timeout
        abandoned = [r.getMessage() for r in caplog.records if r.getMessage().endswith("request abandoned")]
        assert abandoned == ["api: GET /api/v1/sync/changes: no answer within 0.5 s; request abandoned"] * 2
    finally:
        stop.set()
        listener.close()
        await api.aclose()


def test_the_default_deadline_is_well_above_each_phase_timeout() -> None:
    assert CentralApi("http://127.0.0.1:1", timeout=10).deadline_s == 60
    assert CentralApi("http://127.0.0.1:1", timeout=2).deadline_s == 30
