"""Missed calls in the status bar and "call back" from the card, end to end: the real DesktopApp
(real central API on loopback, real cache), its CTI socket, and the CTI simulator as the PBX
sending queue events as a PBX would. Driven with qtbot clicks."""

from __future__ import annotations

import time

from calls_rig import calls_desk, wait_until
from PySide6.QtCore import Qt


async def test_missed_calls_count_list_call_back_and_mark_seen(seeded_central_sqlite, tmp_path, qtbot):
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop, sim = rig.desktop, await rig.pbx()
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
        await wait_until(lambda: count.count == 2, what="two missed calls counted")
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


async def test_call_back_from_the_card_opens_the_dial_pad_with_the_customers_number(
    seeded_central_sqlite, tmp_path, qtbot
):
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop = rig.desktop
        await desktop.sync.pull()
        customer = seeded_central_sqlite.sample_customer()
        desktop.customers.show_customer(customer["id"])
        card = desktop.window.card
        await wait_until(lambda: card.current_customer_id() == customer["id"], what="card")
        button = card._call_back
        assert button.isEnabled()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        pad = desktop.calls.bar.dial_pad
        assert pad.isVisible() and pad.number.text() == customer["phones"][0]


async def test_call_back_from_calls_today_dials_the_callers_number(seeded_central_sqlite, tmp_path, qtbot):
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop, sim = rig.desktop, await rig.pbx()
        for call_id, caller in (("r-1", "13900005555"), ("r-2", "anonymous")):
            await sim.send(
                {"type": "call.ringing", "call_id": call_id, "caller": caller, "agent": "1001", "ts": 1.0}
            )
            await sim.send({"type": "call.ended", "call_id": call_id, "agent": "1001", "ts": 2.0})
        panel = desktop.window.recent_calls
        await wait_until(lambda: panel.count() == 2, what="two calls today")
        panel.table.setCurrentIndex(panel.model.index(0, 0))  # the withheld one (newest first)
        assert not panel.call_back_button.isEnabled()
        panel.table.setCurrentIndex(panel.model.index(1, 0))
        assert panel.call_back_button.isEnabled()
        qtbot.mouseClick(panel.call_back_button, Qt.MouseButton.LeftButton)
        pad = desktop.calls.bar.dial_pad
        assert pad.isVisible() and pad.number.text() == "+8613900005555"
