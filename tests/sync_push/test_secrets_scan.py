"""After a full sign-in / sync / work / sign-out cycle of the real desktop against the real
central API (real cache, real log file, real settings file; the keyring is the in-memory
backend of tests/conftest.py), every file the desktop wrote is scanned: no password, no access
or refresh token, no token signing key anywhere, and an agent's files hold no full phone number
(docs/security.md "Data minimisation and audit")."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from central import tokens
from central.users import add_user
from desktop.cache.outbox import new_id
from desktop.config import Settings, save_user_settings, user_config_path
from desktop.desks.root import DesktopApp
from desktop.logging_setup import log_file_path, setup_logging
from desktop.services.api import CentralApi
from desktop.services.attachments import attachments_folder
from desktop.services.auth import AuthService

PASSWORD = f"Scan-Pa55word-{secrets.token_hex(4)}"


@dataclass
class Cycle:
    root: Path  # every folder the desktop may write to lives below it
    secrets: dict[str, str]  # what -> the secret text
    files: list[Path]


async def _eventually(condition, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def _signing_key_texts() -> dict[str, str]:
    key = tokens.load_signing_key()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    return {
        "signing key (PEM body)": body,
        "signing key (raw, base64)": base64.b64encode(raw).decode(),
        "signing key (raw, base64url)": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "signing key (raw, hex)": raw.hex(),
    }


async def _cycle(central, tmp_path: Path, monkeypatch, username: str, role: str) -> Cycle:
    root = tmp_path / "desktop-home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("HOME", "home"),
    ):
        monkeypatch.setenv(var, str(root / sub))
    assert str(log_file_path()).startswith(str(root)) and str(user_config_path()).startswith(str(root))
    with central.engine.begin() as conn:
        add_user(conn, username, PASSWORD, role, pbx_interface="PJSIP/1777", queues=["sales"])
    root_logger = logging.getLogger()
    before = list(root_logger.handlers)
    setup_logging("DEBUG", to_file=True)  # the most the desktop ever writes
    found: dict[str, str] = {"password": PASSWORD, **_signing_key_texts()}
    try:
        save_user_settings({"central_url": central.url, "username": username})
        api = CentralApi(central.url)
        auth = AuthService(api)
        session = await auth.login(username, PASSWORD, remember=True)
        found["access token"] = session.token
        found["refresh token"] = session.refresh_token
        pop = httpx.get(
            f"{central.url}/api/v1/auth/pop-key", headers={"Authorization": f"Bearer {session.token}"}
        ).json()
        found["pop index key (base64)"] = pop["key"]
        found["pop index key (hex)"] = base64.b64decode(pop["key"]).hex()
        assert await auth.refresh()  # a rotated pair too
        assert auth.session is not None
        found["access token (refreshed)"] = auth.session.token
        found["refresh token (refreshed)"] = auth.session.refresh_token
        settings = Settings(central_url=central.url, username=username, cti_port=0)
        assert str(settings.resolved_cache_path()).startswith(str(root))
        runtime = DesktopApp(settings, api, auth.session, cti_token=secrets.token_urlsafe(16))
        await runtime.start(initial_sync=True)
        try:
            customer_id = central.sample_customer()["id"]
            runtime.customers.show_customer(customer_id)
            runtime.customers._on_search(central.sample_customer()["mobile"][-4:])  # suffix search
            runtime.store.write_local("note", {"id": new_id(), "customer_id": customer_id, "text": "回访"})
            runtime.sync.connectivity.kick()
            await _eventually(lambda: runtime.store.outbox_count() == 0)
            await auth.sign_out()
        finally:
            await runtime.stop()
            runtime.window.deleteLater()
    finally:
        for handler in list(root_logger.handlers):
            if handler not in before:
                root_logger.removeHandler(handler)
                handler.close()
    files = [p for p in root.rglob("*") if p.is_file()]
    cache = settings.resolved_cache_path()
    assert cache in files and log_file_path() in files and user_config_path() in files
    assert attachments_folder(cache).parent == cache.parent  # scanned with the cache's folder
    assert log_file_path().stat().st_size > 0
    return Cycle(root, found, files)


def _hits(cycle: Cycle, needles: dict[str, str]) -> list[str]:
    hits = []
    for path in cycle.files:
        data = path.read_bytes()
        for what, text in needles.items():
            if text and text.encode() in data:
                hits.append(f"{what} in {path.relative_to(cycle.root)}")
    return hits


@pytest.mark.parametrize(("username", "role"), [("scan-agent", "agent"), ("scan-super", "supervisor")])
async def test_no_secret_in_any_file_after_a_full_cycle(
    seeded_central_sqlite, tmp_path, monkeypatch, qtbot, username, role
):
    cycle = await _cycle(seeded_central_sqlite, tmp_path, monkeypatch, username, role)
    assert len(cycle.secrets) >= 11 and all(cycle.secrets.values())
    assert _hits(cycle, cycle.secrets) == []


def _all_numbers(central) -> dict[str, str]:
    rows = central._rows("SELECT DISTINCT e164 FROM customer_phones")
    out = {}
    for (e164,) in rows:
        out[f"{e164} (E.164)"] = e164
        if e164.startswith("+86"):  # as written at home: 13912345670, 01012345678
            national = e164[3:] if e164[3] == "1" and len(e164) == 14 else "0" + e164[3:]
            out[f"{e164} (national digits)"] = national
    return out


async def test_an_agents_files_hold_no_full_phone_number(seeded_central_sqlite, tmp_path, monkeypatch, qtbot):
    cycle = await _cycle(seeded_central_sqlite, tmp_path, monkeypatch, "scan-agent", "agent")
    numbers = _all_numbers(seeded_central_sqlite)
    assert len(numbers) > 300
    hits = _hits(cycle, numbers)
    assert hits == [], f"{len(hits)} full numbers, e.g. {hits[:5]}"


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The scanner itself: a planted secret and number are found (so an empty result means clean)."""
    planted = tmp_path / "x" / "calldesk.log"
    planted.parent.mkdir()
    planted.write_text("token=abc.def.ghi +8613912345670\n", encoding="utf-8")
    cycle = Cycle(tmp_path, {}, [planted])
    assert _hits(cycle, {"token": "abc.def.ghi", "number": "13912345670", "absent": "zzz"}) == [
        "token in x/calldesk.log",
        "number in x/calldesk.log",
    ]
    assert os.sep in str(planted)
