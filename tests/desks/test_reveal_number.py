"""Reveal number on the customer card, end to end: the real DesktopApp signed in as an agent (real
central API on loopback, a real cache file), the CTI simulator ringing the customer's number, the
button and its shortcut driven with qtbot. An agent's card and cache hold only masked numbers; a
reveal fetches the full ones from the server (recorded there), queues the same audit event in the
outbox (one audit row after the push) and never writes them to the cache."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import httpx
from calls_rig import CALL, calls_desk, wait_until
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from calldesk_domain.phone import national_display
from desktop.config import Settings
from desktop.cti.simulator import CtiSimulator
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi


def _audit(central, customer_id: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {central.token_for('admin')}"}
    response = httpx.get(
        f"{central.url}/api/v1/admin/audit",
        params={"customer_id": customer_id, "action": "reveal"},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["events"]


def _cache_bytes(tmp_path: Path) -> bytes:
    return b"".join(path.read_bytes() for path in tmp_path.glob("cache.sqlite3*"))


async def _ring(sim: CtiSimulator, desktop: DesktopApp, caller: str, call_id: str = CALL) -> None:
    await sim.send(
        {"type": "call.ringing", "call_id": call_id, "caller": caller, "agent": "1001", "ts": time.time()}
    )
    await wait_until(lambda: desktop.window.card.current_customer_id() is not None, what="card popped")


async def test_agent_reveals_the_number_with_the_shortcut_audited_once_and_never_cached(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    customer = central.sample_customer()
    async with calls_desk(central, tmp_path, qtbot) as rig:
        desktop = rig.desktop
        await desktop.sync.pull()
        sim = await rig.pbx()
        await _ring(sim, desktop, national_display(customer["mobile"]).replace(" ", ""))
        card = desktop.window.card
        assert card.current_customer_id() == customer["id"]
        assert "****" in card.phones_text()
        assert card._reveal.isVisible() and not card._call_back.isEnabled()  # no masked dialling

        desktop.window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is desktop.window)
        qtbot.keyClick(
            card,
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        await wait_until(lambda: "*" not in card.phones_text(), what="numbers revealed")
        assert national_display(customer["phones"][0]) in card.phones_text()
        assert not card._reveal.isVisible() and card._call_back.isEnabled()
        qtbot.mouseClick(card._call_back, Qt.MouseButton.LeftButton)
        assert desktop.calls.bar.dial_pad.number.text() == customer["phones"][0]

        # recorded by the server at once, and queued locally under the same event id
        [seen] = _audit(central, customer["id"])
        assert (seen["username"], seen["call_id"], seen["source"]) == ("1001", CALL, "server")
        [queued] = [e for e in desktop.store.pending_audit_events() if e["action"] == "reveal"]
        assert (queued["customer_id"], queued["call_id"]) == (customer["id"], CALL)
        desktop.sync.connectivity.kick()
        await wait_until(lambda: desktop.store.outbox_count() == 0, timeout_s=15, what="outbox pushed")
        assert len(_audit(central, customer["id"])) == 1  # one reveal, one row

        cached = _cache_bytes(tmp_path)
        for number in customer["phones"]:
            assert number[3:].encode() not in cached, f"{number} written to the cache"

        # another customer and back: masked again (a reveal is for the card it was asked on)
        other = central.customers_with_phone(central.shared_landline())[0]
        desktop.customers.show_customer(other)
        await wait_until(lambda: card.current_customer_id() == other, what="other card")
        desktop.customers.show_customer(customer["id"])
        await wait_until(lambda: card.current_customer_id() == customer["id"], what="card again")
        assert "****" in card.phones_text() and card._reveal.isVisible()


async def test_offline_the_ringing_number_still_pops_and_reveal_says_it_needs_the_server(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    customer = central.sample_customer()
    async with calls_desk(central, tmp_path, qtbot) as rig:
        desktop = rig.desktop
        await desktop.sync.pull()
        assert desktop.store.pop_key() is not None  # the keyed index's key, from the keyring
        sim = await rig.pbx()
        central.go_offline()
        await _ring(sim, desktop, customer["landline"], "offline-1")  # found by its keyed hash
        card = desktop.window.card
        assert card.current_customer_id() == customer["id"] and "****" in card.phones_text()

        qtbot.mouseClick(card._reveal, Qt.MouseButton.LeftButton)
        await wait_until(lambda: card._reveal.isEnabled(), timeout_s=15, what="reveal answered")
        assert "****" in card.phones_text() and not card._call_back.isEnabled()
        assert any("central server" in text for text in desktop.window.banners.texts())
        assert [e for e in desktop.store.pending_audit_events() if e["action"] == "reveal"] == []


async def test_a_supervisor_sees_numbers_in_full_and_is_offered_no_reveal(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    customer = central.sample_customer()
    api = CentralApi(central.url)
    login = await api.login("super", "demo")
    settings = Settings(central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0)
    desktop = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(desktop.window)
    await desktop.start(initial_sync=True)
    try:
        desktop.customers.show_customer(customer["id"])
        card = desktop.window.card
        await wait_until(lambda: card.current_customer_id() == customer["id"], what="card")
        assert "*" not in card.phones_text() and national_display(customer["phones"][0]) in card.phones_text()
        assert not card._reveal.isVisible() and card._call_back.isEnabled()
    finally:
        await desktop.stop()
