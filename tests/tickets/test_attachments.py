"""Ticket attachments: chosen in the form, copied into the cache folder, recorded offline through
the outbox, the bytes uploaded to the central API once (SHA-256 checked), with clear messages for
a file that is too large or cannot be read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from calldesk_domain.ticket_validation import validate_attachment
from calldesk_domain.tickets import MAX_ATTACHMENT_BYTES
from central.tables import attachment_blobs
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.attachments import (
    AttachmentService,
    AttachmentUploader,
    attachments_folder,
    safe_name,
)
from desktop.services.push import PushSync
from desktop.services.tickets import TicketService
from desktop.views.ticket_form import TicketForm


def _outbox(store) -> list[tuple[str, str]]:
    return [tuple(r) for r in store._conn.execute("SELECT entity, entity_id FROM outbox ORDER BY rowid")]


def _form(qtbot, store, clock, tmp_path):
    tickets = TicketService(store, "1001", clock=clock)
    service = AttachmentService(store, attachments_folder(store.path), "1001", clock=clock)
    ticket = tickets.draft("C0000001")
    form = TicketForm(ticket, tickets.save, clock=clock, attach=lambda p: service.attach(ticket.id, p))
    qtbot.addWidget(form)
    form.show()
    return service, form


async def _choose(qtbot, form, monkeypatch, paths: list[Path]) -> None:
    """Click "Attach files…"; the operating system's file dialog answers with `paths`; wait until
    the files are stored (on the cache worker) or refused."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p) for p in paths], ""))
    qtbot.mouseClick(form.attach_button, Qt.MouseButton.LeftButton)
    await form.attaching


async def test_a_chosen_file_is_copied_into_the_cache_and_recorded(
    qtbot, store, clock, tmp_path, monkeypatch
):
    service, form = _form(qtbot, store, clock, tmp_path)
    photo = tmp_path / "in" / "铭牌 photo.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"\xff\xd8" + bytes(range(256)) * 40)
    await _choose(qtbot, form, monkeypatch, [photo])

    [record] = store.local_records("attachment")
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert (record["ticket_id"], record["name"], record["sha256"]) == (form.ticket.id, photo.name, digest)
    assert record["size"] == photo.stat().st_size and record["mime"] == "image/jpeg"
    copy = store.path.parent / "attachments" / form.ticket.id / f"{digest}-{photo.name}"
    assert copy.read_bytes() == photo.read_bytes()
    assert _outbox(store) == [("attachment", record["id"])]
    assert form.attachments.count() == 1 and photo.name in form.attachments.item(0).text()
    assert not form.errors["attachments"].isVisible()
    assert [a.id for a in service.for_ticket(form.ticket.id)] == [record["id"]]


async def test_too_large_and_missing_files_are_refused_with_a_message(
    qtbot, store, clock, tmp_path, monkeypatch
):
    _service, form = _form(qtbot, store, clock, tmp_path)
    big = tmp_path / "video.mp4"
    with big.open("wb") as fh:
        fh.truncate(MAX_ATTACHMENT_BYTES + 1)
    ok = tmp_path / "invoice.pdf"
    ok.write_bytes(b"%PDF-1.4 ok")
    await _choose(qtbot, form, monkeypatch, [big, tmp_path / "gone.txt", ok])

    error = form.errors["attachments"]
    assert error.isVisible()
    assert "video.mp4 is larger than 10 MB and was not attached." in error.text()
    assert "gone.txt could not be read (missing or locked) and was not attached." in error.text()
    assert [r["name"] for r in store.local_records("attachment")] == ["invoice.pdf"]
    assert form.attachments.count() == 1
    leftovers = [p.name for p in (store.path.parent / "attachments").rglob("*")]
    assert not any(name.startswith(".incoming-") for name in leftovers)


async def test_a_cache_that_cannot_be_written_attaches_nothing_and_says_why(
    qtbot, store, clock, tmp_path, monkeypatch
):
    _service, form = _form(qtbot, store, clock, tmp_path)
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 receipt")
    store._conn.execute(  # a real SQLite refusal on the worker's write, as a full disk gives
        "CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
    )
    await _choose(qtbot, form, monkeypatch, [receipt])
    text = form.errors["attachments"].text()
    assert text.startswith("receipt.pdf was not attached: The local cache") and "disk is full" in text
    assert store.local_records("attachment") == [] and form.attachments.count() == 0
    assert [p for p in (store.path.parent / "attachments").rglob("*") if p.is_file()] == []
    store._conn.execute("DROP TRIGGER refuse")
    await _choose(qtbot, form, monkeypatch, [receipt])  # the same file, now stored
    assert [r["name"] for r in store.local_records("attachment")] == ["receipt.pdf"]
    assert form.attachments.count() == 1 and not form.errors["attachments"].isVisible()


@given(st.text(max_size=300))
def test_safe_names_are_plain_file_names_the_rules_accept(name):
    cleaned = safe_name(name)
    record = {"id": "A1", "ticket_id": "T1", "name": cleaned, "size": 1, "sha256": "0" * 64}
    assert validate_attachment(record) == []
    assert not any(c in cleaned for c in '<>:"/\\|?*')


async def _no_sleep(_s: float) -> None:
    return None


def _blobs(central) -> list[tuple[str, str, int]]:
    with central.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(attachment_blobs.c.id, attachment_blobs.c.sha256, attachment_blobs.c.size)
            )
        ]


async def test_attach_push_upload_reaches_the_server_once(dead_url, seeded_central_sqlite, tmp_path):
    path = tmp_path / "cache.sqlite3"
    source = tmp_path / "fault.png"
    source.write_bytes(b"\x89PNG" + b"\x00\x01" * 5000)
    with CacheStore(path) as store:
        service = AttachmentService(store, attachments_folder(path), "1001")
        tickets = TicketService(store, "1001")
        ticket = tickets.draft("C0000001")
        ticket.fault_description = "屏幕花屏"
        await tickets.save(ticket)
        attachment = await service.attach(ticket.id, source)

        offline = CentralApi(dead_url)
        try:  # offline: the bytes stay pending, nothing is marked
            result = await AttachmentUploader(offline, service, sleep=_no_sleep).run()
        finally:
            await offline.aclose()
        assert (result.uploaded, result.failed) == (0, 1)

        api = CentralApi(seeded_central_sqlite.url)
        api.token = seeded_central_sqlite.token
        try:
            pushed = await PushSync(api, path).run()
            uploader = AttachmentUploader(api, service, sleep=_no_sleep)
            first = await uploader.run()
            again = await uploader.run()
        finally:
            await api.aclose()
    assert (pushed.applied, pushed.rejected) == (2, 0)
    assert (first.uploaded, first.failed, again.uploaded, again.failed) == (1, 0, 0, 0)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert _blobs(seeded_central_sqlite) == [(attachment.id, digest, source.stat().st_size)]
    with seeded_central_sqlite.client() as client:
        got = client.get(f"/api/v1/attachments/{attachment.id}")
        changes = client.get("/api/v1/sync/changes", params={"since": 0, "limit": 5000}).json()["changes"]
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == digest
    assert got.headers["content-type"] == "image/png"
    assert [c["id"] for c in changes if c["entity"] == "attachment"] == [attachment.id]


async def test_upload_before_the_record_and_server_checks(seeded_central_sqlite, tmp_path):
    body = b"carry-in receipt"
    digest = hashlib.sha256(body).hexdigest()
    with seeded_central_sqlite.client() as client:
        put = lambda data, sha, aid="ARECEIPT1": client.put(  # noqa: E731
            f"/api/v1/attachments/{aid}", content=data, headers={"X-Content-SHA256": sha}
        )
        first, replay = put(body, digest), put(body, digest)
        wrong = put(body, "0" * 64)
        other = put(b"other bytes", hashlib.sha256(b"other bytes").hexdigest())
        unsigned = client.put("/api/v1/attachments/ARECEIPT2", content=body)  # no X-Content-SHA256
        too_big = put(b"x" * (MAX_ATTACHMENT_BYTES + 1), "0" * 64, "ABIG")
        missing = client.get("/api/v1/attachments/ANOTHERE")
        anonymous = client.get("/api/v1/attachments/ARECEIPT1", headers={"Authorization": ""})
    assert first.status_code == 200 and first.json()["stored"] is True
    assert replay.status_code == 200 and replay.json()["stored"] is False
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "sha256_mismatch"
    assert other.status_code == 409
    assert unsigned.status_code == 422 and unsigned.json()["error"]["field"]
    assert too_big.status_code == 413
    assert missing.status_code == 404
    assert anonymous.status_code == 401
    assert [row[0] for row in _blobs(seeded_central_sqlite)] == ["ARECEIPT1"]


async def test_a_file_attached_before_the_ticket_is_saved_waits_for_the_ticket(
    seeded_central_sqlite, tmp_path
):
    """The form stores a file the moment it is attached, and every local write pushes at once: the
    attachment must not reach the server before its ticket (it would be refused for good)."""
    path = tmp_path / "cache.sqlite3"
    source = tmp_path / "invoice.pdf"
    source.write_bytes(b"%PDF-1.4 " + b"i" * 2000)
    api = CentralApi(seeded_central_sqlite.url)
    api.token = seeded_central_sqlite.token
    try:
        with CacheStore(path) as store:
            service = AttachmentService(store, attachments_folder(path), "1001")
            tickets = TicketService(store, "1001")
            ticket = tickets.draft("C0000001")
            attachment = await service.attach(ticket.id, source)  # the ticket is not saved yet
            early = await PushSync(api, path).run()
            assert (early.applied, early.rejected, early.remaining) == (0, 0, 1)

            ticket.fault_description = "发票打印不全"
            await tickets.save(ticket)  # saved: queued after the attachment
            assert _outbox(store) == [("attachment", attachment.id), ("ticket", ticket.id)]
            pushed = await PushSync(api, path).run()
    finally:
        await api.aclose()
    assert (pushed.applied, pushed.rejected, pushed.remaining) == (2, 0, 0)
    with seeded_central_sqlite.client() as client:
        changes = client.get("/api/v1/sync/changes", params={"since": 0, "limit": 5000}).json()["changes"]
    order = [c["id"] for c in changes if c["id"] in (ticket.id, attachment.id)]
    assert order == [ticket.id, attachment.id]


async def test_a_lost_local_copy_is_reported_not_uploaded(seeded_central_sqlite, tmp_path):
    path = tmp_path / "cache.sqlite3"
    source = tmp_path / "note.txt"
    source.write_text("hello", encoding="utf-8")
    with CacheStore(path) as store:
        service = AttachmentService(store, attachments_folder(path), "1001")
        attachment = await service.attach("T1", source)
        service.local_path(attachment).unlink()
        api = CentralApi(seeded_central_sqlite.url)
        api.token = seeded_central_sqlite.token
        try:
            result = await AttachmentUploader(api, service, sleep=_no_sleep).run()
        finally:
            await api.aclose()
    assert (result.uploaded, result.missing) == (0, 1)
    assert _blobs(seeded_central_sqlite) == []


async def test_the_running_desktop_uploads_an_attachment_from_the_form(
    seeded_central_sqlite, tmp_path, qtbot, monkeypatch
):
    import asyncio
    import secrets

    from desktop.config import Settings
    from desktop.desks.root import DesktopApp

    central = seeded_central_sqlite
    api = CentralApi(central.url)
    session = await api.login("1001", "demo")
    settings = Settings(central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0)
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=True)
    try:
        runtime.window.card.current_customer_id = lambda: "C0000001"  # type: ignore[method-assign]
        form = runtime.tickets.open_new_ticket()
        receipt = tmp_path / "receipt.pdf"
        receipt.write_bytes(b"%PDF-1.4 " + b"r" * 3000)
        await _choose(qtbot, form, monkeypatch, [receipt])
        [attachment] = runtime.tickets.attachments.for_ticket(form.ticket.id)
        runtime.sync.connectivity.kick()  # type: ignore[union-attr]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not _blobs(central):
            assert loop.time() < deadline, "the attachment was not uploaded"
            await asyncio.sleep(0.05)
        digest = hashlib.sha256(receipt.read_bytes()).hexdigest()
        assert _blobs(central) == [(attachment.id, digest, receipt.stat().st_size)]
    finally:
        await runtime.stop()


async def test_an_expired_token_is_renewed_once_for_the_upload(seeded_central_sqlite, tmp_path):
    path = tmp_path / "cache.sqlite3"
    source = tmp_path / "a.txt"
    source.write_bytes(b"abc")
    renewals: list[int] = []

    async def refresher() -> str:
        renewals.append(1)
        return seeded_central_sqlite.token

    with CacheStore(path) as store:
        service = AttachmentService(store, attachments_folder(path), "1001")
        attachment = await service.attach("T1", source)
        api = CentralApi(seeded_central_sqlite.url)
        api.token = "expired"
        api.token_refresher = refresher
        try:
            result = await AttachmentUploader(api, service, sleep=_no_sleep).run()
        finally:
            await api.aclose()
    assert (result.uploaded, len(renewals)) == (1, 1)
    assert [row[0] for row in _blobs(seeded_central_sqlite)] == [attachment.id]


async def test_attachments_pulled_from_other_desktops_are_not_uploaded_from_here(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with CacheStore(path) as store:
        service = AttachmentService(store, attachments_folder(path), "1001")
        theirs = {"id": "AOTHER", "ticket_id": "T9", "name": "x.jpg", "size": 3, "sha256": "a" * 64}
        store.write_local("attachment", {**theirs, "created_by": "2002"})
        mine = tmp_path / "mine.txt"
        mine.write_bytes(b"mine")
        own = await service.attach("T9", mine)
        assert [a.id for a in AttachmentUploader(None, service).pending()] == [own.id]


async def test_files_attached_to_a_ticket_closed_without_save_are_forgotten(
    seeded_central_sqlite, tmp_path, qtbot, monkeypatch
):
    """Real desktop: attach to a new ticket, close the form without Save: nothing waits in the
    outbox for a ticket that will never come, the copy is gone. A saved ticket's file stays. An
    orphan left by a crash (no close) is swept at the next start."""
    import asyncio
    import secrets

    from desktop.config import Settings
    from desktop.desks.root import DesktopApp

    central = seeded_central_sqlite
    cache = tmp_path / "cache.sqlite3"

    async def started() -> DesktopApp:
        api = CentralApi(central.url)
        session = await api.login("1001", "demo")
        settings = Settings(central_url=central.url, cache_path=str(cache), cti_port=0)
        runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
        qtbot.addWidget(runtime.window)
        await runtime.start(initial_sync=False)
        runtime.window.card.current_customer_id = lambda: "C0000001"  # type: ignore[method-assign]
        return runtime

    async def until(predicate, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not predicate():
            assert loop.time() < deadline, what
            await asyncio.sleep(0.02)

    file = tmp_path / "photo.jpg"
    file.write_bytes(b"\xff\xd8" + b"p" * 1000)
    runtime = await started()
    try:
        form = runtime.tickets.open_new_ticket()
        await _choose(qtbot, form, monkeypatch, [file])
        [dropped] = runtime.tickets.attachments.for_ticket(form.ticket.id)
        copy = runtime.tickets.attachments.local_path(dropped)
        assert copy.exists()
        form.reject()  # closed without Save
        # the records go in the worker thread, the copy once the loop resumes after it: wait for both
        await until(
            lambda: not runtime.tickets.attachments.for_ticket(dropped.ticket_id) and not copy.exists(),
            "records and copy discarded",
        )
        assert ("attachment", dropped.id) not in _outbox(runtime.store)

        kept_form = runtime.tickets.open_new_ticket()
        await _choose(qtbot, kept_form, monkeypatch, [file])
        kept_form.ticket.fault_description = "saved with its photo"
        await runtime.tickets.tickets.save(kept_form.ticket)
        kept_form.reject()
        [kept] = runtime.tickets.attachments.for_ticket(kept_form.ticket.id)

        crashed = runtime.tickets.open_new_ticket()
        await _choose(qtbot, crashed, monkeypatch, [file])
        [orphan] = runtime.tickets.attachments.for_ticket(crashed.ticket.id)
        runtime.tickets._stopped = True  # as if the desktop died with the form open: no close hook
        crashed.reject()
    finally:
        await runtime.stop()
    with CacheStore(cache) as store:
        assert ("attachment", orphan.id) in _outbox(store)

    runtime = await started()
    try:
        ids = [a.id for a in runtime.tickets.attachments.all()]
        assert orphan.id not in ids and kept.id in ids
        assert not runtime.tickets.attachments.local_path(orphan).exists()
        assert runtime.tickets.attachments.local_path(kept).exists()
    finally:
        await runtime.stop()
