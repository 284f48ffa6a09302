"""A real desktop (DesktopApp, real widgets) configured for the CTI bridge: a real bridge process
core (BridgeServer) between a fake AMI server and the real central API on loopback. The call pops,
the status bar says which source and whether it is connected, a bridge that goes away turns it red
with a banner, an expired token leads to the login dialog and back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi

from .ami_script import AmiScript, queue_call
from .bridge_rig import Rig, start_rig

pytestmark = pytest.mark.timeout(90)


async def _until(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def rig(seeded_central_sqlite: Any) -> AsyncIterator[Rig]:
    the_rig = await start_rig(seeded_central_sqlite.url)
    yield the_rig
    await the_rig.close()


async def _desktop(
    central: Any, rig: Rig, tmp_path: Path, qtbot: Any, token: str | None = None
) -> DesktopApp:
    api = CentralApi(central.url)
    session = await api.login("1001", "demo")
    if token is not None:
        api.token = token
    settings = Settings(
        central_url=central.url,
        username="1001",
        cache_path=str(tmp_path / "cache.sqlite3"),
        cti_port=0,
        cti_source="bridge",
        cti_bridge_address=f"127.0.0.1:{rig.bridge.port}",
        cti_bridge_tls=False,
    )
    runtime = DesktopApp(settings, api, session, cti_token="local-socket-token")
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=False)
    return runtime


def _status(runtime: DesktopApp) -> str:
    return runtime.window.status.cti_label.text()


async def test_desktop_on_the_bridge_pops_calls_and_shows_the_link(
    seeded_central_sqlite: Any, rig: Rig, tmp_path: Path, qtbot: Any
) -> None:
    runtime = await _desktop(seeded_central_sqlite, rig, tmp_path, qtbot)
    try:
        await _until(lambda: runtime.session.cti_listener.up is True)
        assert "CTI: connected" in _status(runtime) and f":{rig.bridge.port}" in _status(runtime)
        assert "bridge" in _status(runtime)
        assert runtime.cti.listener is not None  # the local socket still listens for local tools
        data, call_id = queue_call(AmiScript(), answered_by="PJSIP/1001", hang_up=False)
        await rig.push(data)
        await _until(lambda: runtime.session.call(call_id) is not None)
        await _until(lambda: runtime.window.card.page() in ("card", "new_caller"))
        # commands go to the bridge, which sends them to the PBX
        runtime.cti.send_command("hangup", call_id=call_id)
        await _until(lambda: bool(rig.ami.actions_named("Hangup")))
        await rig.bridge.close()  # the bridge goes away
        await _until(lambda: runtime.session.cti_listener.up is False)
        assert "CTI: not connected" in _status(runtime)
        assert runtime.window.status.cti_label.property("state") == "offline"
        await _until(lambda: any("CTI bridge is not reachable" in t for t in runtime.window.banners.texts()))
    finally:
        await runtime.stop()


async def test_an_expired_token_leads_to_the_login_dialog_and_back(
    seeded_central_sqlite: Any, rig: Rig, tmp_path: Path, qtbot: Any
) -> None:
    import sqlalchemy as sa

    from central import auth
    from central.tables import users

    central = seeded_central_sqlite
    with central.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == "1001")).one()
    principal = auth.Principal(row.id, row.username, row.role, row.agent_id, row.display_name, 0)
    expired = central.mint_token(principal, lifetime_s=-60)
    runtime = await _desktop(central, rig, tmp_path, qtbot, token=expired)
    try:
        await _until(lambda: runtime.relogin.dialog is not None and runtime.relogin.dialog.isVisible())
        assert any("new sign-in" in t for t in runtime.window.banners.texts())
        assert runtime.session.cti_listener.up is False
        dialog = runtime.relogin.dialog
        assert dialog is not None
        dialog.password.setText("wrong")
        dialog.submit()
        await _until(lambda: dialog.error.isVisible() or dialog.password_error.isVisible())
        assert runtime.cti.bridge is not None and not runtime.cti.bridge.connected
        dialog.password.setText("demo")
        dialog.submit()
        await _until(lambda: runtime.session.cti_listener.up is True)
        assert runtime.api.token != expired
        assert not any("new sign-in" in t for t in runtime.window.banners.texts())  # stale: cleared
    finally:
        await runtime.stop()


async def test_signed_in_on_another_pc_and_a_bad_address_are_said(
    seeded_central_sqlite: Any, tmp_path: Path, qtbot: Any
) -> None:
    from desktop.cti.bridge import BridgeLimits

    rig = await start_rig(seeded_central_sqlite.url, limits=BridgeLimits(max_sessions_per_agent=1))
    try:
        runtime = await _desktop(seeded_central_sqlite, rig, tmp_path, qtbot)
        try:
            await _until(lambda: runtime.session.cti_listener.up is True)
            await rig.desk("other-pc", seeded_central_sqlite.token_for("1001"))
            await _until(lambda: any("another PC" in t for t in runtime.window.banners.texts()))
            assert runtime.session.cti_listener.up is False and "another PC" in _status(runtime)
        finally:
            await runtime.stop()
    finally:
        await rig.close()
    api = CentralApi(seeded_central_sqlite.url)
    session = await api.login("1001", "demo")
    settings = Settings(
        central_url=seeded_central_sqlite.url,
        cache_path=str(tmp_path / "cache2.sqlite3"),
        cti_port=0,
        cti_source="bridge",
        cti_bridge_address="",  # never set
    )
    runtime = DesktopApp(settings, api, session, cti_token="t")
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=False)
    try:
        assert runtime.cti.bridge is None and runtime.session.cti_listener.up is False
        assert any("bridge address in Settings is not usable" in t for t in runtime.window.banners.texts())
        runtime.cti.send_command("pause", reason="lunch")  # said, not raised
        assert any("no CTI connection" in t for t in runtime.window.banners.texts())
    finally:
        await runtime.stop()
