"""Comments on tickets: typed in the form, stamped with author and time, card numbers redacted,
saved offline with the ticket, validated by the shared rules (client and server), shown in order,
and delivered to the central API exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from calldesk_domain.ticket_validation import validate_ticket
from calldesk_domain.tickets import MAX_COMMENT, Ticket, TicketComment
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.push import PushSync
from desktop.services.tickets import TicketService
from desktop.views.ticket_form import TicketForm


def _form(qtbot, service, ticket, clock):
    form = TicketForm(ticket, service.save, clock=clock, author="1001")
    qtbot.addWidget(form)
    form.show()
    return form


def _add(qtbot, form, text: str) -> None:
    form.comment_input.setText(text)
    qtbot.mouseClick(form.add_comment_button, Qt.MouseButton.LeftButton)


async def _save(qtbot, form) -> None:
    qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    await form.submit()  # the save the click started, stored or refused


async def test_comments_are_added_in_order_redacted_and_saved_with_the_ticket(qtbot, store, clock):
    service = TicketService(store, "1001", clock=clock)
    ticket = service.draft("C0000001")
    ticket.fault_description = "咨询保修"
    form = _form(qtbot, service, ticket, clock)
    _add(qtbot, form, "first: customer card 4111 1111 1111 1111")
    clock.now += timedelta(minutes=3)
    qtbot.keyClicks(form.comment_input, "second")
    qtbot.keyClick(form.comment_input, Qt.Key.Key_Return)
    assert form.comments.count() == 2 and form.comment_input.text() == ""
    assert form.comments.item(1).text().endswith("1001\nsecond")
    with qtbot.waitSignal(form.saved):
        await _save(qtbot, form)

    stored = service.get(ticket.id)
    assert [c.text for c in stored.comments][1] == "second"
    assert "4111 1111 1111 1111" not in stored.comments[0].text
    assert stored.comments[0].text.startswith("first: customer card ") and "1111" in stored.comments[0].text
    assert [c.author for c in stored.comments] == ["1001", "1001"]
    assert stored.comments[1].ts - stored.comments[0].ts == timedelta(minutes=3)
    rows = store._conn.execute("SELECT entity, entity_id FROM outbox").fetchall()
    assert {tuple(r) for r in rows} == {("ticket", ticket.id)}

    reopened = _form(qtbot, service, service.get(ticket.id), clock)
    assert [reopened.comments.item(i).text().split("\n")[1] for i in range(2)] == [
        stored.comments[0].text,
        "second",
    ]


async def test_empty_and_too_long_comments_are_refused_next_to_the_box(qtbot, store, clock):
    service = TicketService(store, "1001", clock=clock)
    ticket = service.draft("C0000001")
    ticket.fault_description = "咨询"
    form = _form(qtbot, service, ticket, clock)
    _add(qtbot, form, "   ")
    assert form.errors["comments"].isVisible()
    assert form.errors["comments"].text() == "Write the comment first."
    assert form.comments.count() == 0
    form.comment_input.setMaxLength(MAX_COMMENT + 10)
    form.comment_input.setText("x" * (MAX_COMMENT + 1))
    await _save(qtbot, form)  # the typed comment is taken on Save and refused by the shared rules
    assert form.isVisible()
    assert form.errors["comments"].text() == "A comment is at most 2000 characters."
    assert store.local_records("ticket") == []


def test_validation_of_comment_records():
    base = Ticket(id="T1", customer_id="C1", fault_description="x").to_dict()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    good = TicketComment(now, "1001", "ok").to_dict()
    assert validate_ticket({**base, "comments": [good]}) == []
    assert [i.field for i in validate_ticket({**base, "comments": ["plain text"]})] == ["comments"]
    assert [i.code for i in validate_ticket({**base, "comments": [{**good, "text": " "}]})] == ["required"]
    assert [i.code for i in validate_ticket({**base, "comments": [{**good, "author": ""}]})] == ["invalid"]
    assert [i.code for i in validate_ticket({**base, "comments": [{**good, "ts": "nope"}]})] == ["invalid"]


async def test_a_comment_reaches_the_server_once_and_is_validated_there(seeded_central_sqlite, tmp_path):
    path = tmp_path / "cache.sqlite3"
    now = datetime.now(UTC) - timedelta(minutes=1)
    with CacheStore(path) as store:
        service = TicketService(store, "1001", clock=lambda: now)
        ticket = service.draft("C0000001")
        ticket.fault_description = "咨询"
        ticket.comments.append(TicketComment(now, "1001", "call back after 18:00, card 5500 0000 0000 0004"))
        await service.save(ticket)
    api = CentralApi(seeded_central_sqlite.url)
    api.token = seeded_central_sqlite.token
    try:
        first = await PushSync(api, path).run()
        again = await PushSync(api, path).run()
    finally:
        await api.aclose()
    assert (first.applied, first.rejected, again.batches) == (1, 0, 0)
    with seeded_central_sqlite.client() as client:
        server = client.get(f"/api/v1/tickets/{ticket.id}").json()["ticket"]
    assert [c["text"] for c in server["comments"]] == ["call back after 18:00, card " + _redacted()]
    assert server["comments"][0]["author"] == "1001" and server["version"] == 1

    # A comment that skipped the client's checks is refused by the server, naming the field.
    with CacheStore(path) as store:
        bad = {**ticket.to_dict(), "id": "TBADCOMMENT", "version": None}
        bad["comments"] = [{"ts": None, "author": "", "text": "x"}]
        store.write_local("ticket", bad)
    api = CentralApi(seeded_central_sqlite.url)
    api.token = seeded_central_sqlite.token
    try:
        result = await PushSync(api, path).run()
    finally:
        await api.aclose()
    assert result.rejected == 1
    with CacheStore(path) as store:
        [conflict] = store.conflicts()
    assert conflict.reason.startswith("rejected: comments")


def _redacted() -> str:
    from calldesk_domain.redaction import redact_cards

    return redact_cards("5500 0000 0000 0004")
