"""The calldesk: URL handler's parsing, machine defaults' layering, and support bundles."""

from __future__ import annotations

import json
import string
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.config import Settings, load_settings
from desktop.handoff_cli import message_from_url
from desktop.machine_defaults import machine_settings, settings_from_registry
from desktop.services.handoff import HandoffError
from desktop.support_bundle import scrub, write_bundle


def test_calldesk_urls_become_pop_and_dial_requests():
    assert message_from_url("calldesk://pop?customer=C0000123") == {"cmd": "pop", "customer_id": "C0000123"}
    assert message_from_url("CALLDESK:dial?number=%2B8613800138000") == {
        "cmd": "dial",
        "uri": "+8613800138000",
    }
    for bad in ("tel:+86138", "calldesk://format-disk", "calldesk://pop", "calldesk://pop?id=1", ""):
        with pytest.raises(HandoffError):
            message_from_url(bad)


@given(st.text(max_size=200))
def test_any_url_gives_a_request_or_a_handoff_error(text):
    try:
        message = message_from_url(text)
    except HandoffError:
        return
    assert message["cmd"] in ("pop", "dial")


def test_machine_defaults_sit_beneath_user_config_env_and_keep_bad_values_out(tmp_path: Path):
    machine = settings_from_registry(
        {
            "ServerUrl": "https://crm.example",
            "CtiBridge": "cti.example:7391",
            "Version": "0.1.0",
            "InstallDir": "C:\\x",
        }
    )
    assert machine == {"central_url": "https://crm.example", "cti_bridge": "cti.example:7391"}
    user = tmp_path / "config.toml"
    user.write_text('cti_bridge = "bridge2.example:7391"\n', encoding="utf-8")
    none = tmp_path / "none.toml"
    settings = load_settings(
        config_file=user,
        env={"CALLDESK_CENTRAL_URL": "https://env.example"},
        defaults_file=none,
        machine_values=machine,
    )
    assert (settings.central_url, settings.cti_bridge) == ("https://env.example", "bridge2.example:7391")
    bad = settings_from_registry({"ServerUrl": "ftp://x", "CtiBridge": "no port", "other": 1})
    settings = load_settings(config_file=none, env={}, defaults_file=none, machine_values=bad)
    assert (settings.central_url, settings.cti_bridge) == (Settings().central_url, "")
    assert len(settings.problems) == 2 and "machine defaults" in settings.problems[0]
    assert settings_from_registry({"ServerUrl": 5, "CtiBridge": "  "}) == {}
    assert machine_settings(lambda: {"CtiBridge": "none"}) == {"cti_bridge": "none"}


def test_support_bundle_has_logs_versions_and_settings_without_secrets(tmp_path: Path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "calldesk.log").write_text(
        "INFO sync: ok\nDEBUG api: Authorization: Bearer eyJabc.def\nWARN x: password=hunter2 token: 'q1'\n",
        encoding="utf-8",
    )
    (logs / "calldesk.log.1").write_text("INFO older\n", encoding="utf-8")
    settings = Settings(
        central_url="https://agent:pw@crm.example/api?key=1", username="1001", problems=("x: token=abc",)
    )
    out = tmp_path / "bundle.zip"
    names = write_bundle(out, settings, logs, tmp_path / "config.toml")
    assert set(names) == {"versions.json", "settings.json", "logs/calldesk.log", "logs/calldesk.log.1"}
    with zipfile.ZipFile(out) as bundle:
        everything = "".join(bundle.read(name).decode() for name in bundle.namelist())
        saved = json.loads(bundle.read("settings.json"))
        versions = json.loads(bundle.read("versions.json"))
    for secret in ("eyJabc", "hunter2", "'q1'", ":pw@", "key=1", "token=abc"):
        assert secret not in everything
    assert saved["central_url"] == "https://crm.example/api" and saved["username"] == "1001"
    assert versions["calldesk"] and versions["qt"]
    assert "INFO sync: ok" in everything


def test_support_bundle_command_reports_an_unwritable_output(tmp_path: Path, capsys):
    from desktop.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(
        [
            "support-bundle",
            "--output",
            str(blocker / "b.zip"),
            "--log-dir",
            str(tmp_path),
            "--config",
            str(tmp_path / "none.toml"),
        ]
    )
    assert code == 1 and "cannot write" in capsys.readouterr().err


SECRET_CHARS = string.ascii_letters + string.digits + "-_.~+/=!$%*()[]{}<>?@#^|中文密"


@given(
    st.sampled_from(["password=", "token: ", "secret=", "Authorization: Bearer ", "passwd = '"]),
    st.text(alphabet=SECRET_CHARS, min_size=1),
)
def test_scrub_removes_every_value_after_a_secret_marker(marker, value):
    assert scrub(f"{marker}{value} rest") == f"{marker}[removed] rest"


def test_missing_std_streams_are_replaced_so_printing_cannot_crash():
    import subprocess
    import sys

    code = (
        "import sys; sys.stdout = None; sys.stderr = None\n"
        "from desktop.std_streams import ensure_std_streams\n"
        "ensure_std_streams()\n"
        "print('hidden'); print('hidden', file=sys.stderr)\n"
        "from desktop.cli import main\n"
        "raise SystemExit(main(['--version']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_version_flag_prints_the_package_version(capsys):
    from importlib import metadata

    from desktop.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"calldesk {metadata.version('calldesk')}"
