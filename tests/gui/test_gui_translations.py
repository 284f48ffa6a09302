"""zh_CN is a first-class language: every view string translated, the .qm built from the .ts, and
switching language at runtime re-translates what is on screen."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTranslator
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QAbstractButton, QLabel

from calldesk_domain.call_controls import CallPhase
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.main_window import MainWindow
from desktop.views.paths import translations_dir
from desktop.views.sample_data import sample_detail, sample_pop

ROOT = Path(__file__).resolve().parents[2]


def _load_build_script():
    spec = importlib.util.spec_from_file_location(
        "build_translations", ROOT / "scripts" / "build_translations.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


build = _load_build_script()
TS = build.ts_path("zh_CN")
QM = build.qm_path("zh_CN")


@pytest.fixture(scope="module")
def fresh_ts(tmp_path_factory) -> Path:
    """lupdate run now over the views, merged into a copy of the committed .ts."""
    target = tmp_path_factory.mktemp("ts") / TS.name
    shutil.copyfile(TS, target)
    build.run_lupdate(target, "zh_CN")
    return target


def _keys(messages) -> set[tuple[str, str, str]]:
    return {(m.context, m.source, m.comment) for m in messages}


def test_every_view_string_has_a_finished_zh_cn_translation(fresh_ts):
    messages = build.parse_ts(fresh_ts)
    assert len(messages) > 100
    missing = [f"[{m.context}] {m.source!r}" for m in build.untranslated(messages)]
    assert missing == [], "run scripts/build_translations.py and translate:\n" + "\n".join(missing)


def test_committed_ts_is_what_lupdate_extracts_now(fresh_ts):
    committed = _keys(build.parse_ts(TS))
    extracted = _keys(build.parse_ts(fresh_ts))
    assert extracted - committed == set(), "new strings: run scripts/build_translations.py"
    assert committed - extracted == set(), "vanished strings: run scripts/build_translations.py"


def test_qm_holds_every_translation_of_the_ts():
    translator = QTranslator()
    assert translator.load(str(QM)), f"{QM} missing or unreadable"
    stale = []
    for m in build.parse_ts(TS):
        got = translator.translate(m.context, m.source, m.comment or None)
        if got != m.translation:
            stale.append(f"[{m.context}] {m.source!r}: qm={got!r} ts={m.translation!r}")
    assert stale == [], "the .qm is out of date: run scripts/build_translations.py\n" + "\n".join(stale)


def test_qm_is_byte_identical_to_a_fresh_lrelease(tmp_path):
    fresh = tmp_path / QM.name
    build.run_lrelease(TS, fresh)
    assert fresh.read_bytes() == QM.read_bytes(), "the .qm was not rebuilt after the .ts changed"


def test_translations_keep_their_placeholders():
    for m in build.parse_ts(TS):
        assert sorted(re.findall(r"%\d", m.source)) == sorted(re.findall(r"%\d", m.translation)), m.source
        if "&" in m.source.replace("&&", ""):
            assert "&" in m.translation, f"menu accelerator lost in {m.source!r}"


def test_unknown_language_stays_english(qapp):
    assert install_translator(qapp, "xx_YY") is False
    window = MainWindow()
    try:
        assert window.windowTitle() == "CallDesk — Agent desktop"
    finally:
        window.deleteLater()
    assert install_translator(qapp, "en") is True
    assert (translations_dir() / "calldesk_zh_CN.qm").is_file()


def _visible_texts(window: MainWindow) -> list[str]:
    texts = [w.text() for w in window.findChildren(QLabel) if w.isVisible() and w.text()]
    texts += [w.text() for w in window.findChildren(QAbstractButton) if w.isVisible() and w.text()]
    texts += [m.title() for m in (window.file_menu, window.call_menu, window.view_menu, window.help_menu)]
    card = window.card
    texts += card.tab_titles()
    for model in (card._orders_tab.model, card._points_tab.model, window.recent_calls.model):
        texts += [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        texts += [
            model.index(r, c).data() or ""
            for r in range(model.rowCount())
            for c in range(model.columnCount())
        ]
    return texts


def _populate(window: MainWindow) -> None:
    detail = sample_detail(orders=8)
    window.card.show_pop(sample_pop(detail), masked=True)
    window.card.show_detail(detail, masked=True, stale=True)
    window.show_call("138****5678", "品牌服务热线", "售后", time.time() - 30)
    window.add_recent_call("c1", "139****4321", "李建国", time.time(), "answered", customer_id="C2")
    window.set_connection_state("syncing")
    window.set_cti_state(True, "127.0.0.1:5070")
    window.set_sync_progress(100, 900, 75)


def test_runtime_switch_retranslates_visible_labels(qapp, qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    _populate(window)
    assert window.card.tab_titles()[0] == "Orders (8)"
    assert install_translator(qapp, "zh_CN")
    qtbot.waitUntil(lambda: window.card.tab_titles()[0] == "订单 (8)", timeout=2000)
    assert window.windowTitle() == "CallDesk — 坐席工作台"
    assert window.card._tier.text() == "高端"
    assert window.card.churn_warning_text().startswith("流失风险 78%")
    assert window.card._stale.text() == "缓存数据，可能不是最新（离线）"
    assert window.card._orders_tab.model.headerData(0, Qt.Orientation.Horizontal) == "订单号"
    assert window.card._orders_tab.model.index(0, 2).data() == "已发货"
    assert window.recent_calls._title.text() == "今日来电（1）"
    assert window.status.connection_label.text() == "● 正在同步…"
    assert window.status.sync_text() == "同步 100 / 1,000 · 约剩 1 分 15 秒"
    assert window.call_bar._state.text() == "通话中"
    window.set_call_phase(CallPhase.HELD)
    assert window.call_bar.phase_text() == "保持中"
    window.set_call_phase(CallPhase.TALKING)
    assert window.file_menu.title() == "文件(&F)"

    install_translator(qapp, "en")
    qtbot.waitUntil(lambda: window.card.tab_titles()[0] == "Orders (8)", timeout=2000)
    assert window.card._tier.text() == "High-end"
    assert window.status.sync_text().startswith("Sync 100 / 1,000")


# Source strings are English; data (names, products, campaigns) is Chinese. In zh_CN nothing on screen may
# still read as an English phrase: that catches strings that bypass lupdate or use the wrong context.
_ENGLISH_PHRASE = re.compile(r"[A-Za-z]{3,}[ ,:.]+[A-Za-z]{2,}")
_ALLOWED = re.compile(r"CallDesk|CRM|CTI|Ctrl|Pro\b|App\b|X20|AP-\d+|https?://")


def test_nothing_on_screen_stays_english_in_zh_cn(qapp, qtbot):
    assert install_translator(qapp, "zh_CN")
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    _populate(window)
    leftovers = [t for t in _visible_texts(window) if _ENGLISH_PHRASE.search(_ALLOWED.sub("", t))]
    assert leftovers == []
    for page in ("new_caller", "withheld"):
        if page == "new_caller":
            window.card.show_new_caller("+8615900001111", "15900001111")
        else:
            window.card.show_withheld()
        leftovers = [t for t in _visible_texts(window) if _ENGLISH_PHRASE.search(_ALLOWED.sub("", t))]
        assert leftovers == [], page


def test_load_fonts_picks_a_chinese_capable_family(qapp):
    original = qapp.font()
    try:
        families = load_fonts(qapp)
        chinese = [
            f
            for f in QFontDatabase.families()
            if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(f)
        ]
        if not chinese:
            pytest.skip(
                "no Chinese font installed on this machine (Debian: apt-get install fonts-wqy-microhei)"
            )
        assert any(f in chinese for f in families), families
        assert qapp.font().families()[: len(families)] == families
        assert qapp.font().pointSize() == 10
    finally:
        qapp.setFont(original)
