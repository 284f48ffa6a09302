"""Saving the user's settings file: validated, atomic, and nothing else in the file is lost."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from desktop.config import SettingsSaveError, load_settings, save_user_settings

USER_FILE = """# my settings
[calldesk]
username = "1001"
cti_port = 7400
disposition_codes = ["resolved", "callback_needed"]

[calldesk.dnis_names]
"4008123456" = "品牌服务热线"

[other_tool]
colour = "blue"
"""


def _load(path: Path):
    return load_settings(config_file=path, env={}, defaults_file=path.parent / "none.toml")


def test_saving_changes_the_given_keys_and_keeps_every_other(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    save_user_settings(
        {"central_url": "https://crm.example.cn", "cti_port": 7410, "detail_window_days": 90}, path
    )
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["other_tool"] == {"colour": "blue"}
    assert data["calldesk"]["username"] == "1001"
    assert data["calldesk"]["dnis_names"] == {"4008123456": "品牌服务热线"}
    settings = _load(path)
    assert settings.problems == ()
    assert (settings.central_url, settings.cti_port, settings.detail_window_days) == (
        "https://crm.example.cn",
        7410,
        90,
    )
    assert settings.disposition_codes == ("resolved", "callback_needed")
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary file left


def test_a_flat_file_stays_flat_and_a_missing_one_is_created(tmp_path):
    flat = tmp_path / "flat.toml"
    flat.write_text('language = "en"\nwrapup_seconds = 45\n', encoding="utf-8")
    save_user_settings({"cti_host": "::1"}, flat)
    assert tomllib.loads(flat.read_text(encoding="utf-8")) == {
        "language": "en",
        "wrapup_seconds": 45,
        "cti_host": "::1",
    }
    fresh = tmp_path / "sub" / "config.toml"
    save_user_settings({"language": "en"}, fresh)
    assert _load(fresh).language == "en"


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"central_url": "ftp://crm"}, "central_url"),
        ({"cti_port": 70000}, "cti_port"),
        ({"cti_host": "0.0.0.0"}, "cti_host"),
        ({"detail_window_days": 0}, "detail_window_days"),
        ({"language": "fr"}, "language"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_value_is_refused_and_nothing_is_written(tmp_path, changes, key):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    with pytest.raises(SettingsSaveError) as caught:
        save_user_settings({"language": "en", **changes}, path)
    assert caught.value.key == key
    assert path.read_text(encoding="utf-8") == USER_FILE


def test_an_unreadable_existing_file_is_not_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("cti_port = [unclosed\n", encoding="utf-8")
    with pytest.raises(SettingsSaveError, match="cannot be read"):
        save_user_settings({"language": "en"}, path)
    assert path.read_text(encoding="utf-8") == "cti_port = [unclosed\n"


def test_the_admins_comments_and_layout_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = (
        "# CallDesk settings, managed by IT (ticket 4711)\n"
        "[calldesk]\n"
        "# the Shanghai CRM cluster\n"
        'central_url = "https://crm.example.cn"\n'
        "cti_port = 7390  # fixed by the softphone plug-in\n"
        "\n"
        "[calldesk.dnis_names]\n"
        '"4008123456" = "品牌服务热线"\n'
    )
    path.write_text(original, encoding="utf-8")
    save_user_settings({"detail_window_days": 90, "language": "en"}, path)
    text = path.read_text(encoding="utf-8")
    for kept in (
        "# CallDesk settings, managed by IT (ticket 4711)",
        "# the Shanghai CRM cluster",
        "cti_port = 7390  # fixed by the softphone plug-in",
        '"4008123456" = "品牌服务热线"',
    ):
        assert kept in text
    data = tomllib.loads(text)["calldesk"]
    assert data["detail_window_days"] == 90 and data["language"] == "en"
    assert data["dnis_names"] == {"4008123456": "品牌服务热线"}
