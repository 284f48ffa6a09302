"""The main window driven as the agent drives it: keys, clicks, calls and notices."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from calldesk_domain.call_controls import CallPhase
from desktop.views.banner import BannerArea
from desktop.views.call_bar import CallBar
from desktop.views.main_window import MainWindow
from desktop.views.sample_data import family_cards


@pytest.fixture
def window(qtbot) -> MainWindow:
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    return win


def test_default_size_fits_a_1366x768_screen(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.width() <= 1366 and win.height() <= 728  # room for the taskbar
    assert win.card is not None and win.card.page() == "empty"


def test_search_is_debounced_to_one_emit_for_fast_typing(window, qtbot):
    seen: list[str] = []
    window.searchChanged.connect(seen.append)
    window.focus_search()
    qtbot.keyClicks(window.search_box, "zhangsan")  # eight keystrokes well inside 120 ms
    assert seen == []
    qtbot.waitUntil(lambda: seen == ["zhangsan"], timeout=2000)
    qtbot.wait(250)
    assert seen == ["zhangsan"]


def test_search_emits_again_after_a_pause(window, qtbot):
    seen: list[str] = []
    window.searchChanged.connect(seen.append)
    qtbot.keyClicks(window.search_box, "wang")
    qtbot.waitUntil(lambda: seen == ["wang"], timeout=2000)
    qtbot.keyClicks(window.search_box, "xy")
    qtbot.waitUntil(lambda: seen == ["wang", "wangxy"], timeout=2000)


@pytest.mark.parametrize(
    "keys",
    [(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier)],
)
def test_ctrl_f_and_f3_focus_search(window, qtbot, keys):
    window.card.show_matches(family_cards(), masked=True)  # focus is in the chooser table
    qtbot.waitUntil(lambda: window.card._matches_table.hasFocus(), timeout=2000)
    assert not window.search_box.hasFocus()
    qtbot.keyClick(window.card._matches_table, keys[0], keys[1])
    qtbot.waitUntil(window.search_box.hasFocus, timeout=2000)


def test_withheld_caller_puts_focus_in_search(window, qtbot):
    window.card.show_matches(family_cards(), masked=True)
    qtbot.waitUntil(lambda: window.card._matches_table.hasFocus(), timeout=2000)
    window.card.show_withheld()
    qtbot.waitUntil(window.search_box.hasFocus, timeout=2000)


def test_search_results_keyboard_and_click_choose_a_customer(window, qtbot):
    cards = family_cards()
    window.focus_search()
    qtbot.keyClicks(window.search_box, "li")
    window.show_search_results(cards, masked=True)
    assert window.search_box.results.isVisible()
    assert window.search_box.result_count() == 3
    qtbot.keyClick(window.search_box, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.customerChosen, timeout=1000) as signal:
        qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert signal.args == [cards[1].customer_id]
    assert not window.search_box.results.isVisible()

    window.show_search_results(cards, masked=True)
    table = window.search_box.results.table
    rect = table.visualRect(table.model().index(2, 0))
    with qtbot.waitSignal(window.customerChosen, timeout=1000) as signal:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [cards[2].customer_id]


def test_no_results_says_so(window, qtbot):
    qtbot.keyClicks(window.search_box, "nobody")
    window.show_search_results([], masked=True)
    assert window.search_box.results.empty.isVisible()
    assert window.search_box.results.empty.text() == "No customer found."


def test_no_results_while_the_search_index_is_built_says_why(window, qtbot, tmp_path):
    qtbot.keyClicks(window.search_box, "wxm")  # pinyin initials: needs the search index
    window.show_search_results([], masked=True, limited=True)
    empty = window.search_box.results.empty
    assert empty.isVisible() and "search index" in empty.text()
    assert window.search_box.results.height() >= empty.heightForWidth(window.search_box.results.width() - 2)
    window.search_box.results.grab().save(str(tmp_path / "search_limited.png"))
    window.show_search_results([], masked=True)  # built: the plain message again
    assert empty.text() == "No customer found."


def test_escape_clears_search(window, qtbot):
    seen: list[str] = []
    window.searchChanged.connect(seen.append)
    qtbot.keyClicks(window.search_box, "abc")
    window.show_search_results(family_cards(), masked=True)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    assert window.search_box.text() == ""
    assert not window.search_box.results.isVisible()
    qtbot.wait(250)
    assert seen == []  # the pending search was dropped, not sent


@pytest.mark.parametrize(
    ("key", "modifier", "signal_name"),
    [
        (Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier, "answerRequested"),
        (Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier, "newTicketRequested"),
        (Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier, "logContactRequested"),
    ],
)
def test_call_shortcuts_emit_their_signals(window, qtbot, key, modifier, signal_name):
    with qtbot.waitSignal(getattr(window, signal_name), timeout=1000):
        qtbot.keyClick(window.card, key, modifier)


def test_recent_call_click_reopens_its_customer(window, qtbot):
    now = time.time()
    window.add_recent_call("call-1", "138****5678", "王秀英", now - 60, "answered", customer_id="C00012345")
    window.add_recent_call("call-2", "021****1234", None, now, "missed")
    panel = window.recent_calls
    assert panel.count() == 2
    assert panel._title.text() == "Calls today (2)"
    table = panel.table
    assert table.model().index(0, 1).data() == "021****1234"  # newest first; unknown caller by number
    assert table.model().index(1, 1).data() == "王秀英"
    rect = table.visualRect(table.model().index(1, 1))
    with qtbot.waitSignal(window.customerChosen, timeout=1000) as chosen:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == ["C00012345"]
    seen: list[str] = []
    window.customerChosen.connect(seen.append)
    rect = table.visualRect(table.model().index(0, 1))
    with qtbot.waitSignal(window.recentCallChosen, timeout=1000) as call:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert call.args == ["call-2"]
    assert seen == []  # no customer to open for an unknown caller


def test_call_bar_timer_ticks_every_second(qtbot):
    fake_now = [1000.0]
    bar = CallBar(clock=lambda: fake_now[0])
    qtbot.addWidget(bar)
    bar.show_call("138****5678", "品牌服务热线", "售后", 1000.0 - 65)
    assert bar.timer_text() == "01:05"
    assert bar.caller_text() == "138****5678"
    fake_now[0] += 3
    qtbot.waitUntil(lambda: bar.timer_text() == "01:08", timeout=2500)  # the real 1 s QTimer fired
    bar.clear_call()
    assert bar.timer_text() == "" and not bar.in_call()
    fake_now[0] += 10
    qtbot.wait(1200)
    assert bar.timer_text() == ""


def test_call_bar_says_where_the_call_stands_and_times_the_talk_from_the_answer(qtbot):
    fake_now = [1000.0]
    bar = CallBar(clock=lambda: fake_now[0])
    qtbot.addWidget(bar)
    bar.set_phase(CallPhase.RINGING)  # CTI may say it before the pop reaches the bar
    bar.show_call("138****5678", "品牌服务热线", "售后", 1000.0)
    assert bar.phase_text() == "Ringing"
    fake_now[0] += 12
    bar._tick()
    assert bar.timer_text() == "00:12"  # the ring
    bar.set_phase(CallPhase.TALKING)
    assert bar.phase_text() == "On call" and bar.timer_text() == "00:00"  # the talk, from the answer
    fake_now[0] += 40
    bar.set_phase(CallPhase.HELD)
    assert bar.phase_text() == "On hold" and bar.timer_text() == "00:40"
    bar.set_phase(CallPhase.TALKING)
    assert bar.timer_text() == "00:40"  # back from hold: the same call, not restarted
    bar.set_phase(CallPhase.CONSULTING)
    assert bar.phase_text() == "Consulting"
    bar.set_phase(CallPhase.IDLE)
    assert bar.phase_text() == "On call"  # CTI idle while the ended call is still shown
    bar.clear_call()
    assert bar.phase_text() == "No call"
    bar.set_phase(CallPhase.OUTBOUND_RINGING)
    bar.show_call("138****0000", "Outbound call", "", fake_now[0])
    assert bar.phase_text() == "Calling"


def test_window_call_timer_runs_on_the_real_clock(window, qtbot):
    window.show_call("138****5678", "Brand hotline", "After-sales", time.time() - 5)
    first = window.call_bar.timer_text()
    assert first in ("00:05", "00:06")
    qtbot.waitUntil(lambda: window.call_bar.timer_text() != first, timeout=2500)
    window.clear_call()
    assert "No call" in window.call_bar._state.text()


def test_raise_for_call_without_tray_uses_the_banner(window, qtbot):
    window.tray_available = lambda: False
    window.show_call("138****5678", "Brand hotline", "", time.time())
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized, timeout=2000)
    window.raise_for_call()
    assert not window.isMinimized()
    assert window.last_notification == ("banner", "Incoming call: 138****5678")
    assert "Incoming call: 138****5678" in window.banners.texts()


def test_raise_for_call_with_a_tray_shows_a_tray_message(window, qtbot):
    window.tray_available = lambda: True
    window.show_call("138****5678", "Brand hotline", "", time.time())
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized, timeout=2000)
    window.raise_for_call()
    assert not window.isMinimized()
    assert window.last_notification == ("tray", "Incoming call: 138****5678")
    assert window._tray is not None
    assert window.banners.texts() == []


def test_offscreen_really_has_no_tray(window):
    assert window.tray_available() is False  # so the banner path is the one these runs exercise


def test_raise_for_call_when_already_in_front_does_not_nag(window):
    window.raise_for_call()
    assert window.last_notification is None
    assert window.banners.texts() == []


def test_banners_stack_dedupe_and_info_auto_hides(qtbot):
    area = BannerArea(info_timeout_ms=100)
    qtbot.addWidget(area)
    area.show()
    area.show_banner("Saved", "info")
    area.show_banner("Server unreachable", "warning")
    area.show_banner("Server unreachable", "warning")
    area.show_banner("Cache locked", "error")
    assert area.texts() == ["Cache locked", "Server unreachable", "Saved"]
    area.show_banner("Fourth", "bogus-level")  # unknown level: shown as a warning, oldest dropped
    assert area.texts() == ["Fourth", "Cache locked", "Server unreachable"]
    assert area.banners()[0].level == "warning"
    area.show_banner("Transient", "info")
    assert area.texts() == ["Transient", "Fourth", "Cache locked"]
    qtbot.waitUntil(lambda: "Transient" not in area.texts(), timeout=2000)
    assert area.texts() == ["Fourth", "Cache locked"]  # warnings and errors stay
    qtbot.mouseClick(area.banners()[0].close_button, Qt.MouseButton.LeftButton)
    assert area.texts() == ["Cache locked"]


def test_status_bar_states(window):
    window.set_connection_state("online")
    assert window.status.connection_label.text() == "● Online"
    window.set_connection_state("garbage")
    assert window.status.connection_label.text() == "● Offline"
    window.set_cti_state(False, "port 5070 in use")
    assert window.status.cti_label.text() == "CTI: not connected (port 5070 in use)"
    window.set_cti_state(True, "127.0.0.1:5070")
    assert window.status.cti_label.text() == "CTI: connected (127.0.0.1:5070)"
    window.set_outbox_count(3)
    assert window.status.outbox_label.text() == "Unsent changes: 3"


def test_sync_progress_and_finish(window, qtbot):
    seen = []
    window.syncCancelRequested.connect(lambda: seen.append(True))
    window.set_sync_progress(1000, 3000, 95)
    assert window.status.sync_bar.isVisible()
    assert window.status.sync_text() == "Sync 1,000 / 4,000 · about 1 min 35 s left"
    assert window.status.sync_bar.value() == 1000 and window.status.sync_bar.maximum() == 4000
    window.set_sync_progress(10, 5, None)
    assert window.status.sync_text().endswith("estimating…")
    window.set_sync_progress(2000, 2000, 60, "search_index")  # no counts to show for this step
    assert window.status.sync_text() == "Building the search index…"
    window.set_sync_progress(2500, 1500, 30, "details")
    assert window.status.sync_text() == "Sync 2,500 / 4,000 · about 30 s left"
    assert window.status.sync_bar.toolTip() == "Recent orders and history"
    qtbot.mouseClick(window.status.sync_cancel, Qt.MouseButton.LeftButton)
    assert seen == [True]
    result = SimpleNamespace(
        applied=4000, skipped=0, pages=4, last_seq=4000, complete=True, cancelled=False, seconds=12.34
    )
    window.sync_finished(result)
    assert not window.status.sync_bar.isVisible()
    assert window.statusBar().currentMessage() == "Sync complete: 4,000 changes in 12.3 s."


def test_language_menu_requests_a_switch(window, qtbot):
    zh = next(a for a in window._language_group.actions() if a.data() == "zh_CN")
    with qtbot.waitSignal(window.languageChangeRequested, timeout=1000) as signal:
        zh.trigger()
    assert signal.args == ["zh_CN"]
    window.set_language("zh_CN")
    assert zh.isChecked()


def test_quit_closes_the_window(window, qtbot):
    with qtbot.waitSignal(window.quitRequested, timeout=1000):
        window.quit_action.trigger()
    assert not window.isVisible()
    assert QApplication.instance() is not None


def test_results_close_when_the_agent_clicks_elsewhere(window, qtbot):
    window.focus_search()
    qtbot.keyClicks(window.search_box, "wang")
    window.show_search_results(family_cards(), masked=True)
    assert window.search_box.results.isVisible()
    window.card.show_matches(family_cards(), masked=True)  # focus moves to the chooser
    qtbot.waitUntil(lambda: not window.search_box.results.isVisible(), timeout=2000)
    assert window.search_box.text() == "wang"  # the query stays for the agent to come back to


def test_a_pop_while_typing_uncovers_the_card(window, qtbot):
    window.focus_search()
    qtbot.keyClicks(window.search_box, "wang")
    window.show_search_results(family_cards(), masked=True)
    assert window.search_box.results.isVisible()
    window.card.show_pop(family_cards()[0], masked=True)
    assert not window.search_box.results.isVisible()
    assert window.search_box.hasFocus()  # the pop does not steal the agent's typing


def test_long_names_many_tags_and_phones_never_widen_past_the_screen(window):
    from desktop.views.sample_data import sample_detail

    detail = sample_detail()
    customer = detail.customer
    customer.name = "上海浦东新区某某某某某某某某某某科技发展有限公司采购部联系人张三丰"
    customer.tags = [f"非常长的客户标签第{i}号（营销）" for i in range(20)]
    customer.phones = customer.phones * 4
    customer.membership_level = "超级至尊钻石黑金终身荣誉会员"
    window.card.show_detail(detail, masked=True)
    assert window.minimumSizeHint().width() <= 1366
    assert window.card.header_name_text() == customer.name  # full name still available (hover)
    chips = [c.text() for c in window.card._tag_chips if not c.isHidden()]
    assert len(chips) == 9 and chips[-1] == "+12"
    assert window.card.phones_text().endswith("+4")


def test_a_new_call_replaces_the_previous_calls_banner(window, qtbot):
    window.tray_available = lambda: False
    window.show_banner("PBX disconnected", "warning")
    for caller in ("138****5678", "139****0001", "137****2222"):
        window.show_call(caller, "Brand hotline", "", time.time())
        window.showMinimized()
        qtbot.waitUntil(window.isMinimized, timeout=2000)
        window.raise_for_call()
    assert window.banners.texts() == ["Incoming call: 137****2222", "PBX disconnected"]
