"""Windows-only code paths: named-pipe single instance, keyring's Windows backend, the config
rewrite over a file someone holds open, VACUUM while the UI's connection is open, and the MSI's
machine defaults read from HKLM. They run on the Windows CI job (.github/workflows/windows.yml)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.windows,
    pytest.mark.skipif(
        sys.platform != "win32",
        reason="Windows-only code path: runs on the Windows CI job (.github/workflows/windows.yml)",
    ),
]


def test_single_instance_is_a_named_pipe_and_a_second_desktop_is_refused(qapp):
    from desktop.services.handoff import HandoffServer, send_request

    name = f"calldesk-test-{uuid.uuid4().hex[:8]}"
    first = HandoffServer(name)
    try:
        assert first.listen()
        assert first._server.fullServerName().startswith("\\\\.\\pipe\\")
        assert send_request({"cmd": "ping"}, name, timeout_ms=2000) is not None
        second = HandoffServer(name)
        assert not second.listen(), "a second desktop for the same user must not take the pipe"
    finally:
        first.close()


def test_keyring_selects_the_windows_credential_manager():
    import keyring
    import keyring.backends.Windows

    from desktop.services.auth import secure_store_available

    keyring.set_keyring(keyring.backends.Windows.WinVaultKeyring())
    assert secure_store_available()
    service, user = "CallDesk-test", uuid.uuid4().hex
    keyring.set_password(service, user, "s3cret")
    try:
        assert keyring.get_password(service, user) == "s3cret"
    finally:
        keyring.delete_password(service, user)


def test_config_rewrite_while_another_handle_holds_the_file(tmp_path: Path):
    from desktop.config import SettingsSaveError, load_settings, save_user_settings

    config = tmp_path / "config.toml"
    config.write_text('# admin comment\nlanguage = "en"\n', encoding="utf-8")
    with config.open("rb"):
        # Windows refuses to replace a file another handle has open without delete sharing:
        # the save must then fail cleanly and leave the old file whole.
        try:
            save_user_settings({"cti_port": 7401}, config)
            saved = True
        except SettingsSaveError as exc:
            assert "cannot be written" in str(exc)
            saved = False
    text = config.read_text(encoding="utf-8")
    assert "# admin comment" in text
    assert ("cti_port = 7401" in text) == saved
    save_user_settings({"cti_port": 7402}, config)  # closed again: it works
    assert load_settings(config_file=config, env={}, machine_values={}).cti_port == 7402


def test_vacuum_with_the_ui_connection_open(tmp_path: Path):
    import sqlite3

    from desktop.cache.rebuild import compact

    path = tmp_path / "cache.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x TEXT)")
    writer.executemany("INSERT INTO t VALUES (?)", [("x" * 500,) for _ in range(2000)])
    ui = sqlite3.connect(path, isolation_level=None)
    assert ui.execute("SELECT count(*) FROM t").fetchone() == (2000,)
    writer.execute("DELETE FROM t")
    compact(writer)  # the UI connection is open but not inside a read transaction
    assert ui.execute("SELECT count(*) FROM t").fetchone() == (0,)
    ui.close()
    writer.close()


def test_machine_defaults_are_read_from_hklm():
    import winreg

    from desktop.machine_defaults import REGISTRY_KEY, machine_settings

    access = winreg.KEY_WRITE | winreg.KEY_WOW64_64KEY
    try:
        key = winreg.CreateKeyEx(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY, 0, access)
    except PermissionError:
        pytest.skip("writing HKLM needs an elevated runner")
    with key:
        winreg.SetValueEx(key, "ServerUrl", 0, winreg.REG_SZ, "https://crm.example")
        winreg.SetValueEx(key, "CtiBridge", 0, winreg.REG_SZ, "cti.example:7391")
    try:
        assert machine_settings() == {"central_url": "https://crm.example", "cti_bridge": "cti.example:7391"}
    finally:
        winreg.DeleteKeyEx(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY, winreg.KEY_WOW64_64KEY)
