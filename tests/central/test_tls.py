"""HTTPS with a self-signed certificate made here, and the serve command's transport rules."""

from __future__ import annotations

import ipaddress
import logging
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from central.cli import is_loopback, transport_problem
from central.server import start_in_thread


def make_self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_serves_https_with_a_self_signed_certificate(seeded_central_sqlite, tmp_path):
    cert, key = make_self_signed(tmp_path)
    server = start_in_thread(seeded_central_sqlite.db_url, tls=(str(cert), str(key)), migrate=False)
    try:
        assert server.url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(cert))
        with httpx.Client(base_url=server.url, verify=context, timeout=10) as client:
            assert client.get("/health").status_code == 200
            login = client.post("/api/v1/auth/token", json={"username": "1001", "password": "demo"})
            assert login.status_code == 200
        with pytest.raises(httpx.ConnectError):  # not trusted without the CA bundle
            httpx.get(f"{server.url}/health", timeout=10)
        with pytest.raises(httpx.HTTPError):  # no plain HTTP on the TLS port
            httpx.get(server.url.replace("https", "http") + "/health", timeout=10)
    finally:
        server.stop()


def test_plain_http_beyond_loopback_needs_an_explicit_flag(tmp_path, caplog):
    cert, key = make_self_signed(tmp_path)
    assert transport_problem("127.0.0.1", None, None, False) is None
    assert transport_problem("localhost", None, None, False) is None
    assert transport_problem("::1", None, None, False) is None
    refused = transport_problem("0.0.0.0", None, None, False)
    assert refused and "--cert" in refused and "--allow-insecure-http" in refused
    assert transport_problem("0.0.0.0", str(cert), str(key), False) is None
    assert "together" in (transport_problem("0.0.0.0", str(cert), None, False) or "")
    assert "no such file" in (transport_problem("0.0.0.0", str(tmp_path / "nope.pem"), str(key), False) or "")
    with caplog.at_level(logging.WARNING):
        assert transport_problem("192.168.1.5", None, None, True) is None
    assert "plain HTTP" in caplog.text
    assert is_loopback("127.0.0.2") and not is_loopback("10.0.0.1") and not is_loopback("example.com")


def test_serve_refuses_0_0_0_0_without_tls(central_sqlite_url):
    from test_central_cli import calldesk

    done = calldesk("serve", "--db", central_sqlite_url, "--host", "0.0.0.0", "--port", "29999", timeout=60)
    assert done.returncode == 2 and "refusing to serve plain HTTP" in done.stderr
