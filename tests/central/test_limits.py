"""Request limits against a real server: oversized bodies refused before they are read, odd
date parameters answered 4xx, and access logs without query strings."""

from __future__ import annotations

import logging
import resource
import socket
import sys
from urllib.parse import urlsplit

import httpx
import pytest

from central.limits import DropQueryStrings, body_limit

MIB = 1024 * 1024


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def _raw_request(url: str, head: str, chunks, max_bytes: int) -> tuple[bytes, int]:
    """Send `head` then body chunks until the server answers or closes; (answer, bytes sent)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sent = 0
    try:
        sock.sendall(head.encode())
        sock.settimeout(0.0)
        for chunk in chunks:
            try:
                answer = sock.recv(4096)
                if answer:
                    return answer, sent
            except BlockingIOError:
                pass
            try:
                sock.settimeout(5)
                sock.sendall(chunk)
                sock.settimeout(0.0)
            except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
                break
            sent += len(chunk)
            if sent > max_bytes:
                break
        sock.settimeout(10)
        return sock.recv(4096), sent
    finally:
        sock.close()


@pytest.mark.skipif(sys.platform == "win32", reason="peak RSS via the resource module")
def test_a_200_mb_streamed_login_body_is_refused_without_being_read(seeded_central_sqlite):
    url = seeded_central_sqlite.url
    before = _peak_rss_mib()
    chunk = b"x" * (1 * MIB)
    total = 200 * MIB

    # declared length: refused from the headers alone
    head = (
        f"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {total}\r\n\r\n"
    )
    answer, sent = _raw_request(url, head, (chunk for _ in range(200)), total)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 64 * MIB  # the server answered long before the body was through

    # chunked, no length: counted as it arrives and cut at the limit
    def chunked():
        for _ in range(200):
            yield b"%x\r\n" % len(chunk) + chunk + b"\r\n"

    head = (
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    answer, sent = _raw_request(url, head, chunked(), total)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 64 * MIB
    assert _peak_rss_mib() - before < 100  # the server (this process) never held the body
    assert httpx.get(f"{url}/health", timeout=5).status_code == 200


def test_413_has_the_error_shape(seeded_central_sqlite):
    response = httpx.post(
        f"{seeded_central_sqlite.url}/api/v1/auth/token",
        content=b'{"username": "' + b"a" * 20000 + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "x-server-time" in response.headers


def test_limits_per_endpoint():
    assert body_limit("POST", "/api/v1/auth/token") < body_limit("POST", "/api/v1/sync/push")
    assert body_limit("PUT", "/api/v1/attachments/a1") > 10 * MIB
    assert body_limit("GET", "/anything") == MIB


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sync/bootstrap/window?entity=order&from=0001-01-01T00:00:00%2B14:00",
        "/api/v1/sync/bootstrap/window/counts?from=0001-01-01T00:00:00%2B14:00",
        "/api/v1/sync/bootstrap/window?entity=order&from=9999-12-31T23:59:59-14:00",
        "/api/v1/sync/bootstrap/window?entity=order&from=not-a-date",
        "/api/v1/sync/changes?since=-1",
        "/api/v1/sync/changes?since=99999999999999999999999",
        "/api/v1/sync/changes?limit=1e3",
        "/api/v1/admin/audit?since=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_odd_date_and_number_parameters_are_4xx_not_500(seeded_central, path):
    response = httpx.get(
        seeded_central.url + path,
        headers={"Authorization": f"Bearer {seeded_central.token_for('admin')}"},
        timeout=10,
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] in ("from", "since", "limit")


def test_access_log_lines_lose_their_query_string():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/api/v1/customers/lookup?phone=13800138000", "1.1", 200), None,
    )  # fmt: skip
    DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "13800138000" not in line and "/api/v1/customers/lookup" in line


def test_control_characters_in_the_window_cursor_are_422_not_500(seeded_central):
    response = httpx.get(
        f"{seeded_central.url}/api/v1/sync/bootstrap/window",
        params={"entity": "service", "after": "a\x00b"},
        headers=seeded_central.headers,
        timeout=10,
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == "after"
