"""Contact log on call end, driven by real CTI events over the socket into the real desktop.

Real central API (SQLite) -> initial sync -> call.ringing / call.answered / call.ended over a
TCP connection to the CTI listener -> the wrap-up screen opens with the CTI's times -> the agent
fills it in with the mouse -> the contact is stored locally with its outbox row.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from calldesk_domain.models import format_ts
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi

T_RING, T_ANSWER, T_END = 1_795_000_000.0, 1_795_000_004.0, 1_795_000_190.0


async def _cti(port: int, token: str):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((json.dumps({"type": "hello", "token": token, "agent": "1001"}) + "\n").encode())
    await writer.drain()
    assert json.loads(await asyncio.wait_for(reader.readline(), 5))["type"] == "hello.ok"
    return reader, writer


async def _send(writer, event: dict) -> None:
    writer.write((json.dumps(event, ensure_ascii=False) + "\n").encode())
    await writer.drain()


async def _wait(predicate, timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def desktop(seeded_central_sqlite, tmp_path, qtbot):
    api = CentralApi(seeded_central_sqlite.url)
    session = await api.login("1001", "demo")
    settings = Settings(
        central_url=seeded_central_sqlite.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0
    )
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start()
    yield runtime
    await runtime.stop()


async def _call(desktop, customer_mobile: str, call_id: str) -> None:
    _reader, writer = await _cti(desktop.cti.listener.port, desktop.cti_token)
    common = {"call_id": call_id, "caller": customer_mobile, "agent": "1001", "queue": "support"}
    await _send(writer, {"type": "call.ringing", "ts": T_RING, "dnis": "4008123456", **common})
    await _wait(lambda: desktop.window.card.current_customer_id() is not None)
    await _send(writer, {"type": "call.answered", "ts": T_ANSWER, **common})
    await asyncio.sleep(0.05)
    assert desktop.tickets.wrapup is None  # nothing to wrap up while the call runs
    await _send(writer, {"type": "call.ended", "ts": T_END, **common})
    await _wait(lambda: desktop.tickets.wrapup is not None and desktop.tickets.wrapup.isVisible())
    writer.close()


async def test_call_end_opens_wrap_up_with_cti_times_and_saves_the_contact(
    desktop, seeded_central_sqlite, qtbot
):
    customer = seeded_central_sqlite.sample_customer()
    await _call(desktop, customer["mobile"], "e2e-wrap-1")
    dialog = desktop.tickets.wrapup
    contact = dialog.contact
    assert contact.call_id == "e2e-wrap-1" and contact.customer_id == customer["id"]
    assert contact.started_at == datetime.fromtimestamp(T_ANSWER, UTC)
    assert contact.ended_at == datetime.fromtimestamp(T_END, UTC)
    assert dialog.duration.text() == "03:06"
    assert customer["name"] in dialog.customer.text()
    assert not desktop.tickets.may_go_ready()

    # Cannot dismiss it unsaved: the agent may not go ready with an unsaved contact.
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "go ready" in dialog.message.text()
    # Saving without a disposition: the message sits next to the field.
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert dialog.errors["disposition"].isVisible()
    assert desktop.store.local_records("contact") == []

    dialog.disposition.setCurrentIndex(dialog.disposition.findData("resolved"))
    dialog.satisfaction.setCurrentIndex(dialog.satisfaction.findData(4))
    dialog.notes.setPlainText("咨询保修，卡号 4111-1111-1111-1111 已告知不要提供")
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
        await desktop.tickets.contacts.settled()  # written on the cache worker
    [stored] = desktop.store.local_records("contact")
    assert stored["call_id"] == "e2e-wrap-1" and stored["disposition"] == "resolved"
    assert stored["satisfaction"] == 4 and stored["direction"] == "inbound" and stored["channel"] == "phone"
    assert stored["started_at"] == format_ts(datetime.fromtimestamp(T_ANSWER, UTC))
    assert stored["ended_at"] == format_ts(datetime.fromtimestamp(T_END, UTC))
    assert "4111" not in stored["notes"].replace("****1111", "")
    assert desktop.tickets.may_go_ready()
    outbox = list(desktop.store._conn.execute("SELECT entity, entity_id FROM outbox"))
    assert [tuple(r) for r in outbox if r[0] == "contact"] == [("contact", stored["id"])]
    assert ("agent_call", "e2e-wrap-1") in {tuple(r) for r in outbox}  # Calls today, pushed too (#14)


async def test_ticket_from_the_call_is_pre_linked_and_offered_at_wrap_up(
    desktop, seeded_central_sqlite, qtbot
):
    customer = seeded_central_sqlite.sample_customer()
    _reader, writer = await _cti(desktop.cti.listener.port, desktop.cti_token)
    common = {"call_id": "e2e-wrap-2", "caller": customer["mobile"], "agent": "1001"}
    await _send(writer, {"type": "call.ringing", "ts": T_RING, **common})
    await _wait(lambda: desktop.window.card.current_customer_id() == customer["id"])
    await _send(writer, {"type": "call.answered", "ts": T_ANSWER, **common})
    await asyncio.sleep(0.05)
    desktop.window.new_ticket_action.trigger()  # Ctrl+N
    form = desktop.tickets.form
    assert (
        form is not None and form.ticket.customer_id == customer["id"] and form.ticket.call_id == "e2e-wrap-2"
    )
    assert customer["name"] in form.customer.text()
    form.fault_description.setPlainText("洗衣机显示 E21")
    with qtbot.waitSignal(form.saved):
        qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        await form.submit()  # the save the click started
    await _send(writer, {"type": "call.ended", "ts": T_END, **common})
    await _wait(lambda: desktop.tickets.wrapup is not None and desktop.tickets.wrapup.isVisible())
    assert desktop.tickets.wrapup.ticket.currentData() == form.ticket.id
    assert desktop.tickets.my_work.models["mine"].rowCount() == 1
    writer.close()
