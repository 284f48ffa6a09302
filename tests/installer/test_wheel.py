"""The built wheel, installed (not editable) into a fresh venv, carries the translations, theme and
icons and starts offscreen in zh_CN. Slow (a venv with PySide6): `-m packaging`, run by .ci/run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("CALLDESK_PACKAGING_TESTS") != "1":
        pytest.skip("builds a wheel and a fresh venv: set CALLDESK_PACKAGING_TESTS=1 (.ci/run does)")
    root = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(root / "dist"), str(REPO)], check=True, timeout=600)
    wheels = list((root / "dist").glob("calldesk-*.whl"))
    assert len(wheels) == 1, wheels
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=120)
    python = root / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "--disable-pip-version-check",
            "-q",
            "install",
            "-c",
            str(REPO / "requirements.lock"),
            str(wheels[0]),
        ],
        check=True,
        timeout=900,
    )
    return python


def _offscreen_env(tmp_path: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "c"),
        XDG_DATA_HOME=str(tmp_path / "d"),
    )
    env.pop("CALLDESK_RESOURCES", None)
    env.pop("PYTHONPATH", None)
    return env


def test_installed_wheel_carries_resources_and_shows_chinese_labels(wheel_venv, tmp_path):
    shot = tmp_path / "login_zh_CN.png"
    result = subprocess.run(
        [str(wheel_venv), str(Path(__file__).with_name("wheel_probe.py")), str(shot)],
        cwd=tmp_path,
        env=_offscreen_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "site-packages" in report["resources"], report["resources"]
    assert report["qm"] == ["calldesk_zh_CN.qm"]
    assert report["themes"] == ["light.qss"] and report["themed"]
    assert "calldesk.png" in report["icons"]
    assert report["translated"] and report["all_chinese"], report["labels"]
    assert shot.stat().st_size > 1000


def test_installed_wheel_runs_the_demo_in_chinese(wheel_venv, tmp_path):
    calldesk = wheel_venv.parent / ("calldesk.exe" if os.name == "nt" else "calldesk")
    result = subprocess.run(
        [
            str(calldesk),
            "demo",
            "--customers",
            "200",
            "--calls",
            "2",
            "--interval",
            "1",
            "--exit-after",
            "25",
            "--pop-log",
            "pops.jsonl",
            "--language",
            "zh_CN",
        ],
        cwd=tmp_path,
        env=_offscreen_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len((tmp_path / "pops.jsonl").read_text().splitlines()) >= 1
    assert "no translation for" not in result.stderr
