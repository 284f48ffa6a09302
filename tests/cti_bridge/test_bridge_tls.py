"""TLS between desktop and bridge, with a self-signed certificate made here."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .ami_script import AmiScript, queue_call
from .bridge_rig import start_rig, until

pytestmark = pytest.mark.timeout(60)


def self_signed(directory: Path, name: str = "localhost") -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "bridge.crt", directory / "bridge.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def test_desktop_connects_over_tls_with_the_ca_bundle_and_gets_calls(
    seeded_central_sqlite: Any, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    rig = await start_rig(seeded_central_sqlite.url, ssl_context=context)
    try:
        good = await rig.desk("1001", seeded_central_sqlite.token_for("1001"), tls=True, ca_file=str(cert))
        untrusted = await rig.desk("1002", seeded_central_sqlite.token_for("1002"), tls=True, wait=False)
        data, call_id = queue_call(AmiScript(), answered_by="PJSIP/1001")
        await rig.push(data)
        await until(lambda: "call.ended" in good.call_types(call_id))
        await until(lambda: any(s == "disconnected" for s, _ in untrusted.statuses))
        assert not any(s == "connected" for s, _ in untrusted.statuses)
        assert "CERTIFICATE_VERIFY_FAILED" in next(d for s, d in untrusted.statuses if s == "disconnected")
        assert rig.bridge.stats.sessions == 1
    finally:
        await rig.close()
