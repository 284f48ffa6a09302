"""Issue #17: a damaged cache file never takes the agent's unsent work with it.

Real parts: a cache filled by a real pull from the central API on loopback, a ticket and a
contact log written while offline (queued, never pushed), the file then truncated or a bit
flipped; the desktop's start-up check shows DamagedCacheDialog, the agent clicks "Rebuild
cache", the real DesktopApp starts, pulls and pushes: the server holds the work exactly once.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from desktop.cache import damage
from desktop.cache.store import CacheStore
from desktop.cache.unsent import unsent_path
from desktop.config import Settings
from desktop.desks.cache_health import ensure_usable_cache
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.contacts import ContactService
from desktop.services.push import PushSync
from desktop.services.sync import PullSync
from desktop.services.tickets import TicketService
from desktop.services.worker import release_worker_store


async def _eventually(condition, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _pulled_cache(central, path: Path) -> None:
    api = CentralApi(central.url)
    api.token = central.token
    try:
        await PullSync(api, path).run()
    finally:
        await api.aclose()
    await release_worker_store(None)


async def _write_offline(path: Path, call_id: str) -> tuple[str, str]:
    """A ticket and its contact log saved with no server in reach: both stay in the outbox."""
    with CacheStore(path) as store:
        tickets = TicketService(store, "1001")
        ticket = tickets.draft("C0000001", call_id=call_id, category="fault")
        ticket.product_model = "WM-7KG"
        ticket.fault_description = "洗衣机 E21 不排水"
        await tickets.save(ticket)
        contact = ContactService(store, "1001").open_for(call_id, "C0000001")
        contact.disposition = "ticket_created"
        contact.ticket_id = ticket.id
        await ContactService(store, "1001").save(contact)
        assert store.outbox_count() == 2
    await release_worker_store(None)  # the saves ran on the cache worker: it lets go of the file
    return ticket.id, contact.id


def _on_server(central, ticket_id: str, contact_id: str) -> tuple[list, list]:
    tickets = central._rows(
        "SELECT entity_id, version FROM change_log WHERE entity = 'ticket' AND entity_id = :i", i=ticket_id
    )
    contacts = central._rows(
        "SELECT entity_id, version FROM change_log WHERE entity = 'contact' AND entity_id = :i", i=contact_id
    )
    return [tuple(r) for r in tickets], [tuple(r) for r in contacts]


def _truncate(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)


def _flip(path: Path, bit: int) -> None:
    data = bytearray(path.read_bytes())
    data[bit // 8] ^= 1 << (bit % 8)
    path.write_bytes(bytes(data))


async def _recover_with_the_dialog(path: Path, qtbot, choice: str = "rebuild") -> bool:
    shown: list = []
    task = asyncio.ensure_future(ensure_usable_cache(path, shown=shown))
    await _eventually(lambda: (bool(shown) and shown[0].isVisible()) or task.done())
    assert shown, "the damaged cache was not reported"
    dialog = shown[0]
    assert "damaged" in dialog.text()
    button = dialog.rebuild_button if choice == "rebuild" else dialog.quit_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return await asyncio.wait_for(task, 30)


@pytest.mark.parametrize("damage_kind", ["truncated", "not_a_database", "page_type_bit_flip"])
async def test_the_desktop_rebuilds_a_damaged_cache_and_sends_the_unsent_work_once(
    seeded_central_sqlite, tmp_path, qtbot, damage_kind
):
    central = seeded_central_sqlite
    path = tmp_path / "cache.sqlite3"
    await _pulled_cache(central, path)
    ticket_id, contact_id = await _write_offline(path, "call-damaged")
    customers_before = CacheStore(path).counts()["customers"]
    assert customers_before > 0
    if damage_kind == "truncated":
        _truncate(path)
    elif damage_kind == "not_a_database":
        _flip(path, 0)  # "SQLite format 3" no longer
    else:
        page_size = int.from_bytes(path.read_bytes()[16:18], "big")
        _flip(path, page_size * 8 * 1 + 3)  # page 2's b-tree page type: no longer a valid page

    assert damage.check(path) is not None
    assert await _recover_with_the_dialog(path, qtbot)
    assert damage.check(path) is None
    with CacheStore(path) as store:  # the work is back, and visible, before anything was pulled
        assert store.outbox_count() == 2
        assert store.local_record("ticket", ticket_id) is not None

    api = CentralApi(central.url)
    session = await api.login("1001", "demo")
    settings_ = Settings(central_url=central.url, cache_path=str(path), cti_port=0)
    runtime = DesktopApp(settings_, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=True)
    try:
        runtime.sync.connectivity.kick()
        await _eventually(lambda: runtime.store.outbox_count() == 0)
        assert runtime.store.counts()["customers"] == customers_before  # pulled again
    finally:
        await runtime.stop()
    tickets, contacts = _on_server(central, ticket_id, contact_id)
    assert tickets == [(ticket_id, 1)] and contacts == [(contact_id, 1)]


async def test_quit_leaves_the_damaged_file_and_the_unsent_work_alone(seeded_central_sqlite, tmp_path, qtbot):
    path = tmp_path / "cache.sqlite3"
    await _pulled_cache(seeded_central_sqlite, path)
    await _write_offline(path, "call-quit")
    _truncate(path)
    damaged = path.read_bytes()
    kept = unsent_path(path).read_bytes()
    assert not await _recover_with_the_dialog(path, qtbot, choice="quit")
    assert path.read_bytes() == damaged and unsent_path(path).read_bytes() == kept


@pytest.fixture(scope="module")
def _flip_template(tmp_path_factory) -> Path:
    """A small cache (the pop index of a few customers) to flip bits in."""
    from cache_builders import sample_page

    path = tmp_path_factory.mktemp("flip") / "template.sqlite3"
    with CacheStore(path) as store:
        store.apply_changes_report(sample_page(), next_since=12)
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(min_value=0.0, max_value=1.0, exclude_max=True), bit=st.integers(0, 7))
async def test_a_flipped_bit_anywhere_never_loses_or_doubles_unsent_work(
    seeded_central_sqlite, tmp_path, _flip_template, fraction, bit
):
    central = seeded_central_sqlite
    folder = tmp_path / secrets.token_hex(4)
    folder.mkdir()
    path = folder / "cache.sqlite3"
    shutil.copyfile(_flip_template, path)
    ticket_id, contact_id = await _write_offline(path, f"call-{secrets.token_hex(4)}")
    with CacheStore(path) as store:
        store.compact()  # everything in the main file, so the flip hits what the cache holds
    size = path.stat().st_size
    _flip(path, int(fraction * size) * 8 + bit)

    if damage.check(path) is not None:
        damage.rebuild(path)
        assert damage.check(path) is None
    api = CentralApi(central.url)
    api.token = central.token
    try:
        await PushSync(api, path).run()
    finally:
        await api.aclose()
        await release_worker_store(None)
    tickets, contacts = _on_server(central, ticket_id, contact_id)
    assert tickets == [(ticket_id, 1)] and contacts == [(contact_id, 1)]
