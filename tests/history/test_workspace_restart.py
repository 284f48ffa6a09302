"""The agent's own history survives a restart (issue #14): the real DesktopApp on a real SQLite
cache, the CTI simulator as the PBX, the real central API on loopback. Intervals split on a change
of reason, a call is Talking with its call id, the closed intervals and the call are queued in the
outbox and pushed (stored centrally under 1001), and a second desktop on the same cache file shows
today's intervals and Calls today again."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from calldesk_domain.agent_intervals import AgentState
from desktop.config import Settings
from desktop.cti.simulator import CtiSimulator
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.push import PushSync

CALL = "hist-call-1"


async def _wait(predicate, timeout_s: float = 5.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met in time")
        await asyncio.sleep(0.02)


async def _desktop(central, cache: Path, qtbot) -> DesktopApp:
    api = CentralApi(central.url)
    login = await api.login("1001", "demo")
    settings = Settings(central_url=central.url, cache_path=str(cache), cti_port=0, wrapup_seconds=30)
    desktop = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(desktop.window)
    await desktop.start(initial_sync=False)
    return desktop


@pytest.fixture
async def sims():
    started: list[CtiSimulator] = []
    yield started
    for sim in started:
        await sim.close()


async def _pbx(desktop: DesktopApp, sims: list[CtiSimulator]) -> CtiSimulator:
    assert desktop.cti.listener is not None
    sim = CtiSimulator(port=desktop.cti.listener.port, token=desktop.cti_token, agent="1001")
    await sim.connect()
    sims.append(sim)
    await _wait(lambda: "1001" in desktop.cti.listener.connected_agents(), what="source connected")
    return sim


def _pause(ts: float, paused: bool, reason: str = "") -> dict:
    return {"type": "agent.pause", "agent": "1001", "paused": paused, "reason": reason, "ts": ts}


def _stored(cache: Path) -> tuple[int, int, int]:
    """(intervals, closed intervals, calls) in the local cache file."""
    with sqlite3.connect(cache) as conn:
        return (
            conn.execute("SELECT count(*) FROM agent_intervals").fetchone()[0],
            conn.execute("SELECT count(*) FROM agent_intervals WHERE end_ts IS NOT NULL").fetchone()[0],
            conn.execute("SELECT count(*) FROM call_log").fetchone()[0],
        )


async def test_intervals_and_calls_today_survive_a_restart_and_reach_the_server(
    seeded_central_sqlite, tmp_path, qtbot, sims
):
    central = seeded_central_sqlite
    cache = tmp_path / "cache.sqlite3"
    now = time.time()
    t0 = now - 600
    desktop = await _desktop(central, cache, qtbot)
    try:
        sim = await _pbx(desktop, sims)
        history = desktop.history.history
        await sim.send(_pause(t0, True, "break"))
        await sim.send(_pause(t0 + 60, True, "lunch"))  # a change of reason: break closes
        await sim.send(_pause(t0 + 120, False))
        caller = central.sample_customer()["mobile"]
        for kind, ts in (("ringing", t0 + 180), ("answered", t0 + 185), ("ended", t0 + 245)):
            await sim.send(
                {"type": f"call.{kind}", "call_id": CALL, "caller": caller, "agent": "1001", "ts": ts}
            )
        await _wait(lambda: len(history.log.intervals) == 5, what="five intervals")
        await sim.send(_pause(t0 + 246, True, "acw"))
        await _wait(lambda: len(history.log.intervals) == 6, what="wrap-up interval")
        states = [(i.state, i.reason, i.call_id) for i in history.log.intervals]
        assert states == [
            (AgentState.NOT_READY, "break", None),
            (AgentState.NOT_READY, "lunch", None),
            (AgentState.READY, "", None),
            (AgentState.TALKING, "", CALL),
            (AgentState.READY, "", None),
            (AgentState.WRAPUP, "", CALL),
        ]
        assert history.total(AgentState.NOT_READY, "break").total_seconds() == pytest.approx(60, abs=0.01)
        await _wait(
            lambda: _stored(cache) == (6, 5, 1), what="six intervals (five closed) and the call stored"
        )
        shown = desktop.window.recent_calls.model.record(0)
    finally:
        await desktop.stop()

    # a new desktop on the same file: today's intervals (the open wrap-up too) and the call are back
    again = await _desktop(central, cache, qtbot)
    try:
        reloaded = again.history.history
        assert [(i.state, i.reason) for i in reloaded.log.intervals] == [(s, r) for s, r, _c in states]
        assert reloaded.log.current is not None and reloaded.log.current.state is AgentState.WRAPUP
        assert reloaded.total(AgentState.NOT_READY, "lunch").total_seconds() == pytest.approx(60, abs=0.01)
        recent = again.window.recent_calls
        assert recent.count() == 1
        again_shown = recent.model.record(0)
        assert (again_shown.call_id, again_shown.caller_display, again_shown.customer_id) == (
            CALL, shown.caller_display, shown.customer_id,
        )  # fmt: skip
        assert again_shown.ts == pytest.approx(t0 + 245)
        # the next change the PBX reports closes the wrap-up that was open across the restart
        sim = await _pbx(again, sims)
        await sim.send(_pause(t0 + 300, False))
        await _wait(lambda: len(reloaded.log.intervals) == 7, what="ready after the restart")
        assert reloaded.log.intervals[5].end is not None
        await _wait(lambda: reloaded.log.intervals[5].end is not None, what="the wrap-up closed")
        # through the outbox to the central API (the desktop's own background push may have sent
        # some already), stored under 1001; nothing refused
        api = CentralApi(central.url, token=central.token, max_retries=0)
        result = await PushSync(api, cache).run()
        await api.aclose()
        assert (result.rejected, result.conflicts, result.remaining) == (0, 0, 0)
        with sqlite3.connect(cache) as conn:
            assert conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] == 0
    finally:
        await again.stop()
    engine = sa.create_engine(central.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT agent_id, state, reason FROM agent_intervals ORDER BY start_ts")
        ).all()
        calls = conn.execute(sa.text("SELECT agent_id, id FROM agent_calls")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("1001", "not_ready", "break"), ("1001", "not_ready", "lunch"), ("1001", "ready", ""),
        ("1001", "talking", ""), ("1001", "ready", ""), ("1001", "wrapup", ""),
    ]  # fmt: skip
    assert [tuple(c) for c in calls] == [("1001", CALL)]
