"""Missed calls in the status bar and "call back" from the card, end to end: the real DesktopApp
(real central API on loopback, real cache), its CTI socket, and the CTI simulator as the PBX
sending queue events as a PBX would. Driven with qtbot clicks."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from calls_rig import calls_desk, wait_until
from PySide6.QtCore import Qt

from desktop.cti.simulator import CtiSimulator


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
        assert not button.isEnabled()  # an agent's card holds masked numbers: reveal first
        qtbot.mouseClick(card._reveal, Qt.MouseButton.LeftButton)
        await wait_until(lambda: button.isEnabled(), what="numbers revealed")
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


async def _miss(sim: CtiSimulator, call_id: str, caller: str, kind: str, ts: float) -> None:
    await sim.send({"type": "queue.join", "queue": "support", "call_id": call_id, "caller": caller, "ts": ts})
    await sim.send({"type": f"queue.{kind}", "queue": "support", "call_id": call_id, "ts": ts + 20})


def _stored_missed(cache: Path) -> list[tuple[str, bool]]:
    with sqlite3.connect(cache) as conn:
        rows = conn.execute("SELECT id, seen_ts IS NOT NULL FROM missed_calls ORDER BY id").fetchall()
    return [(call_id, bool(seen)) for call_id, seen in rows]


async def test_missed_calls_and_their_seen_marks_survive_restarts(seeded_central_sqlite, tmp_path, qtbot):
    """Three real desktops one after the other on the same SQLite file (a restart each time)."""
    now = time.time()
    cache = tmp_path / "cache.sqlite3"
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop, sim = rig.desktop, await rig.pbx()
        await _miss(sim, "p-1", "13900001111", "abandon", now - 300)
        await _miss(sim, "p-2", "13900002222", "timeout", now - 200)
        await _miss(sim, "p-3", "13900003333", "abandon", now - 100)
        view, count = desktop.missed.view, desktop.missed.count
        await wait_until(lambda: count.count == 3, what="three missed calls")
        desktop.missed.show_list()
        view.table.selectRow(1)  # newest first: p-2
        assert view.selected().call_id == "p-2"
        qtbot.mouseClick(view.seen_button, Qt.MouseButton.LeftButton)
        assert count.count == 2
    assert _stored_missed(cache) == [("p-1", False), ("p-2", True), ("p-3", False)]

    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop = rig.desktop
        view, count = desktop.missed.view, desktop.missed.count
        # no event yet: the list and the count come from the cache file
        assert count.count == 2 and "2" in count.text()
        assert [(c.call_id, c.seen) for c in desktop.missed.missed.calls()] == [
            ("p-3", False),
            ("p-2", True),
            ("p-1", False),
        ]
        assert not view.table.item(1, 1).font().bold() and view.table.item(0, 1).font().bold()
        sim = await rig.pbx()
        await _miss(sim, "p-2", "13900002222", "timeout", now - 200)  # the PBX replays a call
        await _miss(sim, "p-4", "13900004444", "timeout", now - 50)
        await wait_until(lambda: count.count == 3, what="the new call counted, the replayed one not")
        desktop.missed.show_list()
        qtbot.mouseClick(view.all_seen_button, Qt.MouseButton.LeftButton)
        assert count.count == 0 and not count.isVisible()
    assert _stored_missed(cache) == [("p-1", True), ("p-2", True), ("p-3", True), ("p-4", True)]

    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop = rig.desktop
        assert desktop.missed.count.count == 0
        assert len(desktop.missed.missed.calls()) == 4 and desktop.missed.view.table.rowCount() == 4
