"""The real PyInstaller folder and MSI from `bash installer/build-msi.sh` (.ci/run builds them once
and runs these with `-m frozen`): the spec's hidden imports and data files are proven by starting
the frozen program, and the MSI made from it installs under Wine like the stand-in one."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import need_tools
from msi_wine import WinePrefix, msi_table

from desktop.version import app_version

pytestmark = [pytest.mark.frozen, pytest.mark.xdist_group("msi"), pytest.mark.timeout(900)]


def _run(exe: Path, *args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(cwd / "home"),
        XDG_CONFIG_HOME=str(cwd / "config"),
        XDG_DATA_HOME=str(cwd / "data"),
    )
    env.pop("CALLDESK_RESOURCES", None)
    return subprocess.run(
        [str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_frozen_program_reports_its_version(frozen_build, tmp_path):
    frozen, _msi = frozen_build
    result = _run(frozen / "calldesk", "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"calldesk {app_version()}"


def test_frozen_demo_pops_calls_offscreen_in_chinese(frozen_build, tmp_path):
    frozen, _msi = frozen_build
    result = _run(
        frozen / "calldesk",
        "demo",
        "--customers",
        "200",
        "--calls",
        "3",
        "--interval",
        "1",
        "--exit-after",
        "30",
        "--pop-log",
        "pops.jsonl",
        "--screenshot-dir",
        "shots",
        "--language",
        "zh_CN",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    pops = [json.loads(line) for line in (tmp_path / "pops.jsonl").read_text().splitlines()]
    assert len(pops) >= 2, result.stderr[-3000:]
    assert all(pop["latency_ms"] > 0 for pop in pops)
    assert len(list((tmp_path / "shots").glob("pop-*.png"))) == len(pops)
    # The bundled zh_CN translation was found (the log would say "showing English" otherwise).
    assert "no translation for" not in result.stderr


def test_frozen_msi_tables_and_silent_install(frozen_build, tmp_path):
    need_tools("wine", "wineserver", "msiinfo")
    frozen, msi = frozen_build
    assert re.fullmatch(r"calldesk-\d+\.\d+\.\d+\.msi", msi.name)
    properties = {row["Property"]: row["Value"] for row in msi_table(msi, "Property")}
    assert properties["ProductVersion"] == app_version()
    prefix = WinePrefix(tmp_path / "prefix")
    prefix.install(msi, SERVER_URL="https://crm.example", CTI_BRIDGE="cti.example:7391")
    installed = prefix.program_files / "CallDesk"
    # PyInstaller on Linux adds symlinks to shared libraries; build-msi.sh packs regular files (a
    # Windows build has no symlinks).
    expected = sorted(
        p.relative_to(frozen).as_posix() for p in frozen.rglob("*") if p.is_file() and not p.is_symlink()
    )
    actual = sorted(p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file())
    assert actual == expected
    assert prefix.hklm()["software\\calldesk"]["ServerUrl"] == "https://crm.example"
    prefix.uninstall(msi)
    assert not installed.exists()
