"""Settings > Calls in the running desktop (real central API on loopback, real cache file, real
widgets driven with qtbot): the default phone region, the pause reasons and the wrap-up times are
saved to the user's file, reloaded, and used at once by the search, the agent-state box, the
`calldesk agent pause --reason` check and the wrap-up countdown; bad values are refused."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from calldesk_domain.phone import check_region, normalize
from desktop.config import Settings, load_settings, validated_changes
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.handoff import HandoffServer, validate
from desktop.views.settings_dialog import SettingsDialog


async def _runtime(central, tmp_path: Path, qtbot) -> DesktopApp:
    config = tmp_path / "config.toml"
    config.write_text('[calldesk]\nusername = "1001"\n', encoding="utf-8")
    api = CentralApi(central.url, max_retries=0, timeout=3)
    login = await api.login("1001", "demo")
    runtime = DesktopApp(
        Settings(
            central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0, language="en"
        ),
        api,
        login,
        cti_token=secrets.token_urlsafe(16),
        config_file=config,
        handoff=HandoffServer(name=f"calldesk-test-{uuid.uuid4().hex[:8]}"),
    )
    qtbot.addWidget(runtime.window)
    runtime.sync.start_background = lambda: None  # type: ignore[method-assign]
    await runtime.start(initial_sync=True)
    return runtime


def _open(runtime: DesktopApp) -> SettingsDialog:
    runtime.window.settings_action.trigger()
    dialog = runtime.settings_desk.dialog
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    return dialog


async def _agent_request(runtime: DesktopApp, reason: str) -> tuple[bool, str]:
    answer: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
    handler = runtime.handoff._command_handler  # type: ignore[union-attr]
    assert handler is not None
    handler(
        {"cmd": "agent", "state": "pause", "reason": reason}, lambda ok, msg: answer.set_result((ok, msg))
    )
    return await asyncio.wait_for(answer, 10)


async def test_region_reasons_and_wrapup_are_saved_reloaded_and_used_at_once(
    seeded_central_sqlite, tmp_path, qtbot
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    try:
        ok, message = await _agent_request(runtime, "coaching")
        assert not ok and "unknown reason" in message  # not configured yet
        dialog = _open(runtime)
        work = dialog.work_group
        work.region_combo.setCurrentIndex(work.region_combo.findData("HK"))
        work.reasons_edit.clear()
        qtbot.keyClicks(work.reasons_edit, "break, lunch, coaching")
        work.wrapup_spin.setValue(20)
        qtbot.keyClicks(work.queues_edit, "vip=60, support=45")
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
        assert not dialog.isVisible()

        reloaded = load_settings(
            config_file=tmp_path / "config.toml", env={}, defaults_file=tmp_path / "x.toml"
        )
        assert reloaded.problems == ()
        assert reloaded.phone_region == "HK"
        assert reloaded.pause_reasons == ("break", "lunch", "coaching")
        assert (reloaded.wrapup_seconds, reloaded.wrapup_queue_seconds) == (20, {"vip": 60, "support": 45})

        # used at once: the lookup reads an 8-digit number as Hong Kong's, the box offers the reasons
        assert runtime.lookup.region == "HK"
        assert normalize("2123 4567", runtime.lookup.region) == "+85221234567"
        assert runtime.agent.box.reason_codes() == ["break", "lunch", "coaching", "acw"]
        assert runtime.calls.policy.seconds_for("vip") == 60
        assert runtime.calls.policy.seconds_for("sales") == 20
        ok, message = await _agent_request(runtime, "coaching")
        assert "unknown reason" not in message  # accepted by the check; the PBX part is the CTI's
        ok, message = await _agent_request(runtime, "nap")
        assert not ok and "unknown reason" in message
        again = _open(runtime)
        assert again.work_group.region_combo.currentText() == "HK"
        assert again.work_group.queues_edit.text() == "vip=60, support=45"
        again.reject()
    finally:
        await runtime.stop()


@pytest.mark.parametrize(
    ("field", "text"),
    [("region", "XX"), ("reasons", "Break Time"), ("queues", "vip=sixty"), ("queues", "vip=99999")],
)
async def test_bad_values_are_refused_with_a_message_and_nothing_written(
    seeded_central_sqlite, tmp_path, qtbot, field, text
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    config = tmp_path / "config.toml"
    before = config.read_text(encoding="utf-8")
    try:
        dialog = _open(runtime)
        work = dialog.work_group
        target = {
            "region": work.region_combo.lineEdit(),
            "reasons": work.reasons_edit,
            "queues": work.queues_edit,
        }[field]
        assert target is not None
        target.clear()
        qtbot.keyClicks(target, text)
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
        assert dialog.isVisible()
        assert dialog.error_label.text().startswith("The settings were not saved")
        assert config.read_text(encoding="utf-8") == before
        assert runtime.lookup.region == "CN"
        dialog.reject()
    finally:
        await runtime.stop()


def test_a_tel_uri_is_read_in_the_configured_region() -> None:
    assert validate({"cmd": "dial", "uri": "tel:21234567"}, "HK") == {"cmd": "dial", "number": "+85221234567"}
    assert validate({"cmd": "dial", "uri": "tel:13800138000"}) == {"cmd": "dial", "number": "+8613800138000"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=8))
def test_any_region_text_is_a_known_code_or_a_clear_error(text: str) -> None:
    try:
        region = check_region(text)
    except ValueError as exc:
        assert "region code" in str(exc)
        return
    assert validated_changes({"phone_region": text}) == {"phone_region": region}
