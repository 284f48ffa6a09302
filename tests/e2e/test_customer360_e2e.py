"""Customer 360 and the screen pop (issue 6), end to end on real parts.

Real central API on loopback (seeded SQLite) -> a real cache file -> `queue.join` / `call.ringing`
over a real TCP socket into the CTI listener -> the real main window, driven and read through its
widgets with pytest-qt. Fetches are counted at the API client the desktop really uses (a subclass
that counts and then does the real request), never mocked.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from customer360_rig import (
    HOTLINE,
    HOTLINE_NAME,
    CountingApi,
    _connect,
    _national,
    _runtime,
    _server_customer,
    _wait,
)
from PySide6.QtCore import Qt

from calldesk_domain.phone import national_display, normalize
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi


# -- matching -----------------------------------------------------------------------------------
async def test_single_match_pops_the_card_and_names_the_hotline(desktop, seeded_central_sqlite):
    customer = seeded_central_sqlite.sample_customer()
    cti = await _connect(desktop)
    await cti.ring("m-1", _national(customer["mobile"]), dnis=HOTLINE, queue="support")
    card = desktop.window.card
    await _wait(lambda: card.current_customer_id() == customer["id"])
    assert card.page() == "card"
    assert card.header_name_text() == customer["name"]
    assert card.orders_count() == customer["order_count"]
    bar = desktop.window.call_bar
    assert bar.in_call()
    assert f"Hotline: {HOTLINE_NAME}" in bar.route_text()
    assert "Queue: support" in bar.route_text()
    cti.writer.close()


async def test_a_dnis_without_a_name_shows_the_number(desktop, seeded_central_sqlite):
    customer = seeded_central_sqlite.sample_customer()
    cti = await _connect(desktop)
    await cti.ring("m-1b", customer["mobile"], dnis="4009990000")
    await _wait(lambda: desktop.window.card.current_customer_id() == customer["id"])
    assert "Hotline: 4009990000" in desktop.window.call_bar.route_text()
    cti.writer.close()


async def test_shared_landline_chooser_enter_opens_the_chosen_card(desktop, seeded_central_sqlite, qtbot):
    landline = seeded_central_sqlite.shared_landline()
    sharing = seeded_central_sqlite.customers_with_phone(landline)
    cti = await _connect(desktop)
    await cti.ring("m-2", _national(landline))
    card = desktop.window.card
    await _wait(lambda: card.page() == "matches")
    table = card._matches_table
    model = table.model()
    listed = [model.record(r).card.customer_id for r in range(model.rowCount())]
    assert sorted(listed) == sharing and len(listed) >= 2
    # the chooser shows who each one is: name, tier, last order, last contact
    for column in range(model.columnCount()):
        assert model.headerData(column, Qt.Orientation.Horizontal)
    assert all(model.index(r, 0).data() for r in range(model.rowCount()))
    await _wait(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    chosen = model.record(table.currentIndex().row()).card.customer_id
    assert chosen == listed[1]
    qtbot.keyClick(table, Qt.Key.Key_Return)
    await _wait(lambda: card.current_customer_id() == chosen and card.page() == "card")
    expected = _server_customer(seeded_central_sqlite, chosen)
    assert card.header_name_text() == expected["customer"]["name"]
    assert card.orders_count() == len(expected["orders"])
    cti.writer.close()


async def test_unknown_caller_gets_the_new_customer_page_with_the_number(desktop, qtbot):
    cti = await _connect(desktop)
    await cti.ring("m-3", "139 1234 5670")
    card = desktop.window.card
    await _wait(lambda: card.page() == "new_caller")
    assert card.current_customer_id() is None
    digits = "".join(ch for ch in card.new_caller_text() if ch.isdigit())
    assert digits.endswith("5670") and digits.startswith("139")
    assert card._create_button.isEnabled()
    with qtbot.waitSignal(card.createCustomerRequested, timeout=2000) as create:
        qtbot.mouseClick(card._create_button, Qt.MouseButton.LeftButton)
    assert create.args == ["+8613912345670"]  # the form is prefilled with the caller's number
    cti.writer.close()


async def test_withheld_caller_focuses_the_search_box(desktop, qtbot):
    window = desktop.window
    window.activateWindow()
    cti = await _connect(desktop)
    await cti.ring("m-4", "anonymous")
    await _wait(lambda: window.card.page() == "withheld")
    await _wait(window.search_box.hasFocus)
    qtbot.keyClicks(window.search_box, "zz")
    assert window.search_box.text() == "zz"  # the agent can type the caller's name straight away
    assert window.call_bar.caller_text() == "Withheld number"
    cti.writer.close()


async def test_landline_with_area_code_in_national_form(desktop, seeded_central_sqlite):
    customer = seeded_central_sqlite.sample_customer()
    landline = customer["landline"]
    national = national_display(landline)  # e.g. 010 1234 5678
    area, _, rest = national.partition(" ")
    dashed = f"{area}-{rest.replace(' ', '')}"  # what a PBX or a business card says: 010-12345678
    assert dashed.startswith("0") and normalize(dashed) == landline
    cti = await _connect(desktop)
    await cti.ring("m-5", dashed)
    await _wait(lambda: desktop.window.card.current_customer_id() == customer["id"])
    assert desktop.window.card.header_name_text() == customer["name"]
    cti.writer.close()


# -- detail window -------------------------------------------------------------------------------
async def test_with_the_default_window_a_pop_fetches_the_whole_card_once_then_it_is_cached(
    seeded_central_sqlite, tmp_path, qtbot
):
    """The initial sync brings the pop index and only the last 180 days of records: the pop of a
    customer with older orders shows the cached ones, fetches the whole card and caches it."""
    central = seeded_central_sqlite
    runtime = await _runtime(central, tmp_path, qtbot, background_sync=False, detail_window_days=180)
    try:
        customer = central.sample_customer()
        store = runtime.store
        assert store.counts()["customers"] == 300  # the pop index is whole
        with sa.create_engine(central.db_url).connect() as conn:
            server_orders = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
        assert 0 < store.counts()["orders"] < server_orders  # only the window's records
        assert not store.has_detail(customer["id"]) and not store.feed_complete()
        cti = await _connect(runtime)
        await cti.ring("win-1", customer["mobile"])
        card = runtime.window.card
        await _wait(lambda: card.current_customer_id() == customer["id"])
        await _wait(lambda: card.orders_count() == customer["order_count"])
        await _wait(lambda: store.has_detail(customer["id"]))
        assert runtime.api.detail_requests == [customer["id"]]  # type: ignore[attr-defined]
        cached = store.customer_detail(customer["id"])
        assert cached is not None and len(cached.orders) == customer["order_count"]
        cti.writer.close()
    finally:
        await runtime.stop()


def _windowed_customer(central, store: CacheStore) -> tuple[str, str, int, int]:
    """A customer with orders inside the cached window and older ones outside it, and a mobile
    no one else has: (id, mobile, cached orders, server orders)."""
    rows = central._rows(
        "SELECT o.customer_id, count(*) FROM orders o GROUP BY o.customer_id ORDER BY o.customer_id"
    )
    for customer_id, server_orders in rows:
        detail = store.customer_detail(customer_id)
        cached = len(detail.orders) if detail is not None else 0
        if not 0 < cached < server_orders:
            continue
        for (e164,) in central._rows(
            "SELECT e164 FROM customer_phones WHERE customer_id = :c AND kind = 'mobile'", c=customer_id
        ):
            if central.customers_with_phone(e164) == [customer_id]:
                return customer_id, e164, cached, server_orders
    raise AssertionError("the seed has no customer with orders both inside and outside the window")


async def test_the_window_paints_with_the_header_and_older_orders_are_appended(
    seeded_central_sqlite, tmp_path, qtbot
):
    """After the windowed first sync the card never waits for the network: the cached 180 days
    paint in the header's frame with a "loading older history" row, the older orders come under
    them, and the agent's selection in the table stays where it was."""
    central = seeded_central_sqlite
    runtime = await _runtime(central, tmp_path, qtbot, background_sync=False, detail_window_days=180)
    try:
        _, mobile, cached, server_orders = _windowed_customer(central, runtime.store)
        card = runtime.window.card
        first: list[tuple[int, str, list[str]]] = []
        runtime.customers.popPainted.connect(
            lambda p: first.append((card.orders_count(), card.older_text(), card.tab_titles()))
        )
        gate = asyncio.Event()
        api: CountingApi = runtime.api  # type: ignore[assignment]
        real_detail = CentralApi.customer_detail

        async def held_detail(customer: str):  # the real request, answered once the test has looked
            await gate.wait()
            return await real_detail(api, customer)

        api.customer_detail = held_detail  # type: ignore[method-assign]
        cti = await _connect(runtime)
        await cti.ring("win-2", _national(mobile))
        await _wait(lambda: bool(first))
        assert first[0][0] == cached and first[0][1] == "Loading older history…"
        assert f"Orders ({cached}+)" in first[0][2]
        await asyncio.sleep(0.1)
        table = card._orders_tab.table
        table.selectRow(0)
        selected = card._orders_tab.model.record(0).id
        assert card.orders_count() == cached and card.older_text() == "Loading older history…"
        gate.set()
        await _wait(lambda: card.orders_count() == server_orders)
        assert card.older_text() == ""
        assert f"Orders ({server_orders})" in card.tab_titles()
        assert card._orders_tab.model.record(table.currentIndex().row()).id == selected
        placed = [order.placed_at for order in card._orders_tab.model.records()]
        assert placed == sorted(placed, reverse=True)  # still newest first with the older ones below
        cti.writer.close()
    finally:
        await runtime.stop()


async def test_offline_the_window_paints_and_says_older_history_is_not_available(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    runtime = await _runtime(central, tmp_path, qtbot, background_sync=False, detail_window_days=180)
    try:
        _, mobile, cached, _ = _windowed_customer(central, runtime.store)
        central.go_offline()
        runtime.session.set_connectivity("offline")
        card = runtime.window.card
        first: list[tuple[int, str]] = []
        runtime.customers.popPainted.connect(lambda p: first.append((card.orders_count(), card.older_text())))
        cti = await _connect(runtime)
        await cti.ring("win-3", _national(mobile))
        await _wait(lambda: bool(first))
        assert first[0] == (cached, "Older history not available offline")
        assert card.is_stale()
        await asyncio.sleep(0.3)  # the fetch tried anyway fails: the row still says why
        assert card.orders_count() == cached
        assert card.older_text() == "Older history not available offline"
        cti.writer.close()
    finally:
        await runtime.stop()


# -- pre-warm and progressive fill ---------------------------------------------------------------
async def test_queue_join_prewarms_so_the_card_is_whole_at_ring_with_one_fetch(
    on_demand_desktop, seeded_central_sqlite
):
    runtime = on_demand_desktop
    api: CountingApi = runtime.api  # type: ignore[assignment]
    customer = seeded_central_sqlite.sample_customer()
    assert not runtime.store.has_detail(customer["id"])
    cti = await _connect(runtime)
    await cti.send({"type": "queue.join", "call_id": "w-1", "caller": customer["mobile"], "queue": "support"})
    await _wait(lambda: runtime.store.has_detail(customer["id"]))  # fetched and cached while queued
    assert api.detail_requests == [customer["id"]]

    at_pop: list[tuple[str, int, str | None]] = []
    card = runtime.window.card
    runtime.customers.popPainted.connect(
        lambda painted: at_pop.append((card.page(), card.orders_count(), card.tab_message(0)))
    )
    await cti.ring("w-1", customer["mobile"])
    await _wait(lambda: bool(at_pop))
    # the first paint of the ring already holds every order: nothing left loading
    assert at_pop[0] == ("card", customer["order_count"], None)
    await asyncio.sleep(0.2)
    assert api.detail_requests == [customer["id"]]  # no second fetch
    assert runtime.screenpop.pops_emitted == 1
    cti.writer.close()


async def test_the_cached_records_paint_with_the_header_and_the_fetch_appends_nothing_new(
    on_demand_desktop, seeded_central_sqlite
):
    """Every record is cached but the cache cannot know it is the whole record: the tabs still
    paint from the cache in the header's frame, the whole record is fetched behind them, and the
    row about older history goes once it has come (nothing was missing, nothing is added)."""
    runtime = on_demand_desktop
    runtime.session.set_connectivity("online")  # what the background pull would have said
    customer = seeded_central_sqlite.sample_customer()
    card = runtime.window.card
    seen: list[tuple[str, str, int, str | None, str]] = []

    def note(kind: str) -> None:
        shown = (card.header_name_text(), card.orders_count(), card.tab_message(0), card.older_text())
        seen.append((kind, *shown))

    runtime.customers.popPainted.connect(lambda p: note("header"))
    runtime.customers.historyPainted.connect(lambda p: note("history"))
    cti = await _connect(runtime)
    await cti.ring("p-1", customer["mobile"])
    await _wait(lambda: len(seen) >= 2)
    count = customer["order_count"]
    assert seen[0] == ("header", customer["name"], count, None, "Loading older history…")
    assert seen[1] == ("history", customer["name"], count, None, "")
    assert f"Orders ({count}+)" not in card.tab_titles() and f"Orders ({count})" in card.tab_titles()
    assert runtime.api.detail_requests == [customer["id"]]  # type: ignore[attr-defined]
    assert not card.is_stale()
    cti.writer.close()


def _newcomer(central, phone: str) -> tuple[str, str]:
    """A customer (with one order) created on the server after the desktop synced."""
    sample = central.sample_customer()
    order = dict(_server_customer(central, sample["id"])["orders"][0])
    customer_id, order_no = "C0777777", "SO-NEW-0001"
    central.write(
        "customer",
        {"id": customer_id, "name": "后来者", "phones": [{"e164": phone, "kind": "mobile"}]},
    )
    order.update({"id": str(uuid.uuid4()), "customer_id": customer_id, "order_no": order_no})
    order.pop("version", None)
    central.write("order", order)
    return customer_id, order_no


async def test_a_customer_created_after_sync_is_found_online_then_filled(
    desktop_without_pull, seeded_central_sqlite
):
    desktop = desktop_without_pull
    customer_id, order_no = _newcomer(seeded_central_sqlite, "+8613677776666")
    card = desktop.window.card
    kinds: list[str] = []
    desktop.customers.popPainted.connect(lambda p: kinds.append(p.kind))
    cti = await _connect(desktop)
    await cti.ring("o-1", "136 7777 6666")
    await _wait(lambda: card.current_customer_id() == customer_id and card.orders_count() == 1)
    assert kinds[0] == "unknown"  # the cached answer was painted without waiting for the network
    assert kinds[-1] == "single"
    assert card.header_name_text() == "后来者"
    assert card._orders_tab.model.record(0).order_no == order_no
    assert desktop.api.lookup_requests == ["+8613677776666"]  # type: ignore[attr-defined]
    cti.writer.close()


async def test_prewarmed_online_caller_is_whole_at_ring(desktop_without_pull, seeded_central_sqlite):
    desktop = desktop_without_pull
    customer_id, _ = _newcomer(seeded_central_sqlite, "+8613677775555")
    api: CountingApi = desktop.api  # type: ignore[assignment]
    cti = await _connect(desktop)
    await cti.send({"type": "queue.join", "call_id": "o-2", "caller": "13677775555", "queue": "vip"})
    await _wait(lambda: api.detail_requests == [customer_id])
    await asyncio.sleep(0.2)  # the fetched detail lands in the cache
    first: list[tuple[str, int]] = []
    card = desktop.window.card
    desktop.customers.popPainted.connect(lambda p: first.append((p.kind, card.orders_count())))
    await cti.ring("o-2", "13677775555")
    await _wait(lambda: bool(first))
    assert first[0] == ("single", 1)
    await asyncio.sleep(0.2)
    assert api.detail_requests == [customer_id] and len(api.lookup_requests) == 1
    cti.writer.close()


async def test_offline_pop_marks_cached_data_stale_and_does_not_crash(
    on_demand_desktop, seeded_central_sqlite
):
    runtime = on_demand_desktop
    customer = seeded_central_sqlite.sample_customer()
    seeded_central_sqlite.go_offline()  # the central API goes away
    cti = await _connect(runtime)
    await cti.ring("s-1", customer["mobile"])
    card = runtime.window.card
    await _wait(lambda: card.current_customer_id() == customer["id"] and card.is_stale(), timeout_s=15)
    assert card.header_name_text() == customer["name"]
    assert card.orders_count() == customer["order_count"]  # what the cache had, marked as such
    assert "offline" in card._stale.text()
    # the desktop keeps working: the next caller still pops
    await cti.ring("s-2", "anonymous")
    await _wait(lambda: card.page() == "withheld")
    cti.writer.close()


async def test_cached_card_is_marked_stale_once_the_server_is_found_unreachable(
    desktop, seeded_central_sqlite
):
    customer = seeded_central_sqlite.sample_customer()
    cti = await _connect(desktop)
    await cti.ring("s-4", customer["mobile"])
    card = desktop.window.card
    await _wait(lambda: card.current_customer_id() == customer["id"])
    assert not card.is_stale()  # online: the synced cache is current
    seeded_central_sqlite.go_offline()
    assert await desktop.sync.connectivity.cycle() is False  # the real background check finds it down
    assert desktop.window.connection_state() == "offline"
    await cti.ring("s-5", customer["mobile"])
    await _wait(lambda: card.is_stale())
    assert card.orders_count() == customer["order_count"]  # still the whole cached card
    cti.writer.close()


async def test_offline_pop_of_a_customer_with_nothing_cached_says_so(seeded_central_sqlite, tmp_path, qtbot):
    # no background pull: it could bring the newcomer's records through the feed first (then the card
    # is rightly complete); this test is about a customer known only from an online lookup
    desktop = await _runtime(seeded_central_sqlite, tmp_path, qtbot, background_sync=False)
    try:
        customer_id, _ = _newcomer(seeded_central_sqlite, "+8613677774444")
        await desktop.lookup.match_caller_online("13677774444")  # its pop row reaches the cache, no detail
        seeded_central_sqlite.go_offline()
        cti = await _connect(desktop)
        await cti.ring("s-3", "13677774444")
        card = desktop.window.card
        await _wait(lambda: card.current_customer_id() == customer_id)
        assert card.header_name_text() == "后来者"
        cti.writer.close()
        await _wait(card.is_stale, timeout_s=8)
        assert (card.tab_message(0) or "").startswith("Details not available")
    finally:
        await desktop.stop()


# -- masking by role -----------------------------------------------------------------------------
@pytest.mark.parametrize(("user", "masked"), [("1001", True), ("super", False)])
async def test_numbers_are_masked_for_agents_and_full_for_supervisors(
    seeded_central_sqlite, tmp_path, qtbot, user, masked
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot, user=user)
    try:
        runtime.screenpop.set_agent(None)  # the supervisor is not agent 1001: take every ring
        customer = seeded_central_sqlite.sample_customer()
        mobile = customer["mobile"]
        cti = await _connect(runtime)
        await cti.ring("r-1", _national(mobile))
        card = runtime.window.card
        await _wait(lambda: card.current_customer_id() == customer["id"])
        digits = mobile[3:]
        masked_form = digits[:3] + "****" + digits[-4:]
        if masked:
            assert masked_form in card.phones_text()
            assert digits not in card.phones_text().replace(" ", "")
            assert runtime.window.call_bar.caller_text() == masked_form
        else:
            assert "****" not in card.phones_text()
            assert digits in card.phones_text().replace(" ", "")
            assert digits in runtime.window.call_bar.caller_text().replace(" ", "")
        cti.writer.close()
    finally:
        await runtime.stop()


# -- search ----------------------------------------------------------------------------------------
