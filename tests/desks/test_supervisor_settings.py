"""`[supervisor]` from the settings files to the supervisor desk: read beside or inside
`[calldesk]`, a table that is not one refused, and any table at all read without raising (bad
entries named, defaults kept)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.config import Settings, load_settings
from desktop.desks.supervisor_desk import supervisor_settings


def _load(tmp_path: Path, text: str) -> Settings:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    defaults = tmp_path / "defaults.toml"
    defaults.write_text("", encoding="utf-8")
    return load_settings(config_file=config, env={"CALLDESK_SUPERVISOR": "x"}, defaults_file=defaults)


def test_supervisor_table_at_the_top_level(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        'language = "en"\n[supervisor]\nsl_threshold_s = 30\nteams = { "1001" = "East" }\n'
        "[supervisor.thresholds]\nwaiting = { warning = 2, alarm = 4 }\n",
    )
    assert loaded.problems == ()  # the environment cannot set the table
    config = supervisor_settings(loaded)
    assert (config.sl_threshold_s, config.teams) == (30.0, {"1001": "East"})
    assert (config.thresholds.waiting.warning, config.thresholds.waiting.alarm) == (2, 4)
    assert config.problems == ()


def test_supervisor_table_beside_a_calldesk_section(tmp_path: Path) -> None:
    loaded = _load(tmp_path, '[calldesk]\nlanguage = "en"\n[supervisor]\nteams = { "1002" = "West" }\n')
    assert supervisor_settings(loaded).teams == {"1002": "West"} and loaded.language == "en"


def test_supervisor_that_is_not_a_table_is_refused_and_named(tmp_path: Path) -> None:
    loaded = _load(tmp_path, 'supervisor = "yes"\n')
    assert loaded.supervisor == {}
    assert any("supervisor" in problem for problem in loaded.problems)


toml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["sl_threshold_s", "teams", "thresholds", "other"]), toml_values, max_size=4
    ),
    st.text(max_size=20),
)
def test_any_supervisor_table_is_read_without_raising(table: dict, zone: str) -> None:
    config = supervisor_settings(Settings(timezone=zone, supervisor=table))
    assert 0 < config.sl_threshold_s <= 3600
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in config.teams.items())
    assert config.zone is not None
