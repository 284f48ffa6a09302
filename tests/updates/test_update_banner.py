"""The update banner: real widget, real clicks, both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.services.update_check import UpdateNotice
from desktop.views.i18n import install_translator
from desktop.views.update_banner import UpdateBanner

AVAILABLE = UpdateNotice("available", "0.1.0", "0.2.0", "https://it.example/calldesk-0.2.0.msi")
REQUIRED = UpdateNotice("required", "0.1.0", "1.0.0", "", "本周五前完成")


@pytest.fixture
def banner(qtbot, qapp):
    install_translator(qapp, "en")
    widget = UpdateBanner()
    qtbot.addWidget(widget)
    yield widget
    install_translator(qapp, "en")


def test_available_update_can_be_fetched_or_dismissed(banner, qtbot):
    banner.show_notice(AVAILABLE)
    assert banner.isVisible() and "0.2.0" in banner.label.text() and "0.1.0" in banner.label.text()
    with qtbot.waitSignal(banner.downloadRequested) as signal:
        qtbot.mouseClick(banner.get_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["https://it.example/calldesk-0.2.0.msi"]
    qtbot.mouseClick(banner.close_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()


def test_required_update_stays_and_says_so(banner):
    banner.show_notice(REQUIRED)
    assert banner.isVisible()
    assert banner.close_button.isHidden() and banner.get_button.isHidden()
    assert "required" in banner.label.text() and "本周五前完成" in banner.label.text()
    banner.show_notice(UpdateNotice("none", "1.0.0"))
    assert not banner.isVisible()


def test_chinese_text_and_layout_at_1366(qtbot, qapp, tmp_path: Path):
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    banner = UpdateBanner(window)
    layout.addWidget(banner)
    layout.addStretch(1)
    banner.show_notice(REQUIRED)
    try:
        assert install_translator(qapp, "zh_CN")
        qapp.processEvents()
        assert "必须升级" in banner.label.text() and banner.get_button.isHidden()
        window.resize(1366, 768)
        window.show()
        qapp.processEvents()
        assert banner.label.width() > 600
        assert window.grab().save(str(tmp_path / "update_banner_zh_CN.png"))
        banner.show_notice(AVAILABLE)
        qapp.processEvents()
        assert banner.get_button.text() == "获取" and "已发布" in banner.label.text()
        assert window.grab().save(str(tmp_path / "update_banner_available_zh_CN.png"))
    finally:
        install_translator(qapp, "en")
