"""Opening a ticket attachment from the form: a local copy is opened as is; otherwise the bytes
are downloaded from the real central API, checked against the record's SHA-256, saved in the
cache layout and opened. Corrupted server bytes and an unreachable server give a message and
leave no file behind."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import Qt

from central.tables import attachment_blobs
from desktop.cache.store import CacheStore
from desktop.services.api import CentralApi
from desktop.services.attachment_download import AttachmentDownloader
from desktop.services.attachments import AttachmentService, AttachmentUploader, attachments_folder
from desktop.services.push import PushSync
from desktop.services.sync import PullSync
from desktop.services.tickets import TicketService
from desktop.views.ticket_form import TicketForm

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64


async def _no_sleep(_s: float) -> None:
    return None


def _api(central) -> CentralApi:
    api = CentralApi(central.url)
    api.token = central.token
    return api


async def _first_desktop_uploads(central, tmp_path: Path) -> tuple[str, str]:
    """Desktop 1001 makes a ticket with a photo, pushes the records and uploads the bytes."""
    path = tmp_path / "one" / "cache.sqlite3"
    path.parent.mkdir()
    source = tmp_path / "nameplate 铭牌.jpg"
    source.write_bytes(PHOTO)
    with CacheStore(path) as store:
        tickets = TicketService(store, "1001")
        ticket = tickets.draft("C0000001")
        ticket.fault_description = "不开机"
        await tickets.save(ticket)
        service = AttachmentService(store, attachments_folder(path), "1001")
        attachment = await service.attach(ticket.id, source)
        api = _api(central)
        try:
            pushed = await PushSync(api, path).run()
            uploaded = await AttachmentUploader(api, service, sleep=_no_sleep).run()
        finally:
            await api.aclose()
    assert (pushed.rejected, uploaded.uploaded) == (0, 1)
    return ticket.id, attachment.id


async def _second_desktop_pulls(central, tmp_path: Path) -> Path:
    path = tmp_path / "two" / "cache.sqlite3"
    path.parent.mkdir()
    api = _api(central)
    try:
        await PullSync(api, path).run()
    finally:
        await api.aclose()
    return path


def _open_form(qtbot, store, ticket_id: str, fetch, opened: list[Path]) -> TicketForm:
    tickets = TicketService(store, "1002")
    service = AttachmentService(store, attachments_folder(store.path), "1002")
    form = TicketForm(
        tickets.get(ticket_id),
        tickets.save,
        attachments=service.for_ticket(ticket_id),
        fetch=fetch,
        open_file=opened.append,
    )
    qtbot.addWidget(form)
    form.show()
    return form


async def _click_open(qtbot, form: TicketForm) -> None:
    form.attachments.setCurrentRow(0)
    qtbot.mouseClick(form.open_attachment_button, Qt.MouseButton.LeftButton)
    assert form._opening is not None
    await asyncio.wait_for(form._opening, 10)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def test_a_second_desktop_downloads_verifies_and_opens_the_attachment(
    dead_url, seeded_central_sqlite, tmp_path, qtbot
):
    ticket_id, attachment_id = await _first_desktop_uploads(seeded_central_sqlite, tmp_path)
    path = await _second_desktop_pulls(seeded_central_sqlite, tmp_path)
    opened: list[Path] = []
    api = _api(seeded_central_sqlite)
    try:
        with CacheStore(path) as store:
            service = AttachmentService(store, attachments_folder(path), "1002")
            [attachment] = service.for_ticket(ticket_id)
            assert attachment.id == attachment_id
            assert not service.local_path(attachment).exists()  # the pull brings the record only
            form = _open_form(qtbot, store, ticket_id, AttachmentDownloader(api, service).fetch, opened)
            await _click_open(qtbot, form)
            expected = service.local_path(attachment)
            assert opened == [expected]
            assert expected.read_bytes() == PHOTO
            assert expected.parent.name == ticket_id
            assert expected.name == f"{hashlib.sha256(PHOTO).hexdigest()}-nameplate 铭牌.jpg"
            assert not form.errors["attachments"].isVisible()
            # downloaded bytes are not sent back to the server by this desktop's uploader
            assert AttachmentUploader(api, service).pending() == []
    finally:
        await api.aclose()

    # a second open uses the local copy: the server is not needed any more
    offline = CentralApi(dead_url)
    try:
        with CacheStore(path) as store:
            service = AttachmentService(store, attachments_folder(path), "1002")
            again: list[Path] = []
            form = _open_form(qtbot, store, ticket_id, AttachmentDownloader(offline, service).fetch, again)
            await _click_open(qtbot, form)
            assert again == [expected] and not form.errors["attachments"].isVisible()
    finally:
        await offline.aclose()


async def test_corrupted_server_bytes_are_refused_and_nothing_is_written(
    seeded_central_sqlite, tmp_path, qtbot
):
    ticket_id, attachment_id = await _first_desktop_uploads(seeded_central_sqlite, tmp_path)
    with seeded_central_sqlite.engine.begin() as conn:
        conn.execute(
            attachment_blobs.update()
            .where(attachment_blobs.c.id == attachment_id)
            .values(content=b"\x00" * len(PHOTO))
        )
    path = await _second_desktop_pulls(seeded_central_sqlite, tmp_path)
    opened: list[Path] = []
    api = _api(seeded_central_sqlite)
    try:
        with CacheStore(path) as store:
            service = AttachmentService(store, attachments_folder(path), "1002")
            form = _open_form(qtbot, store, ticket_id, AttachmentDownloader(api, service).fetch, opened)
            await _click_open(qtbot, form)
            error = form.errors["attachments"]
            assert error.isVisible()
            assert "nameplate 铭牌.jpg was damaged on the way (checksum mismatch)" in error.text()
            assert opened == []
            assert _files(attachments_folder(path)) == []
    finally:
        await api.aclose()
    with seeded_central_sqlite.engine.connect() as conn:  # the test really corrupted the server copy
        [stored] = conn.execute(sa.select(attachment_blobs.c.content)).scalars()
    assert bytes(stored) != PHOTO


async def test_offline_and_never_uploaded_attachments_give_a_message(
    dead_url, seeded_central_sqlite, tmp_path, qtbot
):
    ticket_id, _attachment_id = await _first_desktop_uploads(seeded_central_sqlite, tmp_path)
    path = await _second_desktop_pulls(seeded_central_sqlite, tmp_path)
    opened: list[Path] = []
    offline = CentralApi(dead_url)
    try:
        with CacheStore(path) as store:
            service = AttachmentService(store, attachments_folder(path), "1002")
            form = _open_form(qtbot, store, ticket_id, AttachmentDownloader(offline, service).fetch, opened)
            await _click_open(qtbot, form)
            error = form.errors["attachments"]
            assert error.isVisible() and "the server cannot be reached" in error.text()
            assert opened == [] and _files(attachments_folder(path)) == []
    finally:
        await offline.aclose()

    with seeded_central_sqlite.engine.begin() as conn:  # the uploader never got to send the bytes
        conn.execute(attachment_blobs.delete())
    api = _api(seeded_central_sqlite)
    try:
        with CacheStore(path) as store:
            service = AttachmentService(store, attachments_folder(path), "1002")
            form = _open_form(qtbot, store, ticket_id, AttachmentDownloader(api, service).fetch, opened)
            centre = form.attachments.visualItemRect(form.attachments.item(0)).center()
            viewport = form.attachments.viewport()
            qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)  # Qt needs the press first
            qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
            assert form._opening is not None
            await asyncio.wait_for(form._opening, 10)
            assert "has not been uploaded to the server yet" in form.errors["attachments"].text()
            assert opened == [] and _files(attachments_folder(path)) == []
    finally:
        await api.aclose()
