"""Issue #17: the cache encrypted with SQLCipher (calldesk[encrypted]), its key in the OS keyring.
The files on disk hold no customer name or phone number; plain <-> encrypted keeps the unsent
work; no keyring means a clear refusal and a plain cache; the real desktop pulls and pushes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from cache_builders import sample_page

from desktop.cache import cipher
from desktop.cache.store import CacheStore
from desktop.cache.unsent import unsent_path
from desktop.config import Settings
from desktop.desks.cache_health import apply_cache_encryption, ensure_usable_cache
from desktop.desks.root import DesktopApp
from desktop.private_files import sqlite_files
from desktop.services.api import CentralApi

pytest.importorskip("sqlcipher3")

SECRETS = ["张三".encode(), "王小明".encode(), b"13800138000", b"13912345678", "不排水".encode()]


@pytest.fixture(autouse=True)
def _plain_by_default() -> Iterator[None]:
    yield
    cipher.configure(False)


def _files(path: Path) -> list[Path]:
    return [p for p in (*sqlite_files(path), *sqlite_files(unsent_path(path))) if p.exists()]


def _leaks(path: Path) -> list[tuple[str, bytes]]:
    return [(p.name, s) for p in _files(path) for s in SECRETS if s in p.read_bytes()]


def _fill(path: Path) -> str:
    with CacheStore(path) as store:
        store.apply_changes_report(sample_page(), next_since=12)
        return store.write_local("ticket", {"id": "T1", "customer_id": "C001", "fault_description": "不排水"})


def test_an_encrypted_cache_holds_no_name_or_phone_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cipher.configure(True)
    _fill(path)
    with CacheStore(path) as store:  # open: the -wal holds pages too
        store.write_local("note", {"id": "N1", "customer_id": "C003", "text": "王小明 13912345678"})
        assert [c.name for c in store.lookup_phone("+8613800138000")] == ["张三"]
        assert _leaks(path) == []
        assert all(cipher.is_encrypted(p) for p in (path, unsent_path(path)))
    assert _leaks(path) == []
    assert keyring.get_password(cipher.KEYRING_SERVICE, cipher.KEY_NAME)  # the key: in the keyring only
    key = keyring.get_password(cipher.KEYRING_SERVICE, cipher.KEY_NAME)
    assert not any(key.encode() in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


def test_plain_to_encrypted_and_back_keeps_the_unsent_work(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    client_id = _fill(path)
    assert _leaks(path)  # plain: the names are there to find (the check can fail)
    assert asyncio.run(apply_cache_encryption(path, True)) is None
    assert _leaks(path) == []
    with CacheStore(path) as store:
        assert [e.client_id for e in store.outbox_entries()] == [client_id]
        assert [c.name for c in store.lookup_phone("+8613800138000")] == ["张三"]
    assert asyncio.run(apply_cache_encryption(path, False)) is None
    assert not cipher.is_encrypted(path) and not cipher.is_encrypted(unsent_path(path))
    with CacheStore(path) as store:
        assert [e.client_id for e in store.outbox_entries()] == [client_id]


def test_no_keyring_refuses_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    _fill(path)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    problem = asyncio.run(apply_cache_encryption(path, True))
    assert problem is not None and "keyring" in problem
    assert not cipher.is_encrypted(path)
    with CacheStore(path) as store:
        assert store.outbox_count() == 1


async def test_the_desktop_runs_on_an_encrypted_cache(seeded_central_sqlite, tmp_path, qtbot) -> None:
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    assert await apply_cache_encryption(path, True) is None
    assert await ensure_usable_cache(path)
    api = CentralApi(central.url)
    session = await api.login("1001", "demo")
    settings = Settings(central_url=central.url, cache_path=str(path), cti_port=0, encrypt_cache=True)
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=True)
    try:
        assert runtime.store.counts()["customers"] > 0
        note = "N" + secrets.token_hex(6)
        runtime.store.write_local("note", {"id": note, "customer_id": "C0000001", "text": "加密缓存"})
        runtime.sync.connectivity.kick()
        deadline = asyncio.get_running_loop().time() + 15
        while runtime.store.outbox_count():
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    rows = central._rows("SELECT version FROM change_log WHERE entity = 'note' AND entity_id = :i", i=note)
    assert [r[0] for r in rows] == [1]
    assert cipher.is_encrypted(path)
    names = [r[0] for r in central._rows("SELECT name FROM customers LIMIT 20")]
    data = b"".join(p.read_bytes() for p in _files(path))
    assert not [n for n in names if n.encode() in data]


def test_wipe_on_logout_forgets_the_key(tmp_path: Path) -> None:
    from desktop.services.cache_wipe import wipe_cache

    path = tmp_path / "cache.sqlite3"
    cipher.configure(True)
    with CacheStore(path) as store:
        store.apply_changes_report(sample_page(), next_since=12)
    assert keyring.get_password(cipher.KEYRING_SERVICE, cipher.KEY_NAME)
    result = wipe_cache(path)
    assert not result.failed and _files(path) == []
    assert keyring.get_password(cipher.KEYRING_SERVICE, cipher.KEY_NAME) is None
