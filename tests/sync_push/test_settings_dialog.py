"""File > Settings… in the running desktop (real central API on loopback, real cache file,
real widgets driven with qtbot): figures, saving, refusing bad input, Rebuild cache with unsent
writes and while offline, and Sync > Conflicts… with its count."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from desktop.cache.outbox import new_id
from desktop.config import Settings, load_settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.customers import customer_record, validate_new_customer
from desktop.views.conflicts_dialog import ConflictsDialog
from desktop.views.settings_dialog import SettingsDialog

CONFIG = (
    '[calldesk]\nusername = "1001"\nwrapup_seconds = 45\n\n[calldesk.dnis_names]\n"4008123456" = "热线"\n'
)


async def _eventually(condition, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _runtime(central, tmp_path: Path, qtbot) -> DesktopApp:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    api = CentralApi(central.url, max_retries=0, timeout=3)
    session = await api.login("1001", "demo")
    settings = Settings(
        central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0, language="en"
    )
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16), config_file=config)
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=True)
    await _eventually(lambda: runtime.sync.connectivity.state == "online")
    runtime.sync.connectivity.interval_s = 3600  # no background cycle unless a test kicks one
    return runtime


def _open_settings(runtime) -> SettingsDialog:
    runtime.window.settings_action.trigger()  # File > Settings…
    dialog = runtime.settings_desk.dialog
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    return dialog


def _save_button(dialog: SettingsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def _count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


async def test_settings_opens_from_the_file_menu_with_the_real_cache_figures(
    seeded_central_sqlite, tmp_path, qtbot
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    try:
        assert runtime.window.settings_action in runtime.window.file_menu.actions()
        assert runtime.window.settings_action.shortcut() == QKeySequence("Ctrl+,")
        runtime.store.write_local("note", {"id": new_id(), "customer_id": "C0000001", "text": "未发送"})
        with qtbot.waitSignal(runtime.window.settingsRequested, timeout=2000):
            qtbot.keyClick(runtime.window.card, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        dialog = runtime.settings_desk.dialog
        assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
        path = tmp_path / "cache.sqlite3"
        size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        customers = _count(path, "SELECT count(*) FROM customers")
        assert customers == 300
        assert dialog.path_value.text() == str(path)
        assert dialog.customers_value.text().replace(",", "") == str(customers)
        assert dialog.orders_value.text().replace(",", "") == str(_count(path, "SELECT count(*) FROM orders"))
        assert dialog.pending_value.text() == "1"
        assert dialog.conflicts_value.text() == "0"
        number, unit = dialog.size_value.text().split()
        shown = float(number) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]
        assert abs(shown - size) <= 0.05 * size  # one decimal of the unit shown
        assert dialog.last_sync_value.text()[:4].isdigit()  # a time, not "not yet"
        assert dialog.url_edit.text() == seeded_central_sqlite.url
        dialog.reject()
    finally:
        await runtime.stop()


async def test_a_changed_setting_is_saved_and_reloaded_keeping_the_other_keys(
    seeded_central_sqlite, tmp_path, qtbot
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    languages: list[str] = []
    runtime.window.languageChangeRequested.connect(languages.append)
    try:
        dialog = _open_settings(runtime)
        dialog.url_edit.clear()
        qtbot.keyClicks(dialog.url_edit, "https://crm.example.cn:8443")
        dialog.days_spin.setValue(90)
        dialog.port_spin.setValue(7411)
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("zh_CN"))
        qtbot.mouseClick(_save_button(dialog), Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
        config = tmp_path / "config.toml"
        reloaded = load_settings(config_file=config, env={}, defaults_file=tmp_path / "none.toml")
        assert reloaded.problems == ()
        assert (reloaded.central_url, reloaded.detail_window_days, reloaded.cti_port, reloaded.language) == (
            "https://crm.example.cn:8443",
            90,
            7411,
            "zh_CN",
        )
        data = tomllib.loads(config.read_text(encoding="utf-8"))["calldesk"]
        assert (
            data["username"] == "1001"
            and data["wrapup_seconds"] == 45
            and data["dnis_names"] == {"4008123456": "热线"}
        )
        assert runtime.settings.detail_window_days == 90
        assert languages == ["zh_CN"]  # the language is applied at once
        again = _open_settings(runtime)  # the dialog shows the saved values
        assert again.days_spin.value() == 90 and again.url_edit.text() == "https://crm.example.cn:8443"
        again.reject()
    finally:
        await runtime.stop()


@pytest.mark.parametrize(
    "url", ["crm.example.cn", "ftp://crm.example.cn", "https://", "http://crm:99999", "http://a b"]
)
async def test_invalid_input_is_refused_with_a_message_and_nothing_written(
    seeded_central_sqlite, tmp_path, qtbot, url
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    try:
        config = tmp_path / "config.toml"
        before = config.read_bytes(), os.stat(config).st_mtime_ns
        dialog = _open_settings(runtime)
        dialog.url_edit.setText(url)
        dialog.days_spin.setValue(30)
        qtbot.mouseClick(_save_button(dialog), Qt.MouseButton.LeftButton)
        assert dialog.isVisible()
        assert dialog.error_label.isVisible() and "http:// or https://" in dialog.error_label.text()
        assert (config.read_bytes(), os.stat(config).st_mtime_ns) == before
        dialog.reject()
    finally:
        await runtime.stop()


async def test_an_unreadable_settings_file_is_not_overwritten(seeded_central_sqlite, tmp_path, qtbot):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    try:
        config = tmp_path / "config.toml"
        config.write_text("username = [broken\n", encoding="utf-8")
        dialog = _open_settings(runtime)
        dialog.days_spin.setValue(30)
        qtbot.mouseClick(_save_button(dialog), Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and "not saved" in dialog.error_label.text()
        assert config.read_text(encoding="utf-8") == "username = [broken\n"
        dialog.reject()
    finally:
        await runtime.stop()


def _confirm_rebuild(dialog: SettingsDialog, qtbot) -> None:
    qtbot.mouseClick(dialog.rebuild_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    [rebuild] = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
    qtbot.mouseClick(rebuild, Qt.MouseButton.LeftButton)


async def test_rebuild_from_the_dialog_keeps_unsent_writes_and_pushes_them_once(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    runtime = await _runtime(central, tmp_path, qtbot)
    try:
        store = runtime.store
        new = customer_record(validate_new_customer("设置 重建", "13900001111"))
        store.write_local("customer", new)
        note_id = new_id()
        store.write_local("note", {"id": note_id, "customer_id": "C0000001", "text": "重建后发送"})
        assert store.outbox_count() == 2
        dialog = _open_settings(runtime)
        assert dialog.pending_value.text() == "2"
        qtbot.mouseClick(dialog.rebuild_button, Qt.MouseButton.LeftButton)
        assert "Your 2 unsent change(s)" in dialog.confirm_box.text()
        dialog.confirm_box.reject()
        await _eventually(lambda: dialog.confirm_box is None)
        assert runtime.settings_desk.rebuild_task is None  # Cancel deletes nothing

        _confirm_rebuild(dialog, qtbot)
        task = runtime.settings_desk.rebuild_task
        await _eventually(lambda: runtime.settings_desk.sync_dialog is not None)
        progress = runtime.settings_desk.sync_dialog
        assert progress.isVisible() and "Rebuilding" in progress.title.text()
        result = await task
        assert result.complete and result.kept_pending == 2
        assert f"Sync complete: {result.sync.applied:,} changes" in progress.explain.text()
        await _eventually(lambda: store.outbox_count() == 0)  # background sync resumed and pushed
        assert [
            r[0]
            for r in central._rows(
                "SELECT version FROM change_log WHERE entity_id IN (:a, :b)", a=new["id"], b=note_id
            )
        ] == [1, 1]
        assert dialog.customers_value.text() == "301" and dialog.rebuild_button.isEnabled()
        dialog.refresh_figures()
        assert dialog.pending_value.text() == "0"
        assert store.pop_card(new["id"]) is not None
        progress.accept()
        dialog.reject()
    finally:
        await runtime.stop()


async def test_rebuild_while_the_server_is_unreachable_is_refused_and_deletes_nothing(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    runtime = await _runtime(central, tmp_path, qtbot)
    try:
        store = runtime.store
        store.write_local("note", {"id": new_id(), "customer_id": "C0000001", "text": "离线"})
        before = store.counts(), store.last_seq()
        central.server.stop()  # the CRM server goes away
        dialog = _open_settings(runtime)
        _confirm_rebuild(dialog, qtbot)
        assert await runtime.settings_desk.rebuild_task is None
        message = runtime.settings_desk.message_box
        assert message is not None and message.isVisible()
        assert "cannot be reached" in message.text() and "Nothing was deleted" in message.text()
        assert (store.counts(), store.last_seq()) == before
        assert runtime.settings_desk.sync_dialog is None
        message.accept()
        dialog.reject()
    finally:
        await runtime.stop()


async def test_the_sync_menu_lists_conflicts_with_their_count_and_opens_them(
    seeded_central_sqlite, tmp_path, qtbot
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    try:
        window = runtime.window
        assert window.conflicts_action in window.sync_menu.actions()
        assert window.sync_now_action in window.sync_menu.actions()
        assert window.conflicts_action.text().endswith("(0)")
        # A note the server refuses (text too long) becomes a conflict-list entry.
        runtime.store.write_local("note", {"id": new_id(), "customer_id": "C0000001", "text": "长" * 5000})
        window.sync_now_action.trigger()  # Sync > Sync now
        await _eventually(lambda: window.conflicts_action.text().endswith("(1)"))
        assert window.conflict_count() == 1 == len(runtime.store.conflicts())
        window.conflicts_action.trigger()
        await _eventually(lambda: runtime.sync.conflicts_dialog is not None)
        dialogs = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, ConflictsDialog) and w.isVisible()
        ]
        assert len(dialogs) == 1 and dialogs[0].list.rowCount() == 1
        dialogs[0].list.selectRow(0)
        qtbot.mouseClick(dialogs[0].dismiss_button, Qt.MouseButton.LeftButton)
        await _eventually(lambda: window.conflicts_action.text().endswith("(0)"))
        assert runtime.session.conflict_count == 0
        dialogs[0].close()
    finally:
        await runtime.stop()


async def test_rebuild_started_during_a_background_cycle_ends_complete_and_exactly_once(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    runtime = await _runtime(central, tmp_path, qtbot)
    try:
        store = runtime.store
        ids = []
        for i in range(20):
            new = customer_record(validate_new_customer(f"并发 {i}", f"1390000{i:04d}"))
            store.write_local("customer", new)
            ids.append(new["id"])
        dialog = _open_settings(runtime)
        runtime.sync.connectivity.kick()  # a push + pull is under way when the rebuild pauses it
        _confirm_rebuild(dialog, qtbot)
        result = await runtime.settings_desk.rebuild_task
        assert result is not None and result.complete
        await _eventually(lambda: store.outbox_count() == 0)
        await _eventually(lambda: runtime.sync.connectivity.state == "online")
        runtime.sync.connectivity.kick()  # one more pull after the push
        await _eventually(lambda: store.last_seq() == central.max_seq())
        # the rebuild bootstrapped to its end (a windowed bootstrap never claims feed_complete)
        assert store.bootstrap_state().get("bootstrap_phase") == "done"
        versions = central._rows(
            "SELECT entity_id, version FROM change_log WHERE entity = 'customer' AND entity_id IN ("
            + ", ".join(f"'{i}'" for i in ids)
            + ")"
        )
        assert sorted(versions) == sorted((i, 1) for i in ids)
        assert _count(tmp_path / "cache.sqlite3", "SELECT count(*) FROM customers") == 320
        runtime.settings_desk.sync_dialog.accept()
        dialog.reject()
    finally:
        await runtime.stop()


async def test_the_view_menu_language_is_saved_too(seeded_central_sqlite, tmp_path, qtbot):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    try:
        [chinese] = [a for a in runtime.window.language_menu.actions() if a.data() == "zh_CN"]
        chinese.trigger()
        config = tmp_path / "config.toml"
        reloaded = load_settings(config_file=config, env={}, defaults_file=tmp_path / "none.toml")
        assert reloaded.language == "zh_CN" and reloaded.username == "1001"
        assert runtime.settings.language == "zh_CN"
        assert _open_settings(runtime).language_combo.currentData() == "zh_CN"
        runtime.settings_desk.dialog.reject()
    finally:
        await runtime.stop()
