"""Helpers for the Customer 360 end-to-end tests: the real desktop (DesktopApp) against the real
central API on loopback, its CTI socket, and an API client that counts what it fetches (a subclass
that counts and then does the real request, never a mock)."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.cache.store import CacheStore
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.handoff import HandoffServer

HOTLINE = "4008123456"
HOTLINE_NAME = "品牌服务热线"


class CountingApi(CentralApi):
    """The real client; remembers which customers' details and which numbers it asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detail_requests: list[str] = []
        self.lookup_requests: list[str] = []

    async def customer_detail(self, customer_id: str):  # type: ignore[override]
        self.detail_requests.append(customer_id)
        return await super().customer_detail(customer_id)

    async def lookup(self, phone: str):  # type: ignore[override]
        self.lookup_requests.append(phone)
        return await super().lookup(phone)


@dataclass
class Cti:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def send(self, event: dict[str, Any]) -> None:
        event.setdefault("ts", 1.0)
        self.writer.write((json.dumps(event, ensure_ascii=False) + "\n").encode())
        await self.writer.drain()

    async def ring(self, call_id: str, caller: str | None, **extra: Any) -> None:
        await self.send(
            {"type": "call.ringing", "call_id": call_id, "caller": caller, "agent": "1001", **extra}
        )


async def _connect(runtime: DesktopApp) -> Cti:
    reader, writer = await asyncio.open_connection("127.0.0.1", runtime.cti.listener.port)
    writer.write((json.dumps({"type": "hello", "token": runtime.cti_token, "agent": "1001"}) + "\n").encode())
    await writer.drain()
    reply = json.loads(await asyncio.wait_for(reader.readline(), 5))
    assert reply["type"] == "hello.ok"
    return Cti(reader, writer)


async def _wait(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def _national(e164: str) -> str:
    """What a PBX sends: a mobile without +86, a landline with its trunk 0."""
    return e164[3:] if e164.startswith("+861") else "0" + e164[3:]


async def _fill_cache_without_details(api: CentralApi, path: Path) -> None:
    """Every record of the feed applied, but the feed never marked complete: the pop index is
    whole and no customer's detail counts as cached, so a pop fetches it (the on-demand path)."""
    since = 0
    with CacheStore(path) as store:
        while True:
            page = await api.changes(since, limit=1000)
            store.apply_changes(page.changes, page.next_since)
            since = page.next_since
            if not page.has_more:
                break
        assert not store.feed_complete()


async def _runtime(
    central,
    tmp_path: Path,
    qtbot,
    *,
    user: str = "1001",
    full_sync: bool = True,
    background_sync: bool = True,
    handoff: HandoffServer | None = None,
    detail_window_days: int = 0,
) -> DesktopApp:
    api = CountingApi(central.url)
    session = await api.login(user, "demo")
    cache = tmp_path / f"cache-{uuid.uuid4().hex[:6]}.sqlite3"
    if not full_sync:
        await _fill_cache_without_details(api, cache)
    runtime = DesktopApp(
        Settings(
            central_url=central.url,
            cache_path=str(cache),
            cti_port=0,
            dnis_names={HOTLINE: HOTLINE_NAME},
            # 0: the initial sync brings every detail record, so a synced desktop holds each
            # customer's whole card; the default 180-day window has its own test below.
            detail_window_days=detail_window_days,
        ),
        api,
        session,
        cti_token=secrets.token_urlsafe(16),
        handoff=handoff,
    )
    qtbot.addWidget(runtime.window)
    runtime.window.resize(1366, 768)
    if not full_sync or not background_sync:
        # the background pull would mark the feed complete (every detail then counts as cached)
        # in a race with the ring: these tests need the on-demand path to stay on-demand
        runtime.sync.start_background = lambda: None  # type: ignore[method-assign]
    await runtime.start(initial_sync=full_sync)
    connectivity = runtime.sync.connectivity
    if connectivity is not None:
        # Let the first background cycle finish inside this running loop. pytest-qt processes Qt
        # events between setup and call, outside any running asyncio loop: a task step run there
        # fails ("no running event loop" in run_in_worker) and turns the desktop offline.
        await _wait(lambda: connectivity.state == "online", timeout_s=15)
    return runtime


def _server_customer(central, customer_id: str) -> dict[str, Any]:
    with central.client() as client:
        return client.get(f"/api/v1/customers/{customer_id}").json()
