"""The ticket form through its widgets: required fields, messages in en and zh_CN, only valid
workflow steps offered, warranty and SLA shown, saved offline (local record + outbox row)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop.services.tickets import TicketService
from desktop.views.ticket_form import TicketForm


def _outbox(store) -> list[tuple[str, str]]:
    return [tuple(r) for r in store._conn.execute("SELECT entity, entity_id FROM outbox ORDER BY rowid")]


def _form(qtbot, store, clock, **kw):
    service = TicketService(store, "1001", clock=clock)
    ticket = service.draft("C0000001", call_id="call-1", **kw)
    form = TicketForm(ticket, service.save, customer_label="张三 (C0000001)", clock=clock)
    qtbot.addWidget(form)
    form.show()
    return service, form


async def _save(qtbot, form) -> None:
    """Click Save and wait until the save it started is done (stored, or refused and shown)."""
    qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    if isinstance(form, TicketForm):
        await form.submit()  # the save the click started (one at a time)
    else:  # the wrap-up dialog hands the contact to ContactService.submit
        await form.service.settled()


def _select(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


async def test_required_fields_are_reported_next_to_the_fields_in_english(qtbot, store, clock):
    _service, form = _form(qtbot, store, clock)
    _select(form.category, "fault")
    await _save(qtbot, form)
    assert form.isVisible()
    assert form.errors["fault_description"].isVisible()
    assert form.errors["fault_description"].text() == "Describe the problem."
    assert form.errors["product_model"].text() == "A fault ticket needs the product model."
    assert not form.errors["priority"].isVisible()
    assert _outbox(store) == [] and store.local_records("ticket") == []


async def test_a_complete_ticket_is_saved_offline_with_a_history_entry(qtbot, store, clock):
    service, form = _form(qtbot, store, clock)
    _select(form.category, "fault")
    qtbot.keyClicks(form.product_model, "AC-35GW")
    qtbot.keyClicks(form.purchase_date, "2025-06-01")
    assert form.warranty.text() == "In warranty until 2028-05-31"
    form.fault_description.insertPlainText("不制冷，客户说卡号 ")  # QTest cannot type CJK
    qtbot.keyClicks(form.fault_description, "4111 1111 1111 1111")
    _select(form.service_mode, "on_site")
    with qtbot.waitSignal(form.saved) as saved:
        await _save(qtbot, form)
    ticket = saved.args[0]
    assert not form.isVisible()
    stored = store.local_record("ticket", ticket.id)
    assert stored["call_id"] == "call-1" and stored["customer_id"] == "C0000001"
    assert stored["warranty_status"] == "in_warranty" and stored["service_mode"] == "on_site"
    assert "4111 1111" not in stored["fault_description"] and "[card ****1111]" in stored["fault_description"]
    assert _outbox(store) == [("ticket", ticket.id)]
    assert [h["action"] for h in stored["history"]] == ["create"]
    assert service.list("mine")[0].id == ticket.id


async def test_only_valid_steps_are_offered_and_a_step_is_recorded(qtbot, store, clock):
    service, form = _form(qtbot, store, clock)
    offered = [form.action.itemData(i) for i in range(form.action.count())]
    assert offered == ["", "assign", "resolve"]
    form.fault_description.setPlainText("咨询保修")
    _select(form.action, "assign")
    await _save(qtbot, form)
    assert form.errors["assignee_group"].text() == "Choose the group to hand off to."
    _select(form.assignee_group, "L2-hotline")
    form.note.setText("转二线")
    clock.now += timedelta(minutes=3)
    with qtbot.waitSignal(form.saved):
        await _save(qtbot, form)
    stored = service.get(form.ticket.id)
    assert stored.status == "assigned"
    last = stored.history[-1]
    assert (last.who, last.action, last.note, last.ts) == ("1001", "assign", "转二线", clock.now)
    reopened = TicketForm(stored, service.save, clock=clock)
    qtbot.addWidget(reopened)
    offered = [reopened.action.itemData(i) for i in range(reopened.action.count())]
    assert offered == ["", "start", "resolve"]
    assert reopened.history.count() == 2


async def test_complaint_offers_its_own_steps(qtbot, store, clock):
    _service, form = _form(qtbot, store, clock, category="complaint")
    offered = [form.action.itemData(i) for i in range(form.action.count())]
    assert offered == ["", "assign", "acknowledge"]  # no resolve before the investigation
    assert "Recorded" in form.status.text()


async def test_sla_countdown_and_overdue_flag(qtbot, store, clock):
    _service, form = _form(qtbot, store, clock)
    assert form.sla.text() == "15:00 left to hand off"
    clock.now += timedelta(minutes=16)
    form._update_sla()
    assert form.sla.text() == "OVERDUE by 01:00 — escalated to supervisor"
    assert "#b91c1c" in form.sla.styleSheet()


@pytest.fixture
def zh_cn(qapp):
    from desktop.views.i18n import install_translator

    install_translator(qapp, "zh_CN")
    yield
    install_translator(qapp, "en")


async def test_messages_in_chinese(qtbot, store, clock, zh_cn):
    _service, form = _form(qtbot, store, clock)
    _select(form.category, "fault")
    await _save(qtbot, form)
    assert form.errors["fault_description"].text() == "请填写问题描述。"
    assert form._labels["category"].text() == "类别"
    assert form.category.currentText() == "故障/维修"
    assert form.sla.text() == "距转交时限还剩 15:00"


def _wrapup(qtbot, store, required=True):
    from desktop.services.contacts import ContactService
    from desktop.views.wrapup_dialog import WrapUpDialog

    service = ContactService(store, "1001")
    contact = service.open_for("call-9", "C0000001")
    dialog = WrapUpDialog(contact, service.submit, service.dispositions, required=required)
    dialog.service = service
    qtbot.addWidget(dialog)
    dialog.show()
    return service, dialog


async def test_wrapup_requires_a_disposition_and_cannot_be_dismissed_unsaved(qtbot, store):
    service, dialog = _wrapup(qtbot, store)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert dialog.message.text() == "Save the contact before you go ready for the next call."
    await _save(qtbot, dialog)
    assert dialog.errors["disposition"].text() == "Choose a disposition code."
    assert store.local_records("contact") == []
    _select(dialog.disposition, "information_only")
    with qtbot.waitSignal(dialog.saved):
        await _save(qtbot, dialog)
    assert [c.disposition for c in service.saved()] == ["information_only"]


async def test_wrapup_optional_when_configured(qtbot, store):
    _service, dialog = _wrapup(qtbot, store, required=False)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


async def test_wrapup_messages_in_chinese(qtbot, store, zh_cn):
    _service, dialog = _wrapup(qtbot, store)
    await _save(qtbot, dialog)
    assert dialog.errors["disposition"].text() == "请选择小结代码。"
    assert dialog._labels["disposition"].text() == "小结代码"
    assert dialog.direction.text() == "呼入"


def refuse_writes(store) -> None:
    """The cache refuses every write from now on, as a full disk would (a real SQLite error)."""
    store._conn.execute(
        "CREATE TRIGGER refuse_writes BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
    )


def accept_writes(store) -> None:
    store._conn.execute("DROP TRIGGER refuse_writes")


async def test_a_cache_that_cannot_be_written_is_said_once_and_the_input_kept(qtbot, store, clock):
    _service, form = _form(qtbot, store, clock)
    form.fault_description.setPlainText("咨询保修")
    _select(form.action, "resolve")
    refuse_writes(store)
    await _save(qtbot, form)
    assert form.isVisible() and form.save_error.isVisible()
    text = form.save_error.text()
    assert text.startswith("The ticket was not saved: The local cache") and "disk is full" in text
    assert "Check free disk space" in text
    assert store.local_records("ticket") == [] and _outbox(store) == []
    assert form.fault_description.toPlainText() == "咨询保修"
    assert form.ticket.status == "new" and [h.action for h in form.ticket.history] == ["create"]
    assert form.buttons.isEnabled()
    accept_writes(store)
    with qtbot.waitSignal(form.saved) as saved:
        await _save(qtbot, form)  # the same input, saved on the second try, the step taken once
    assert not form.isVisible()
    stored = store.local_record("ticket", saved.args[0].id)
    assert stored["status"] == "resolved" and [h["action"] for h in stored["history"]] == [
        "create",
        "resolve",
    ]
    assert _outbox(store) == [("ticket", stored["id"])]


async def test_a_contact_the_cache_refuses_stays_pending_and_is_handed_back(qtbot, store):
    service, dialog = _wrapup(qtbot, store)
    service.pending[dialog.contact.call_id] = dialog.contact
    failed = []
    service.saveFailed.connect(lambda contact, message: failed.append((contact, message)))
    _select(dialog.disposition, "information_only")
    refuse_writes(store)
    await _save(qtbot, dialog)
    assert [(c.id, "disk is full" in m and "Check free disk space" in m) for c, m in failed] == [
        (dialog.contact.id, True)
    ]
    assert store.local_records("contact") == [] and not service.may_go_ready()
    accept_writes(store)
    await service.save(failed[0][0])
    assert [c.disposition for c in service.saved()] == ["information_only"] and service.may_go_ready()
