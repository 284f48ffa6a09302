"""Issue #18 in the real desktop: two DesktopApps (each its own cache file, the qasync loop, the
real SyncDesk) signed in to the REAL central API on loopback. A ticket saved on desktop A is in
desktop B's cache within 2 s although B polls every 10 minutes: only the notification stream can
bring it. Desktop B reaches the server through a TCP proxy (tests/tcp_proxy.py) so its stream can
be cut: B falls back to polling, then the stream comes back and carries the next write."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tcp_proxy import TcpProxy

from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi


async def _until(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _desktop(url: str, tmp_path: Path, user: str, poll_s: int) -> DesktopApp:
    api = CentralApi(url)
    login = await api.login(user, "demo")
    settings = Settings(
        central_url=url,
        cache_path=str(tmp_path / f"cache-{user}.sqlite3"),
        cti_port=0,
        sync_poll_seconds=poll_s,
    )
    assert settings.feed_notifications  # the default again
    app = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    await app.start()
    return app


def _channel_up(app: DesktopApp) -> bool:
    return app.sync.connectivity is not None and app.sync.connectivity.channel_up


def _has_ticket(app: DesktopApp, ticket_id: str) -> bool:
    return app.store.local_record("ticket", ticket_id) is not None


async def _save_ticket(app: DesktopApp, customer_id: str, text: str) -> str:
    service = app.tickets.tickets
    ticket = service.draft(customer_id)
    ticket.fault_description = text
    await service.save(ticket)
    return ticket.id


@pytest.fixture
async def two_desktops(seeded_central_sqlite, tmp_path, qtbot):
    central = seeded_central_sqlite
    proxy = TcpProxy(central.server.port)
    apps: list[DesktopApp] = []
    try:
        apps.append(await _desktop(central.url, tmp_path, "1001", poll_s=600))
        apps.append(await _desktop(proxy.url, tmp_path, "1002", poll_s=600))
        for app in apps:
            qtbot.addWidget(app.window)
        # set-up and test run in two run_until_complete calls with pytest-qt's processEvents
        # between them: exactly where the stream wedged the pulls before (desktop/qt_loop.py)
        yield central, proxy, apps[0], apps[1]
    finally:
        for app in apps:
            await app.stop()
            await app.api.aclose()
        proxy.close()


async def test_a_ticket_saved_on_desktop_a_is_in_desktop_b_within_2_s(two_desktops):
    central, _proxy, a, b = two_desktops
    await _until(lambda: _channel_up(a) and _channel_up(b), 30, "both notification channels up")
    assert b.sync.connectivity is not None and b.sync.connectivity.next_delay() >= 120  # no poll soon
    customer = central.sample_customer()["id"]
    for round_ in range(3):
        ticket_id = await _save_ticket(a, customer, f"从 A 来的工单 #{round_}")
        took = await _until(lambda t=ticket_id: _has_ticket(b, t), 10, "the ticket in desktop B's cache")
        assert took < 2.0, f"visible on B after {took:.2f} s"
    await _until(
        lambda: b.session.connectivity == "online" and a.session.outbox_count == 0, 10, "both settle online"
    )


async def test_a_cut_stream_falls_back_to_polling_and_comes_back(two_desktops):
    central, proxy, a, b = two_desktops
    await _until(lambda: _channel_up(b), 30, "B's notification channel up")
    connectivity = b.sync.connectivity
    assert connectivity is not None
    connectivity.interval_s = 1.0  # the fallback poll, short for the test (the setting's minimum)
    proxy.block_streams = True
    proxy.cut()  # mid-stream: the server is fine, B's connections are gone
    await _until(lambda: not _channel_up(b), 10, "B notices the drop")
    customer = central.sample_customer()["id"]
    ticket_id = await _save_ticket(a, customer, "while B polls")
    await _until(lambda: _has_ticket(b, ticket_id), 15, "the ticket on B by polling")
    assert not _channel_up(b)  # it came by the poll
    proxy.block_streams = False
    await _until(lambda: _channel_up(b), 90, "B's channel back")  # reconnect backoff, capped
    assert connectivity.next_delay() >= 120  # polling slows down again
    ticket_id = await _save_ticket(a, customer, "after the stream came back")
    took = await _until(lambda: _has_ticket(b, ticket_id), 10, "the ticket on B by notification")
    assert took < 2.0, f"visible on B after {took:.2f} s"
    await _until(lambda: b.session.connectivity == "online", 10, "B settles online")
