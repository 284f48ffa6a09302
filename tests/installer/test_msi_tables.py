"""The MSI's tables, read back with msiinfo: the contract the deployment and the checks rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from msi_wine import msi_table

pytestmark = [pytest.mark.xdist_group("msi"), pytest.mark.timeout(600)]


def _properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in msi_table(msi, "Property")}


def test_property_table_has_version_upgrade_code_and_the_silent_install_properties(stub_msis):
    msi1, msi2 = stub_msis
    first, second = _properties(msi1), _properties(msi2)
    assert first["ProductVersion"] == "0.1.0" and second["ProductVersion"] == "0.2.0"
    # The UpgradeCode is what makes 0.2.0 replace 0.1.0: it must be the same in every build.
    assert first["UpgradeCode"] == second["UpgradeCode"] == "{c393fc8f-9100-40a4-be6f-f966c1f50208}"
    assert first["ProductCode"] != second["ProductCode"]
    assert first["ALLUSERS"] == "1"  # per-machine
    assert "SERVER_URL" in first and "CTI_BRIDGE" in first


def test_registry_table_registers_both_url_handlers_to_run_the_installed_executable(stub_msis):
    rows = msi_table(stub_msis[0], "Registry")
    by_key = {(row["Root"], row["Key"].rstrip("\\"), row["Name"]): row["Value"] for row in rows}
    for scheme, verb in (("tel", "dial"), ("calldesk", "open")):
        assert by_key[("2", f"Software\\Classes\\{scheme}", "URL Protocol")] == ""
        command = by_key[("2", f"Software\\Classes\\{scheme}\\shell\\open\\command", "")]
        assert command == f'"[INSTALLDIR]calldesk" {verb} "%1"'
    assert by_key[("2", "Software\\CallDesk", "ServerUrl")] == "[SERVER_URL]"
    assert by_key[("2", "Software\\CallDesk", "CtiBridge")] == "[CTI_BRIDGE]"


def test_major_upgrade_start_menu_shortcut_and_installed_files(stub_msis):
    upgrade = msi_table(stub_msis[1], "Upgrade")
    assert any(row["ActionProperty"] == "WIX_UPGRADE_DETECTED" for row in upgrade)
    shortcuts = msi_table(stub_msis[1], "Shortcut")
    assert [(s["Name"], s["Target"]) for s in shortcuts] == [("CallDesk", "[INSTALLDIR]calldesk")]
    files = {row["FileName"].split("|")[-1] for row in msi_table(stub_msis[1], "File")}
    assert {"calldesk", "new-only.txt", "calldesk_zh_CN.qm"} <= files and "old-only.txt" not in files
