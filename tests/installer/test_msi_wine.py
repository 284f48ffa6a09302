"""Install the MSI silently under Wine's msiexec, upgrade it, uninstall it: what an IT department's
deployment does, checked on the files and HKLM keys it leaves (read from the prefix's system.reg)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import need_tools
from msi_wine import WinePrefix

from desktop.config import load_settings
from desktop.machine_defaults import settings_from_registry

pytestmark = [pytest.mark.xdist_group("msi"), pytest.mark.timeout(600)]

PROPERTIES = {"SERVER_URL": "https://crm.example", "CTI_BRIDGE": "cti.example:7391"}


def check_installed(
    prefix: WinePrefix, version: str, properties: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Asserts what a silent install must leave; returns HKLM for further checks."""
    hklm = prefix.hklm()
    install_dir = prefix.program_files / "CallDesk"
    assert (install_dir / "calldesk").is_file()
    machine = hklm["software\\calldesk"]
    assert machine["ServerUrl"] == properties["SERVER_URL"]
    assert machine["CtiBridge"] == properties["CTI_BRIDGE"]
    assert machine["Version"] == version
    for scheme, verb in (("tel", "dial"), ("calldesk", "open")):
        assert hklm[f"software\\classes\\{scheme}"]["URL Protocol"] == ""
        command = hklm[f"software\\classes\\{scheme}\\shell\\open\\command"][""]
        assert command == f'"C:\\Program Files\\CallDesk\\calldesk" {verb} "%1"'
    assert len(prefix.calldesk_uninstall_entries()) == 1, "one Add/Remove Programs entry"
    assert prefix.start_menu_shortcuts(), "a Start-menu shortcut"
    return hklm


def desktop_settings_from(hklm: dict[str, dict[str, str]], user_config: Path) -> object:
    """What the desktop reads on that machine: the registry values beneath the user's config."""
    machine = settings_from_registry(hklm["software\\calldesk"])
    return load_settings(
        config_file=user_config,
        env={},
        defaults_file=user_config.with_name("none.toml"),
        machine_values=machine,
    )


def test_silent_install_upgrade_and_uninstall_under_wine(stub_msis, tmp_path):
    need_tools("wine", "wineserver")
    msi1, msi2 = stub_msis
    prefix = WinePrefix(tmp_path / "prefix")

    prefix.install(msi1, **PROPERTIES)
    hklm = check_installed(prefix, "0.1.0", PROPERTIES)
    install_dir = prefix.program_files / "CallDesk"
    assert (install_dir / "_internal" / "old-only.txt").read_text() == "0.1.0"

    # The desktop on that machine: machine defaults apply, the user's own file wins over them.
    user_config = tmp_path / "config.toml"
    settings = desktop_settings_from(hklm, user_config)
    assert (settings.central_url, settings.cti_bridge, settings.problems) == (
        "https://crm.example",
        "cti.example:7391",
        (),
    )
    user_config.write_text('central_url = "https://crm-backup.example"\n', encoding="utf-8")
    settings = desktop_settings_from(hklm, user_config)
    assert (settings.central_url, settings.cti_bridge) == ("https://crm-backup.example", "cti.example:7391")

    # The agent's own data, which an uninstall must keep.
    user_data = (
        prefix.path / "drive_c" / "users" / "agent" / "AppData" / "Local" / "CallDesk" / "cache.sqlite3"
    )
    user_data.parent.mkdir(parents=True)
    user_data.write_bytes(b"SQLite format 3\0")

    upgraded = {"SERVER_URL": "https://crm2.example", "CTI_BRIDGE": "cti2.example:7391"}
    prefix.install(msi2, **upgraded)
    check_installed(prefix, "0.2.0", upgraded)
    assert (install_dir / "_internal" / "new-only.txt").read_text() == "0.2.0"
    assert not (install_dir / "_internal" / "old-only.txt").exists(), "the major upgrade removed 0.1.0"

    prefix.uninstall(msi2)
    hklm = prefix.hklm()
    assert not install_dir.exists()
    leftovers = [
        key
        for key in hklm
        if key == "software\\calldesk"
        or key.startswith(("software\\calldesk\\", "software\\classes\\tel", "software\\classes\\calldesk"))
    ]
    assert leftovers == []
    assert prefix.calldesk_uninstall_entries() == []
    assert prefix.start_menu_shortcuts() == []
    assert user_data.read_bytes() == b"SQLite format 3\0"


def test_install_without_properties_leaves_the_desktop_defaults(stub_msis, tmp_path):
    need_tools("wine", "wineserver")
    prefix = WinePrefix(tmp_path / "prefix")
    prefix.install(stub_msis[0])
    machine = prefix.hklm()["software\\calldesk"]
    settings = desktop_settings_from({"software\\calldesk": machine}, tmp_path / "config.toml")
    assert settings.central_url == "http://127.0.0.1:8765"
    assert settings.cti_bridge == ""
    assert settings.problems == ()
