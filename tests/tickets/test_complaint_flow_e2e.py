"""Complaint flow end to end: record -> acknowledge -> investigate -> resolve -> call back ->
satisfaction check -> close, driven through the ticket form's widgets, stored offline, pushed to
the real central API; the server copy carries every stage with who and when."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop.services.api import CentralApi
from desktop.services.push import PushSync
from desktop.services.tickets import TicketService
from desktop.views.ticket_form import TicketForm

STEPS = [
    ("assign", "转投诉专员"),
    ("acknowledge", "已电话告知受理"),
    ("start", ""),
    ("investigate", "调取物流记录"),
    ("resolve_complaint", "补发配件并赠送 200 积分"),
    ("resolve", ""),
    ("call_back", "客户确认收到"),
    ("satisfaction_check", "满意度 4"),
    ("close", ""),
]


def _offered(form: TicketForm) -> list[str]:
    return [form.action.itemData(i) for i in range(1, form.action.count())]


async def test_complaint_walks_its_stages_through_the_form_and_reaches_the_server(
    qtbot, store, clock, seeded_central_sqlite
):
    service = TicketService(store, "1001", clock=clock)
    form = TicketForm(service.draft("C0000001", "call-c1", category="complaint"), service.save, clock=clock)
    qtbot.addWidget(form)
    form.fault_description.setPlainText("快递员态度恶劣，包裹破损")
    form.assignee_group.setCurrentIndex(form.assignee_group.findData("complaints"))
    with qtbot.waitSignal(form.saved):
        qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        await form.submit()  # the save the click started
    ticket_id = form.ticket.id

    for action, note in STEPS:
        clock.now += timedelta(minutes=1)
        form = TicketForm(service.get(ticket_id), service.save, clock=clock)
        qtbot.addWidget(form)
        offered = _offered(form)
        assert action in offered, (action, offered)
        if action in ("call_back", "satisfaction_check"):
            assert "close" not in offered  # no closing before the satisfaction check
        form.action.setCurrentIndex(form.action.findData(action))
        form.note.setText(note)
        with qtbot.waitSignal(form.saved):
            qtbot.mouseClick(
                form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
            )
            await form.submit()  # the save the click started

    local = service.get(ticket_id)
    assert (local.status, local.complaint_stage) == ("closed", "satisfaction_checked")

    api = CentralApi(seeded_central_sqlite.url)
    api.token = seeded_central_sqlite.token
    try:
        result = await PushSync(api, store.path).run()
    finally:
        await api.aclose()
    assert result.remaining == 0 and result.rejected == 0 and result.conflicts == 0
    with seeded_central_sqlite.client() as client:
        server = client.get(f"/api/v1/tickets/{ticket_id}").json()["ticket"]
    assert (server["status"], server["complaint_stage"]) == ("closed", "satisfaction_checked")
    history = server["history"]
    assert [h["action"] for h in history] == ["create"] + [a for a, _ in STEPS]
    assert all(h["who"] == "1001" for h in history)
    stamps = [h["ts"] for h in history]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert [h["note"] for h in history if h["action"] == "satisfaction_check"] == ["满意度 4"]
