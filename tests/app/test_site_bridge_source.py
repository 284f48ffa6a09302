"""An MSI-set CTI bridge (HKLM CtiBridge, the machine default) makes the bridge the CTI source
unless some layer chose one: through the real config layer (load_settings, the registry mapping,
the user's file as the Settings dialog saves it, the environment)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from desktop.config import load_settings, save_user_settings
from desktop.machine_defaults import machine_settings


def _load(tmp: Path, registry: dict[str, object], env: dict[str, str] | None = None, user: str = ""):
    config = tmp / "config.toml"
    if user:
        config.write_text(user, encoding="utf-8")
    return load_settings(
        config_file=config,
        env=env or {},
        defaults_file=tmp / "no-defaults.toml",
        machine_values=machine_settings(lambda: registry),
    )


def test_an_msi_bridge_switches_the_source_to_the_bridge(tmp_path: Path) -> None:
    settings = _load(tmp_path, {"ServerUrl": "https://crm.example", "CtiBridge": "cti.example:7391"})
    assert (settings.cti_source, settings.cti_bridge) == ("bridge", "cti.example:7391")
    assert settings.problems == ()


def test_without_a_site_bridge_the_source_stays_local(tmp_path: Path) -> None:
    for registry in ({}, {"CtiBridge": "none"}, {"CtiBridge": "  "}, {"ServerUrl": "https://crm.example"}):
        assert _load(tmp_path, registry).cti_source == "local", registry


def test_a_bad_msi_bridge_is_reported_and_does_not_switch(tmp_path: Path) -> None:
    settings = _load(tmp_path, {"CtiBridge": "no port here"})
    assert (settings.cti_source, settings.cti_bridge) == ("local", "")
    assert len(settings.problems) == 1 and "machine defaults" in settings.problems[0]


def test_the_users_choice_wins_over_the_msi_bridge(tmp_path: Path) -> None:
    registry = {"CtiBridge": "cti.example:7391"}
    # the agent picked "Local CTI socket" in Settings: the dialog saves the change to the user file
    save_user_settings({"cti_source": "local"}, tmp_path / "config.toml")
    assert _load(tmp_path, registry).cti_source == "local"
    # the environment chooses too
    (tmp_path / "config.toml").unlink()
    assert _load(tmp_path, registry, env={"CALLDESK_CTI_SOURCE": "local"}).cti_source == "local"
    # an admin's defaults.toml beside the executable is a choice as well
    defaults = tmp_path / "defaults.toml"
    defaults.write_text('cti_source = "local"\n', encoding="utf-8")
    settings = load_settings(
        config_file=tmp_path / "none.toml",
        env={},
        defaults_file=defaults,
        machine_values=machine_settings(lambda: registry),
    )
    assert settings.cti_source == "local"


def test_a_refused_source_in_the_users_file_is_no_choice(tmp_path: Path) -> None:
    settings = _load(tmp_path, {"CtiBridge": "cti.example:7391"}, user='cti_source = "pigeon"\n')
    assert settings.cti_source == "bridge"
    assert any("cti_source" in p for p in settings.problems)


def test_the_users_own_bridge_address_keeps_the_bridge_source(tmp_path: Path) -> None:
    settings = _load(
        tmp_path, {"CtiBridge": "cti.example:7391"}, user='cti_bridge_address = "cti2.example:5013"\n'
    )
    assert (settings.cti_source, settings.cti_bridge_address) == ("bridge", "cti2.example:5013")


@hyp_settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=60), st.integers(), st.none()))
def test_any_registry_value_loads_and_switches_only_for_a_usable_bridge(value: object) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        registry = {} if value is None else {"CtiBridge": value}
        settings = _load(Path(tmp), registry)
    assert settings.cti_source == ("bridge" if settings.cti_bridge else "local")
