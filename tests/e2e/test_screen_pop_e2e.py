"""The first vertical slice, end to end on real parts.

Real central API on loopback (SQLite, and PostgreSQL where CALLDESK_TEST_PG_URL is set) with
seeded data -> the desktop's initial sync into a temp SQLite file -> `call.ringing` over a real
TCP socket into the CTI listener -> the real main window, asserted through its widgets.
"""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest

from calldesk_domain.phone import normalize
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi


async def _cti_source(port: int, token: str, agent: str = "1001"):
    # bounded: a connect that never completes fails the test in 10 s instead of hanging it
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    writer.write((json.dumps({"type": "hello", "token": token, "agent": agent}) + "\n").encode())
    await writer.drain()
    reply = json.loads(await asyncio.wait_for(reader.readline(), 5))
    assert reply["type"] == "hello.ok"
    return reader, writer


def _send(writer, event: dict) -> None:
    writer.write((json.dumps(event, ensure_ascii=False) + "\n").encode())


async def _wait(qtbot, predicate, timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def desktop(seeded_central, tmp_path, qtbot):
    api = CentralApi(seeded_central.url)
    session = await api.login("1001", "demo")
    settings = Settings(  # detail_window_days=0: the initial sync brings every record (whole cards)
        central_url=seeded_central.url,
        cache_path=str(tmp_path / "cache.sqlite3"),
        cti_port=0,
        detail_window_days=0,
    )
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start()
    yield runtime
    await runtime.stop()


async def test_ringing_known_caller_pops_the_right_customer(desktop, seeded_central, qtbot):
    customer = seeded_central.sample_customer()
    counts = desktop.store.counts()
    assert counts["customers"] >= 300  # the initial sync filled the pop index

    _reader, writer = await _cti_source(desktop.cti.listener.port, desktop.cti_token)
    # the PBX sends the national form, the cache holds E.164: the match must still be exact
    national = (
        "0" + customer["mobile"][3:] if not customer["mobile"].startswith("+861") else customer["mobile"][3:]
    )
    _send(
        writer,
        {
            "type": "call.ringing",
            "call_id": "e2e-1",
            "caller": national,
            "dnis": "4008123456",
            "queue": "support",
            "agent": "1001",
            "ts": 1.0,
        },
    )
    await writer.drain()

    card = desktop.window.card
    await _wait(
        qtbot,
        lambda: (
            card.current_customer_id() == customer["id"] and card.orders_count() == customer["order_count"]
        ),
    )
    assert card.page() == "card"
    assert customer["name"] in card.header_name_text()
    with seeded_central.client() as client:
        server_points = client.get(f"/api/v1/customers/{customer['id']}").json()["customer"]["points_balance"]
    assert f"{server_points:,}" in card.points_text() or str(server_points) in card.points_text()
    writer.close()


async def test_unknown_number_shows_new_caller(desktop, qtbot):
    _reader, writer = await _cti_source(desktop.cti.listener.port, desktop.cti_token)
    _send(
        writer,
        {"type": "call.ringing", "call_id": "e2e-2", "caller": "13912345670", "agent": "1001", "ts": 2.0},
    )
    await writer.drain()
    card = desktop.window.card
    await _wait(qtbot, lambda: card.page() == "new_caller")
    assert card.current_customer_id() is None
    writer.close()


async def test_shared_landline_offers_a_chooser(desktop, seeded_central, qtbot):
    landline = seeded_central.shared_landline()
    expected = seeded_central.customers_with_phone(landline)
    _reader, writer = await _cti_source(desktop.cti.listener.port, desktop.cti_token)
    _send(
        writer, {"type": "call.ringing", "call_id": "e2e-3", "caller": landline, "agent": "1001", "ts": 3.0}
    )
    await writer.drain()
    await _wait(qtbot, lambda: desktop.window.card.page() == "matches")
    assert normalize(landline) == landline and len(expected) >= 2
    writer.close()


async def test_bad_lines_on_the_socket_do_not_stop_pops(desktop, seeded_central, qtbot):
    customer = seeded_central.sample_customer()
    _reader, writer = await _cti_source(desktop.cti.listener.port, desktop.cti_token)
    writer.write(b"{not json\n" + b"x" * 70000 + b"\n" + b'{"type":"call.exploded","ts":1}\n')
    _send(
        writer,
        {
            "type": "call.ringing",
            "call_id": "e2e-4",
            "caller": customer["mobile"],
            "agent": "1001",
            "ts": 4.0,
        },
    )
    await writer.drain()
    await _wait(qtbot, lambda: desktop.window.card.current_customer_id() == customer["id"])
    stats = desktop.cti.listener.stats
    assert stats.bad_json >= 1 and stats.oversized_lines >= 1
    writer.close()


async def test_pbx_link_loss_is_shown_and_cleared(desktop, qtbot):
    _reader, writer = await _cti_source(desktop.cti.listener.port, desktop.cti_token)
    _send(writer, {"type": "pbx.disconnected", "detail": "connection refused", "ts": 5.0})
    await writer.drain()
    await _wait(qtbot, lambda: desktop.session.pbx_connected is False)
    assert any("connection refused" in text for text in desktop.window.banners.texts())
    _send(writer, {"type": "pbx.connected", "ts": 6.0})
    await writer.drain()
    await _wait(qtbot, lambda: desktop.session.pbx_connected is True)
    writer.close()


async def _next_message(reader, type_: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(reader.readline(), 5))
        if message.get("type") == type_:
            return message


async def test_f5_answers_the_ringing_call_and_a_refusal_is_shown(desktop, seeded_central, qtbot):
    from PySide6.QtCore import Qt

    customer = seeded_central.sample_customer()
    reader, writer = await _cti_source(desktop.cti.listener.port, desktop.cti_token)
    _send(
        writer,
        {
            "type": "call.ringing",
            "call_id": "e2e-f5",
            "caller": customer["mobile"],
            "agent": "1001",
            "ts": 7.0,
        },
    )
    await writer.drain()
    await _wait(qtbot, lambda: desktop.window.card.current_customer_id() == customer["id"])
    qtbot.keyClick(desktop.window, Qt.Key.Key_F5)
    command = await _next_message(reader, "command")
    assert (command["action"], command["call_id"]) == ("answer", "e2e-f5")
    _send(
        writer,
        {
            "type": "command.result",
            "id": command["id"],
            "ok": False,
            "message": "answer on the phone: this PBX cannot take a SIP phone off-hook",
        },
    )
    await writer.drain()
    await _wait(qtbot, lambda: any("off-hook" in t for t in desktop.window.banners.texts()))
    writer.close()


async def test_dial_handoff_reaches_the_cti_source(desktop, qtbot):
    reader, writer = await _cti_source(desktop.cti.listener.port, desktop.cti_token)
    await _wait(qtbot, lambda: "1001" in desktop.cti.listener.connected_agents())
    desktop.cti.send_command("dial", target="+861012345678")
    command = await _next_message(reader, "command")
    assert (command["action"], command["target"]) == ("dial", "+861012345678")
    writer.close()
