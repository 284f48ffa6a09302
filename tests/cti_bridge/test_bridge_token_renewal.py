"""A refreshed access token reaches a live bridge session (`token` line): real central API, real
bridge, real desktop-side clients, a fake AMI server on loopback. A session whose token runs out
unrenewed is closed with `token_expired`; a renewed one keeps popping calls past the old
token's expiry; bad, expired and other users' tokens are refused, the session kept, logged once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from desktop.cti.bridge import BridgeLimits

from .ami_script import AmiScript, queue_call
from .bridge_rig import Rig, start_rig, until

pytestmark = pytest.mark.timeout(60)


def _token(central: Any, username: str, lifetime_s: int) -> str:
    from central import auth
    from central.tables import users

    with central.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).one()
    principal = auth.Principal(row.id, row.username, row.role, row.agent_id, row.display_name, 0)
    return str(central.mint_token(principal, lifetime_s=lifetime_s))


@pytest.fixture
async def rig(seeded_central_sqlite: Any) -> AsyncIterator[Rig]:
    the_rig = await start_rig(
        seeded_central_sqlite.url, limits=BridgeLimits(token_grace_s=0.0, expiry_check_s=0.1)
    )
    the_rig.central = seeded_central_sqlite  # type: ignore[attr-defined]
    yield the_rig
    await the_rig.close()


async def _rings(rig: Rig, desk: Any, interface: str) -> str:
    data, call_id = queue_call(AmiScript(), answered_by=interface)
    await rig.push(data)
    await until(lambda: "call.ringing" in desk.call_types(call_id))
    return call_id


async def test_a_renewed_session_outlives_its_first_token_and_an_unrenewed_one_is_closed(rig: Rig) -> None:
    central = rig.central  # type: ignore[attr-defined]
    renewed = await rig.desk("1001", _token(central, "1001", 2))
    left = await rig.desk("1002", _token(central, "1002", 2))
    first_expiry = renewed.client.expires_at
    assert first_expiry > 0
    renewed.client.set_token(_token(central, "1001", 900))
    await until(lambda: renewed.client.stats.tokens_renewed == 1)
    assert renewed.client.expires_at > first_expiry + 600
    assert rig.bridge.stats.tokens_renewed == 1
    # past the first token's end: the unrenewed desk is told and closed, the renewed one stays
    await until(lambda: left.client.status == "relogin_needed", timeout=6)
    assert rig.bridge.stats.expired_closed == 1
    assert ("relogin_needed", "the access token has expired: log in again") in left.statuses
    assert renewed.client.connected and renewed.client.stats.connects == 1
    await _rings(rig, renewed, "PJSIP/1001")
    # the desk that was closed signs in again and comes back
    left.client.set_token(_token(central, "1002", 900))
    await until(lambda: left.client.connected)


@pytest.mark.parametrize("case", ["garbage", "expired", "other_user", "empty"])
async def test_a_bad_new_token_is_refused_the_session_kept_and_logged_once(
    rig: Rig, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    central = rig.central  # type: ignore[attr-defined]
    caplog.set_level(logging.INFO, logger="desktop.cti.bridge")
    desk = await rig.desk("1001", _token(central, "1001", 900))
    expires = desk.client.expires_at
    bad = {
        "garbage": "not-a-token",
        "expired": _token(central, "1001", -60),
        "other_user": _token(central, "1002", 900),
        "empty": "",
    }[case]
    code = {
        "garbage": "bad_token",
        "expired": "token_expired",
        "other_user": "other_user",
        "empty": "bad_token",
    }[case]
    writer = desk.client._writer
    assert writer is not None
    for _ in range(3):  # a desktop retrying its bad refresh: one log line, three answers
        writer.write(f'{{"type":"token","token":"{bad}"}}\n'.encode())
        await until(lambda n=_: desk.client.stats.tokens_refused == n + 1)
    assert desk.client.token_refusal.startswith(code + ":"), desk.client.token_refusal
    assert desk.client.connected and desk.client.expires_at == expires
    assert rig.bridge.stats.tokens_refused == 3
    logged = [r for r in caplog.records if "refused a new token" in r.getMessage()]
    assert len(logged) == 1 and f"({code})" in logged[0].getMessage()
    # the session still routes 1001's calls as 1001's
    call_id = await _rings(rig, desk, "PJSIP/1001")
    assert desk.client.agent == "1001"
    assert [e["agent"] for e in desk.calls() if e["call_id"] == call_id] == ["1001"] * len(
        desk.call_types(call_id)
    )


async def test_the_desktop_pushes_the_apis_refreshed_token_to_its_live_bridge_link(
    rig: Rig, tmp_path: Path, qtbot: Any
) -> None:
    """DesktopApp: CentralApi's token changes (a refresh) -> CtiDesk -> `token` line -> token.ok."""
    from desktop.config import Settings
    from desktop.desks.root import DesktopApp
    from desktop.services.api import CentralApi

    central = rig.central  # type: ignore[attr-defined]
    api = CentralApi(central.url)
    session = await api.login("1001", "demo")
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
    try:
        bridge = runtime.cti.bridge
        assert bridge is not None
        await until(lambda: bridge.connected, timeout=8)
        api.token = _token(central, "1001", 1800)  # what CentralApi does after a refresh
        await until(lambda: bridge.stats.tokens_renewed == 1)
        assert bridge.stats.connects == 1 and bridge.expires_at > 0
        assert rig.bridge.stats.tokens_renewed == 1
    finally:
        await runtime.stop()


async def test_expired_sessions_are_kept_while_the_central_api_is_down(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody can renew while the central API is down: closing the sessions then would only stop
    every pop on the floor. They stay (said in the log) until it answers again."""
    central = rig.central  # type: ignore[attr-defined]
    caplog.set_level(logging.INFO, logger="desktop.cti.bridge")
    desk = await rig.desk("1001", _token(central, "1001", 2))
    central.go_offline()
    await until(lambda: "central API does not answer" in caplog.text, timeout=8)
    assert desk.client.connected and rig.bridge.stats.expired_closed == 0
    await _rings(rig, desk, "PJSIP/1001")  # calls still pop
