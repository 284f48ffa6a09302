"""Missed calls in the status bar and "call back" from the card, end to end: the real DesktopApp
(real central API on loopback, real cache), its CTI socket, and the CTI simulator as the PBX
sending queue events as a PBX would. Driven with qtbot clicks."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from test_calls_desk import _desktop, _pbx, _wait

from desktop.cti.simulator import CtiSimulator


@pytest.fixture
async def sims():
    held: list[CtiSimulator] = []
    yield held
    for sim in held:
        await sim.close()


async def test_missed_calls_count_list_call_back_and_mark_seen(seeded_central_sqlite, tmp_path, qtbot, sims):
    desktop = await _desktop(seeded_central_sqlite, tmp_path, qtbot)
    try:
        sim = await _pbx(desktop)
        sims.append(sim)
        count, view = desktop.missed.count, desktop.missed.view
        assert not count.isVisible()  # nothing missed: no count
        now = time.time()
        for call_id, caller, kind in (("m-1", "13900003333", "abandon"), ("m-2", "13900004444", "timeout")):
            await sim.send(
                {"type": "queue.join", "queue": "support", "call_id": call_id, "caller": caller, "ts": now}
            )
            await sim.send(
                {
                    "type": f"queue.{kind}",
                    "queue": "support",
                    "call_id": call_id,
                    "caller": caller,
                    "ts": now + 30,
                }
            )
        await sim.send({"type": "queue.abandon", "queue": "support", "ts": now})  # malformed: no call id
        await _wait(lambda: count.count == 2, what="two missed calls counted")
        assert count.isVisible() and "2" in count.text()

        qtbot.mouseClick(count, Qt.MouseButton.LeftButton)
        assert desktop.missed.dock.isVisible()
        view.table.selectRow(0)
        qtbot.mouseClick(view.call_back_button, Qt.MouseButton.LeftButton)
        pad = desktop.calls.bar.dial_pad
        assert pad.isVisible() and pad.number.text() in (
            "13900003333",
            "+8613900003333",
            "13900004444",
            "+8613900004444",
        )
        assert count.count == 1  # called back: seen
        qtbot.mouseClick(view.all_seen_button, Qt.MouseButton.LeftButton)
        assert count.count == 0 and not count.isVisible()
    finally:
        await desktop.stop()


async def test_call_back_from_the_card_opens_the_dial_pad_with_the_customers_number(
    seeded_central_sqlite, tmp_path, qtbot
):
    desktop = await _desktop(seeded_central_sqlite, tmp_path, qtbot)
    try:
        await desktop.sync.pull()
        customer = seeded_central_sqlite.sample_customer()
        desktop.customers.show_customer(customer["id"])
        card = desktop.window.card
        await _wait(lambda: card.current_customer_id() == customer["id"], what="card")
        button = card._call_back
        assert not button.isEnabled()  # an agent's card holds masked numbers: reveal first
        qtbot.mouseClick(card._reveal, Qt.MouseButton.LeftButton)
        await _wait(lambda: button.isEnabled(), what="numbers revealed")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        pad = desktop.calls.bar.dial_pad
        assert pad.isVisible() and pad.number.text() == customer["phones"][0]
    finally:
        await desktop.stop()


async def test_call_back_from_calls_today_dials_the_callers_number(
    seeded_central_sqlite, tmp_path, qtbot, sims
):
    desktop = await _desktop(seeded_central_sqlite, tmp_path, qtbot)
    try:
        sim = await _pbx(desktop)
        sims.append(sim)
        for call_id, caller in (("r-1", "13900005555"), ("r-2", "anonymous")):
            await sim.send(
                {"type": "call.ringing", "call_id": call_id, "caller": caller, "agent": "1001", "ts": 1.0}
            )
            await sim.send({"type": "call.ended", "call_id": call_id, "agent": "1001", "ts": 2.0})
        panel = desktop.window.recent_calls
        await _wait(lambda: panel.count() == 2, what="two calls today")
        panel.table.setCurrentIndex(panel.model.index(0, 0))  # the withheld one (newest first)
        assert not panel.call_back_button.isEnabled()
        panel.table.setCurrentIndex(panel.model.index(1, 0))
        assert panel.call_back_button.isEnabled()
        qtbot.mouseClick(panel.call_back_button, Qt.MouseButton.LeftButton)
        pad = desktop.calls.bar.dial_pad
        assert pad.isVisible() and pad.number.text() == "+8613900005555"
    finally:
        await desktop.stop()
