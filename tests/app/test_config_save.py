"""Saving the user's settings file: validated, atomic, and nothing else in the file is lost."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop import toml_text
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


_keys = st.text(min_size=1, max_size=8)
_scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
    max_leaves=10,
)


@given(st.dictionaries(_keys, _values, max_size=6))
def test_toml_text_round_trips_through_tomllib(data):
    assert tomllib.loads(toml_text.dumps(data)) == data
