"""Fixtures for the installer tests: small stand-in app folders packed into real MSIs by
installer/build-msi.sh (fast, default suite), and the real frozen build when .ci/run made one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from msi_wine import build_msi, tools_missing

STUB_VERSION_1 = "0.1.0"
STUB_VERSION_2 = "0.2.0"


def need_tools(*tools: str) -> None:
    """Skip when a tool is absent on a developer's machine; in CI (CI=true) that is a failure,
    since scripts/test.sh installs them (installer/install-tools.sh)."""
    missing = tools_missing(*tools)
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (bash installer/install-tools.sh --wine installs them)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def make_stub_app(folder: Path, version: str, data_file: str) -> Path:
    """A folder shaped like the PyInstaller output: an executable and files under _internal/."""
    exe = folder / "calldesk"
    (folder / "_internal" / "resources").mkdir(parents=True)
    exe.write_text(f"#!/bin/sh\necho calldesk {version}\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    (folder / "_internal" / data_file).write_text(version, encoding="utf-8")
    # ASCII names only: wixl stores a non-ASCII file name as empty (the real build has none).
    (folder / "_internal" / "resources" / "calldesk_zh_CN.qm").write_bytes(b"qm")
    return folder


@pytest.fixture(scope="session")
def stub_msis(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Version 0.1.0 (ships old-only.txt) and 0.2.0 (ships new-only.txt) of a stand-in app."""
    need_tools("wixl", "wixl-heat", "msiinfo")
    root = tmp_path_factory.mktemp("stub-msi")
    app1 = make_stub_app(root / "app1", STUB_VERSION_1, "old-only.txt")
    app2 = make_stub_app(root / "app2", STUB_VERSION_2, "new-only.txt")
    msi1 = build_msi(app1, root / f"calldesk-{STUB_VERSION_1}.msi", STUB_VERSION_1)
    msi2 = build_msi(app2, root / f"calldesk-{STUB_VERSION_2}.msi", STUB_VERSION_2)
    return msi1, msi2


@pytest.fixture(scope="session")
def frozen_build() -> tuple[Path, Path]:
    """(frozen folder, MSI) from `bash installer/build-msi.sh`, which .ci/run runs before the
    `-m frozen` tests: CALLDESK_FROZEN_DIR and CALLDESK_MSI point at them."""
    frozen = os.environ.get("CALLDESK_FROZEN_DIR")
    msi = os.environ.get("CALLDESK_MSI")
    if not frozen or not msi:
        message = (
            "no frozen build: run `bash installer/build-msi.sh` and set CALLDESK_FROZEN_DIR, CALLDESK_MSI"
        )
        if os.environ.get("CALLDESK_REQUIRE_FROZEN") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return Path(frozen), Path(msi)
