"""Settings > CTI in the running desktop (real central API on loopback, real widgets driven with
qtbot): the local socket's token is shown read-only and copied with Copy; the CTI source and the
bridge's address, TLS and CA file are saved to the user's file; a bad bridge address is refused
with a message and nothing is written."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop.config import DEFAULT_BRIDGE_PORT, Settings, bridge_address, load_settings, validated_changes
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.views.settings_dialog import SettingsDialog


async def _runtime(central: Any, tmp_path: Path, qtbot: Any) -> tuple[DesktopApp, Path]:
    config = tmp_path / "config.toml"
    config.write_text('[calldesk]\nusername = "1001"\n', encoding="utf-8")
    api = CentralApi(central.url, max_retries=0, timeout=3)
    session = await api.login("1001", "demo")
    settings = Settings(
        central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0, language="en"
    )
    runtime = DesktopApp(settings, api, session, cti_token="tok-for-local-tools", config_file=config)
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=False)
    return runtime, config


def _open(runtime: DesktopApp) -> SettingsDialog:
    runtime.window.settings_action.trigger()
    dialog = runtime.settings_desk.dialog
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    return dialog


def _save(dialog: SettingsDialog) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


async def test_cti_settings_show_the_token_and_save_the_bridge(
    seeded_central_sqlite: Any, tmp_path: Path, qtbot: Any
) -> None:
    runtime, config = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    try:
        dialog = _open(runtime)
        cti = dialog.cti_group
        assert cti.token_edit.text() == "tok-for-local-tools" and cti.token_edit.isReadOnly()
        qtbot.mouseClick(cti.copy_button, Qt.MouseButton.LeftButton)
        assert QApplication.clipboard().text() == "tok-for-local-tools"
        assert not cti.bridge_edit.isEnabled()  # local source: bridge fields are off
        cti.source_combo.setCurrentIndex(cti.source_combo.findData("bridge"))
        assert cti.bridge_edit.isEnabled() and cti.tls_check.isChecked()
        cti.bridge_edit.setText("bridge host:5013")
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
        assert dialog.isVisible() and "cti_bridge_address" in dialog.error_label.text()
        assert "cti_source" not in config.read_text(encoding="utf-8")  # nothing written
        cti.bridge_edit.setText("cti.example.cn")
        qtbot.mouseClick(cti.tls_check, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
        assert not dialog.isVisible()
        saved = tomllib.loads(config.read_text(encoding="utf-8"))["calldesk"]
        assert saved["cti_source"] == "bridge" and saved["cti_bridge_address"] == "cti.example.cn"
        assert saved["cti_bridge_tls"] is False
        loaded = load_settings(config, env={})
        assert (loaded.cti_source, loaded.cti_bridge_tls, loaded.problems) == ("bridge", False, ())
    finally:
        await runtime.stop()


def test_bad_cti_source_values_are_refused_with_a_reason(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[calldesk]\ncti_source = "pbx"\ncti_bridge_address = "[::1]:99999"\ncti_bridge_tls = "maybe"\n',
        encoding="utf-8",
    )
    loaded = load_settings(config, env={})
    assert (loaded.cti_source, loaded.cti_bridge_address, loaded.cti_bridge_tls) == ("local", "", True)
    assert len(loaded.problems) == 3 and any("99999" in p for p in loaded.problems)
    assert bridge_address("[::1]") == ("::1", DEFAULT_BRIDGE_PORT)
    assert validated_changes({"cti_bridge_address": "10.0.0.9:6000"}) == {
        "cti_bridge_address": "10.0.0.9:6000"
    }


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_bridge_address_text_parses_or_says_why(text: str) -> None:
    try:
        host, port = bridge_address(text)
    except ValueError as exc:
        assert str(exc)
        return
    assert host and " " not in host and 1 <= port <= 65535
