"""Issue #17 "wipe on logout" for shared PCs: File > Sign out on the real desktop against the
real central API deletes the cache, its unsent-work copy and the attachments, and ends the
server session; while unsent work exists it is kept and the agent is told."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop.cache.outbox import new_id
from desktop.cache.unsent import unsent_path
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.attachments import attachments_folder


async def _eventually(condition, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _desktop(central, path: Path, wipe: bool) -> tuple[DesktopApp, str]:
    api = CentralApi(central.url)
    session = await api.login("1001", "demo")
    settings = Settings(central_url=central.url, cache_path=str(path), cti_port=0, wipe_cache_on_logout=wipe)
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    await runtime.start(initial_sync=True)
    return runtime, session.token


def _signed_in(central, token: str) -> bool:
    answer = httpx.get(f"{central.url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code == 200


async def test_sign_out_wipes_the_cache_once_everything_is_sent(seeded_central_sqlite, tmp_path, qtbot):
    path = tmp_path / "cache.sqlite3"
    runtime, token = await _desktop(seeded_central_sqlite, path, wipe=True)
    qtbot.addWidget(runtime.window)
    try:
        attachments_folder(path).mkdir()
        (attachments_folder(path) / "scan.pdf").write_bytes(b"id card")
        runtime.store.write_local("note", {"id": new_id(), "customer_id": "C0000001", "text": "先发送"})

        # unsent work: the agent is told; Cancel keeps everything and the desktop runs on
        runtime.window.sign_out_action.trigger()
        await _eventually(
            lambda: runtime.sign_out.message_box is not None and runtime.sign_out.message_box.isVisible()
        )
        box = runtime.sign_out.message_box
        assert "1" in box.text()
        qtbot.mouseClick(box.button(box.StandardButton.Cancel), Qt.MouseButton.LeftButton)
        assert await runtime.sign_out.task is False
        assert path.exists() and _signed_in(seeded_central_sqlite, token)

        runtime.sync.connectivity.kick()
        await _eventually(lambda: runtime.store.outbox_count() == 0)
        runtime.window.sign_out_action.trigger()
        assert await asyncio.wait_for(runtime.sign_out.task, 30) is True
    finally:
        await runtime.stop()
    assert runtime.sign_out.wiped
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert leftovers == [] or all(not n.startswith("cache") and n != "attachments" for n in leftovers), (
        leftovers
    )
    assert not unsent_path(path).exists()
    assert not _signed_in(seeded_central_sqlite, token)


async def test_keep_the_cache_when_work_is_unsent(seeded_central_sqlite, tmp_path, qtbot):
    path = tmp_path / "cache.sqlite3"
    runtime, token = await _desktop(seeded_central_sqlite, path, wipe=True)
    qtbot.addWidget(runtime.window)
    try:
        await runtime.sync.pause_background()  # the note stays unsent
        runtime.store.write_local("note", {"id": new_id(), "customer_id": "C0000001", "text": "未发送"})
        runtime.window.sign_out_action.trigger()
        await _eventually(
            lambda: runtime.sign_out.message_box is not None and runtime.sign_out.message_box.isVisible()
        )
        button = runtime.sign_out.message_box.findChild(QPushButton, "keepCacheButton")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert await asyncio.wait_for(runtime.sign_out.task, 30) is True
    finally:
        await runtime.stop()
    assert not runtime.sign_out.wiped
    assert path.exists() and unsent_path(path).exists()
    assert not _signed_in(seeded_central_sqlite, token)


async def test_without_the_setting_sign_out_keeps_the_cache(seeded_central_sqlite, tmp_path, qtbot):
    path = tmp_path / "cache.sqlite3"
    runtime, _token = await _desktop(seeded_central_sqlite, path, wipe=False)
    qtbot.addWidget(runtime.window)
    try:
        runtime.window.sign_out_action.trigger()
        assert await asyncio.wait_for(runtime.sign_out.task, 30) is True
    finally:
        await runtime.stop()
    assert path.exists() and not runtime.sign_out.wiped
