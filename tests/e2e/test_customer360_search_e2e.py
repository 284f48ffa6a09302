"""Customer 360 end to end (issue 6), part two: search by every key, the window raised or the tray
notified on a pop, recent calls, `calldesk pop`, a new customer from an unknown caller. Same real
parts as test_customer360_e2e.py (the fixtures are in conftest.py)."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

from customer360_rig import (
    _connect,
    _runtime,
    _wait,
)
from pypinyin import Style, lazy_pinyin
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from calldesk_domain.phone import national_display
from desktop.services.handoff import HandoffServer


def _type(qtbot, box, text: str) -> None:
    """Type as the agent does: keys for ASCII, an input-method commit for Chinese (what an IME sends;
    QTest cannot synthesise keys for characters outside ASCII)."""
    if text.isascii():
        qtbot.keyClicks(box, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(box, event)


async def _search_and_open(window, qtbot, text: str, customer_id: str) -> None:
    window.focus_search()
    window.search_box.clear()
    _type(qtbot, window.search_box, text)
    model = window.search_box.results.model

    def listed() -> list[str]:
        return [model.record(r).card.customer_id for r in range(model.rowCount())]

    await _wait(lambda: window.search_box.results.isVisible() and customer_id in listed())
    for _ in range(listed().index(customer_id)):
        qtbot.keyClick(window.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    await _wait(lambda: window.card.current_customer_id() == customer_id)
    assert not window.search_box.results.isVisible()


def _search_keys(customer: dict[str, Any]) -> dict[str, str]:
    mobile = customer["mobile"][3:]
    return {
        "name": customer["name"],
        "pinyin initials": "".join(lazy_pinyin(customer["name"], style=Style.FIRST_LETTER)),
        "phone with spaces": f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        "phone +86": f"+86-{mobile}",
        "landline with area code": national_display(customer["landline"]).replace(" ", "-", 1),
        "last digits": mobile[-6:],
        "order number": customer["order_nos"][0],
        "customer id": customer["id"],
        "customer id lower case": customer["id"].lower(),
    }


async def test_search_finds_the_customer_by_each_key(desktop, seeded_central_sqlite, qtbot):
    customer = seeded_central_sqlite.sample_customer()
    window = desktop.window
    for key, text in _search_keys(customer).items():
        window.card.show_empty()
        try:
            await _search_and_open(window, qtbot, text, customer["id"])
        except AssertionError as exc:
            raise AssertionError(f"search by {key} ({text!r}) did not find {customer['id']}") from exc
        assert window.card.header_name_text() == customer["name"]


async def test_search_for_nobody_says_so(desktop, qtbot):
    window = desktop.window
    window.focus_search()
    qtbot.keyClicks(window.search_box, "SO-NOSUCH-ORDER-9")
    await _wait(lambda: window.search_box.results.isVisible())
    assert window.search_box.result_count() == 0
    assert window.search_box.results.empty.isVisible()


# -- call context ----------------------------------------------------------------------------------
async def test_minimised_window_is_raised_and_banner_notifies_offscreen(desktop, seeded_central_sqlite):
    window = desktop.window
    assert window.tray_available() is False  # offscreen has no system tray
    window.showMinimized()
    await _wait(window.isMinimized)
    customer = seeded_central_sqlite.sample_customer()
    cti = await _connect(desktop)
    await cti.ring("t-1", customer["mobile"])
    await _wait(lambda: window.card.current_customer_id() == customer["id"])
    assert not window.isMinimized() and window.isVisible()
    kind, text = window.last_notification or ("", "")
    assert kind == "banner" and "Incoming call" in text
    assert text in window.banners.texts()
    cti.writer.close()


async def test_hidden_window_with_a_tray_notifies_through_the_tray(desktop, seeded_central_sqlite):
    window = desktop.window
    window.tray_available = lambda: True  # the desktop seam for platforms that have a tray
    window.hide()
    customer = seeded_central_sqlite.sample_customer()
    cti = await _connect(desktop)
    await cti.ring("t-2", customer["mobile"])
    await _wait(lambda: window.card.current_customer_id() == customer["id"])
    assert window.isVisible()
    assert window.last_notification is not None and window.last_notification[0] == "tray"
    cti.writer.close()


async def test_recent_call_click_reopens_the_card(desktop, seeded_central_sqlite, qtbot):
    customer = seeded_central_sqlite.sample_customer()
    window = desktop.window
    cti = await _connect(desktop)
    await cti.ring("h-1", customer["mobile"])
    await _wait(lambda: window.card.current_customer_id() == customer["id"])
    await cti.send({"type": "call.ended", "call_id": "h-1", "agent": "1001", "ts": 5.0})
    await _wait(lambda: window.recent_calls.count() == 1)
    assert not window.call_bar.in_call()
    await cti.ring("h-2", "139 0000 1111")  # another caller takes the card
    await _wait(lambda: window.card.page() == "new_caller")
    table = window.recent_calls.table
    index = table.model().index(0, 1)
    assert table.model().index(0, 1).data() == customer["name"]
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    await _wait(lambda: window.card.current_customer_id() == customer["id"])
    assert window.card.orders_count() == customer["order_count"]
    cti.writer.close()


async def test_calldesk_pop_customer_id_shows_the_card_in_the_running_desktop(
    seeded_central_sqlite, tmp_path, qtbot
):
    user = f"pop{uuid.uuid4().hex[:8]}"
    server = HandoffServer(name=f"calldesk-{user}")
    assert server.listen()
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot, handoff=server)
    try:
        customer = seeded_central_sqlite.sample_customer()
        env = dict(os.environ, USER=user, LOGNAME=user, QT_QPA_PLATFORM="offscreen")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "desktop.cli",
            "pop",
            "--customer-id",
            customer["id"],
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, stderr.decode()
        card = runtime.window.card
        await _wait(lambda: card.current_customer_id() == customer["id"])
        assert card.header_name_text() == customer["name"]
        assert card.orders_count() == customer["order_count"]
        # an id the cache does not know is refused politely, the card stays
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "desktop.cli", "pop", "--customer-id", "C9999999", env=env
        )
        assert await asyncio.wait_for(proc.wait(), 60) == 0
        await _wait(lambda: any("C9999999" in t for t in runtime.window.banners.texts()))
        assert card.current_customer_id() == customer["id"]
    finally:
        await runtime.stop()


# -- new customer from an unknown caller -------------------------------------------------------------
async def test_unknown_caller_becomes_a_customer_saved_offline_through_the_cache(
    desktop, seeded_central_sqlite, qtbot
):
    seeded_central_sqlite.go_offline()  # offline: the form must still save
    window = desktop.window
    cti = await _connect(desktop)
    await cti.ring("n-1", "139 1234 5671")
    card = window.card
    await _wait(lambda: card.page() == "new_caller")
    qtbot.mouseClick(card._create_button, Qt.MouseButton.LeftButton)
    dialog = desktop.customers.new_customer_dialog
    assert dialog is not None and dialog.isVisible()
    assert "".join(ch for ch in dialog.phone_edit.text() if ch.isdigit()) == "13912345671"  # prefilled
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    await _wait(lambda: dialog.error_text() is not None)  # no name yet: said, nothing written
    assert "name" in (dialog.error_text() or "")
    assert desktop.store.outbox_count() == 0
    _type(qtbot, dialog.name_edit, "陈新客")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    await _wait(lambda: desktop.customers.new_customer_dialog is None)  # saved: closed and released
    new_id = card.current_customer_id()
    assert new_id is not None and card.page() == "card"
    assert card.header_name_text() == "陈新客"
    assert desktop.store.outbox_count() == 1  # queued for the push, in the same transaction
    # the next call from that number pops the new customer from the cache
    await cti.send({"type": "call.ended", "call_id": "n-1", "agent": "1001", "ts": 6.0})
    await _wait(lambda: window.recent_calls.count() == 1)
    assert window.recent_calls.table.model().index(0, 1).data() == "陈新客"
    card.show_empty()
    await cti.ring("n-2", "13912345671")
    await _wait(lambda: card.current_customer_id() == new_id)
    cti.writer.close()


async def test_new_customer_form_refuses_a_bad_number(desktop, qtbot):
    cti = await _connect(desktop)
    await cti.ring("n-3", "139 1234 5672")
    card = desktop.window.card
    await _wait(lambda: card.page() == "new_caller")
    qtbot.mouseClick(card._create_button, Qt.MouseButton.LeftButton)
    dialog = desktop.customers.new_customer_dialog
    _type(qtbot, dialog.name_edit, "张三")
    dialog.phone_edit.clear()
    qtbot.keyClicks(dialog.phone_edit, "12ab")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    await _wait(lambda: dialog.error_text() is not None)
    assert "phone number" in (dialog.error_text() or "")
    assert dialog.isVisible() and dialog.isEnabled()
    assert desktop.store.outbox_count() == 0
    cti.writer.close()
