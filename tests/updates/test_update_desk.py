"""The running desktop tells the agent what the admin's update policy says (never installs)."""

from __future__ import annotations

import asyncio
import secrets

from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi


async def _eventually(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _desktop(central, tmp_path, qtbot) -> DesktopApp:
    api = CentralApi(central.url)
    login = await api.login("1001", "demo")
    settings = Settings(central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0)
    app = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(app.window)
    await app.start(initial_sync=False)
    return app


def _set_policy(central, policy: dict) -> None:
    with central.client() as client:
        admin = {"Authorization": f"Bearer {central.token_for('admin')}"}
        reply = client.put("/api/v1/update-policy", json=policy, headers=admin)
        assert reply.status_code == 200, reply.text


async def test_a_required_update_shows_a_banner_the_agent_cannot_dismiss(
    seeded_central_sqlite, tmp_path, qtbot
):
    _set_policy(
        seeded_central_sqlite,
        {"mode": "require", "current_version": "99.0", "download_url": "https://it.example/calldesk.msi"},
    )
    app = await _desktop(seeded_central_sqlite, tmp_path, qtbot)
    try:
        banner = app.updates.banner
        await _eventually(banner.isVisible)
        assert banner.notice.kind == "required" and "99.0" in banner.label.text()
        assert not banner.close_button.isVisible()  # required: stays until the MSI is installed
    finally:
        await app.stop()


async def test_policy_off_shows_nothing(seeded_central_sqlite, tmp_path, qtbot):
    app = await _desktop(seeded_central_sqlite, tmp_path, qtbot)
    try:
        await _eventually(lambda: app.updates._task is not None and app.updates._task.done())
        assert not app.updates.banner.isVisible() and app.updates.banner.notice.kind == "none"
    finally:
        await app.stop()
