"""The card's "Tickets & contacts" tab and ticket-number search (issue 14), on real parts.

Desktop A is a whole DesktopApp (real central API on loopback, its own cache file, the real main
window driven with pytest-qt). Desktop B is a second cache file with the product's TicketService
and PushSync against the same central API: the ticket it writes reaches A only through the server
and A's own pull.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.cache.store import CacheStore
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.contacts import ContactService
from desktop.services.push import PushSync
from desktop.services.tickets import TicketService
from desktop.services.worker import release_worker_store


async def _wait(predicate: Callable[[], bool], timeout_s: float = 8.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def _desktop_a(central, tmp_path: Path, qtbot) -> DesktopApp:
    api = CentralApi(central.url)
    login = await api.login("1001", "demo")
    runtime = DesktopApp(
        Settings(
            central_url=central.url,
            cache_path=str(tmp_path / f"a-{uuid.uuid4().hex[:6]}.sqlite3"),
            cti_port=0,
            detail_window_days=0,
        ),
        api,
        login,
        cti_token=secrets.token_urlsafe(16),
    )
    qtbot.addWidget(runtime.window)
    runtime.window.resize(1366, 768)
    runtime.sync.start_background = lambda: None  # type: ignore[method-assign]  # the test pulls
    await runtime.start()
    return runtime


async def _ticket_from_desktop_b(central, tmp_path: Path, customer_id: str, text: str) -> str:
    """Desktop B (agent 1002, its own cache) writes a ticket and a contact log and pushes them."""
    path = tmp_path / f"b-{uuid.uuid4().hex[:6]}.sqlite3"
    api = CentralApi(central.url)
    await api.login("1002", "demo")
    try:
        with CacheStore(path) as store:
            tickets = TicketService(store, "1002")
            ticket = tickets.draft(customer_id, call_id="b-call-1", category="fault")
            ticket.fault_description = text
            ticket.product_model = "X1"
            await tickets.save(ticket)
            contacts = ContactService(store, "1002")
            contact = contacts.open_for("b-call-1", customer_id)
            contact.disposition = "ticket_created"
            contact.ticket_id = ticket.id
            contact.notes = "客户来电报修"
            await contacts.save(contact)
        result = await PushSync(api, path).run()
        assert (result.rejected, result.conflicts, result.remaining) == (0, 0, 0)  # both reached the server
        return ticket.id
    finally:
        await release_worker_store(path)
        await api.aclose()


async def test_a_ticket_from_another_desktop_shows_in_the_tab_after_sync_and_opens_on_click(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    runtime = await _desktop_a(central, tmp_path, qtbot)
    try:
        customer = central.sample_customer()
        card = runtime.window.card
        runtime.customers.show_customer(customer["id"])
        await _wait(lambda: card.current_customer_id() == customer["id"])
        tab = card.work_tab
        assert tab.model.rowCount() == 0
        assert "(0)" in card.tab_titles()[-1]

        ticket_id = await _ticket_from_desktop_b(central, tmp_path, customer["id"], "洗衣机不脱水")
        assert tab.model.rowCount() == 0  # nothing reaches A but through its own pull
        await runtime.sync.pull()
        await _wait(lambda: tab.model.rowCount() == 2)
        kinds = [tab.item(row).kind for row in range(2)]
        assert sorted(kinds) == ["contact", "ticket"]
        assert tab.item(tab.row_of(ticket_id)).summary == "洗衣机不脱水"
        assert "(2)" in card.tab_titles()[-1]

        card.select_tab(len(card.tab_titles()) - 1)
        row = tab.row_of(ticket_id)
        rect = tab.table.visualRect(tab.model.index(row, 2))
        qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await _wait(lambda: runtime.tickets.form is not None)
        form = runtime.tickets.form
        assert form is not None and form.ticket.id == ticket_id
        form.close()
    finally:
        await runtime.stop()


async def test_newest_first_and_a_saved_ticket_appears_at_once(seeded_central_sqlite, tmp_path, qtbot):
    central = seeded_central_sqlite
    runtime = await _desktop_a(central, tmp_path, qtbot)
    try:
        customer = central.sample_customer()
        card = runtime.window.card
        runtime.customers.show_customer(customer["id"])
        await _wait(lambda: card.current_customer_id() == customer["id"])
        service = runtime.tickets.tickets
        older = service.draft(customer["id"])
        older.fault_description = "旧工单"
        older.created_at = datetime(2026, 1, 5, tzinfo=UTC)
        await service.save(older)
        newer = service.draft(customer["id"])
        newer.fault_description = "新工单"
        await service.save(newer)
        tab = card.work_tab
        assert [tab.item(r).id for r in range(tab.model.rowCount())] == [newer.id, older.id]
    finally:
        await runtime.stop()


async def test_enter_on_a_ticket_number_in_the_search_opens_the_ticket(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    runtime = await _desktop_a(central, tmp_path, qtbot)
    try:
        customer = central.sample_customer()
        service = runtime.tickets.tickets
        ticket = service.draft(customer["id"])
        ticket.fault_description = "搜索工单号"
        await service.save(ticket)
        box = runtime.window.search_box
        box.setFocus()
        qtbot.keyClicks(box, ticket.id.lower())  # typed in small letters: still found
        qtbot.keyClick(box, Qt.Key.Key_Return)
        await _wait(lambda: runtime.tickets.form is not None)
        assert runtime.tickets.form.ticket.id == ticket.id  # type: ignore[union-attr]
        runtime.tickets.form.close()  # type: ignore[union-attr]
        assert runtime.tickets.form is None  # released as it closed
        # not a ticket number: no form, and no error
        box.clear()
        qtbot.keyClicks(box, "T-NOT-A-TICKET")
        qtbot.keyClick(box, Qt.Key.Key_Return)
        await asyncio.sleep(0.1)
        assert runtime.tickets.form is None
    finally:
        await runtime.stop()
