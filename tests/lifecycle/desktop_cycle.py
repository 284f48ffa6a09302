"""The one place the lifecycle tests build a desktop: start a signed-in desktop (the desks' composition
root, DesktopApp) against a central URL, then stop it."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi, Session


async def run_desktop_once(central_url: str, token: str, cache_path: Path) -> int:
    """Start a desktop on `central_url` (initial sync, background sync, CTI socket, window), stop
    it, and return how many customers its cache had once started (proof that it really ran)."""
    api = CentralApi(central_url, token=token)
    session = Session(
        token=token,
        role="agent",
        agent_id="1001",
        display_name="test",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    settings = Settings(central_url=central_url, cache_path=str(cache_path), cti_port=0)
    runtime = DesktopApp(settings, api, session, secrets.token_urlsafe(16))
    try:
        await runtime.start(initial_sync=True)
        return int(runtime.store.counts()["customers"])
    finally:
        await runtime.stop()
        runtime.window.close()
        runtime.window.deleteLater()  # as qtbot does after each test (the app exits instead)
        await asyncio.sleep(0)  # back to the event loop: the deferred delete runs
