"""A restarted supervisor desktop refills the agent grid and the agent's day from the central API
(issue #15), then follows live events. Real pieces: the central API on loopback, agent 1001's real
desktop recording its intervals through its CTI socket (the CTI simulator as the PBX) and pushing
them through its outbox, two supervisor DesktopApps one after the other on the same SQLite cache
(a restart), the grid double-clicked with qtbot."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from calldesk_domain.agent_metrics import Activity, AgentInterval
from desktop.config import Settings
from desktop.cti.agent_timeline import AgentTimelines
from desktop.cti.events import AgentEvent, AgentEventKind
from desktop.cti.simulator import CtiSimulator
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.push import PushSync
from desktop.services.queue_history import interval_from_wire
from desktop.views.agent_grid import AgentDayDialog
from desktop.views.i18n import install_translator

STATE, REASON, IN_STATE, HANDLED = 2, 3, 4, 7  # agent grid columns


@pytest.fixture(autouse=True)
def english_ui(qapp):
    install_translator(qapp, "en")
    yield
    install_translator(qapp, "en")


@pytest.fixture
async def sims():
    started: list[CtiSimulator] = []
    yield started
    for sim in started:
        await sim.close()


async def _wait(predicate, timeout_s: float = 8.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met in time")
        await asyncio.sleep(0.02)


def _zone_well_inside_its_day(now: float) -> str:
    """A zone whose local time is between 01:00 and 23:00, so that the day's work the test
    stamps 15 minutes back is still "today" there: run near Shanghai's midnight (16:00 UTC),
    the answered call would otherwise belong to yesterday and, rightly, not be counted."""
    for zone in ("Asia/Shanghai", "Europe/London", "America/New_York"):
        hour = datetime.fromtimestamp(now, ZoneInfo(zone)).hour
        if 1 <= hour < 23:
            return zone
    raise AssertionError("no zone away from midnight")  # the three are 5 and 8 hours apart


async def _app(central, cache: Path, user: str, qtbot) -> DesktopApp:
    api = CentralApi(central.url)
    login = await api.login(user, "demo")
    settings = Settings(
        central_url=central.url,
        cache_path=str(cache),
        cti_port=0,
        wrapup_seconds=30,
        timezone=_zone_well_inside_its_day(time.time()),
    )
    app = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(app.window)
    await app.start(initial_sync=False)
    return app


async def _pbx(app: DesktopApp, agent: str, sims: list[CtiSimulator]) -> CtiSimulator:
    assert app.cti.listener is not None
    sim = CtiSimulator(port=app.cti.listener.port, token=app.cti_token, agent=agent)
    await sim.connect()
    sims.append(sim)
    await _wait(lambda: agent in app.cti.listener.connected_agents(), what="source connected")
    return sim


def _pause(agent: str, ts: float, paused: bool, reason: str = "") -> dict:
    return {"type": "agent.pause", "agent": agent, "paused": paused, "reason": reason, "ts": ts}


def _row(app: DesktopApp, agent: str) -> list[str] | None:
    assert app.supervisor is not None
    model = app.supervisor.page.agent_grid.model
    for row in range(model.rowCount()):
        if model.index(row, 0).data() == agent:
            return [str(model.index(row, column).data()) for column in range(model.columnCount())]
    return None


async def _agent_day_by_double_click(app: DesktopApp, qtbot, agent: str) -> AgentDayDialog:
    assert app.supervisor is not None
    app.window.show_page(app.supervisor.page)
    grid = app.supervisor.page.agent_grid
    assert grid.select_agent(agent)
    index = grid.view.currentIndex()
    rect = grid.view.visualRect(index)
    assert grid.view.isVisible() and rect.isValid()
    qtbot.mouseClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = app.supervisor.day_dialog
    assert isinstance(dialog, AgentDayDialog) and dialog.windowTitle() == f"Today: {agent}"
    return dialog


def _states(dialog: AgentDayDialog) -> list[tuple[str, str]]:
    table = dialog.table
    return [(table.item(r, 2).text(), table.item(r, 3).text()) for r in range(table.rowCount())]


async def _agent_works_and_pushes(central, tmp_path: Path, qtbot, sims, t0: float) -> None:
    """1001's desktop: on break, ready, a call, wrap-up, ready; its closed intervals pushed."""
    agent = await _app(central, tmp_path / "agent.sqlite3", "1001", qtbot)
    try:
        sim = await _pbx(agent, "1001", sims)
        await sim.send(_pause("1001", t0, True, "break"))
        await sim.send(_pause("1001", t0 + 60, False))
        for kind, ts in (("ringing", t0 + 100), ("answered", t0 + 105), ("ended", t0 + 165)):
            await sim.send({"type": f"call.{kind}", "call_id": "sup-c1", "caller": "13900001111",
                            "agent": "1001", "ts": ts})  # fmt: skip
        await sim.send(_pause("1001", t0 + 166, True, "acw"))
        await sim.send(_pause("1001", t0 + 190, False))
        log = agent.history.history.log
        await _wait(lambda: len(log.intervals) == 6, what="six intervals (five closed)")
        api = CentralApi(central.url, token=central.token_for("1001"), max_retries=0)
        result = await PushSync(api, tmp_path / "agent.sqlite3").run()
        await api.aclose()
        assert (result.rejected, result.conflicts, result.remaining) == (0, 0, 0)
    finally:
        await agent.stop()


async def test_a_restarted_supervisor_refills_the_agent_grid_and_day_from_the_server_then_goes_live(
    seeded_central_sqlite, tmp_path, qtbot, sims
):
    central = seeded_central_sqlite
    t0 = time.time() - 900
    cache = tmp_path / "super.sqlite3"
    before = await _app(central, cache, "super", qtbot)  # the supervisor's desktop, before the day's work
    try:
        assert _row(before, "1001") is None
    finally:
        await before.stop()
    await _agent_works_and_pushes(central, tmp_path, qtbot, sims, t0)

    # the supervisor desktop starts again on its cache: no CTI event yet, the day is there
    after = await _app(central, cache, "super", qtbot)
    try:
        assert after.queue_history is not None and after.queue_history.seeded_agents == 1
        await _wait(lambda: _row(after, "1001") is not None, what="1001 in the grid")
        row = _row(after, "1001")
        assert row is not None and row[HANDLED] == "1"  # the answered call
        assert row[STATE] == "Unavailable" and row[IN_STATE] in ("", "—")  # not known until the PBX says
        dialog = await _agent_day_by_double_click(after, qtbot, "1001")
        assert _states(dialog) == [  # newest first: what 1001's desktop pushed
            ("Ready", ""),
            ("Wrap-up", ""),
            ("Ready", ""),
            ("Talking", ""),
            ("Ready", ""),
            ("Not ready", "break"),
        ]
        # live events continue from there
        sim = await _pbx(after, "9001", sims)
        await sim.send(_pause("1001", time.time(), True, "lunch"))
        await _wait(lambda: (_row(after, "1001") or [""] * 9)[STATE] == "Not ready", what="live pause")
        assert _row(after, "1001")[REASON] == "lunch" and _row(after, "1001")[HANDLED] == "1"
        dialog = await _agent_day_by_double_click(after, qtbot, "1001")
        assert _states(dialog)[0] == ("Not ready", "lunch") and len(_states(dialog)) == 7
        assert dialog.table.item(0, 1).text() == "now"
    finally:
        await after.stop()


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["agent_id", "start", "end", "state", "reason", "call_id"]),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=80),
            st.sampled_from(
                ["ready", "not_ready", "talking", "wrapup", "logged_out", "2026-12-03T09:00:00+08:00"]
            ),
        ),
    )
)
def test_a_hostile_interval_from_the_server_is_a_value_error_never_a_crash(entry: dict) -> None:
    try:
        interval, _call = interval_from_wire(entry)
    except (ValueError, TypeError, KeyError):
        return
    assert interval.agent and (interval.end_ts is None or interval.end_ts >= interval.start_ts)


def test_seeded_agents_are_left_alone_when_the_live_stream_knows_them_and_totals_start_at_midnight() -> None:
    timelines = AgentTimelines()
    timelines.apply(AgentEvent(AgentEventKind.PAUSE, "live", 500.0, paused=True, reason="lunch"))
    talk = AgentInterval("1001", Activity.TALK, 50.0, 150.0)
    entries = [
        (AgentInterval("1001", Activity.READY, 10.0, 50.0), None),  # before midnight (100): half counts
        (talk, "c1"),
        (AgentInterval("1001", Activity.READY, 150.0, None), None),
        (AgentInterval("live", Activity.READY, 10.0, 20.0), None),
    ]
    assert timelines.seed(entries, day_start=100.0) == 1
    state = timelines.agents["1001"]
    assert (state.activity, state.since_ts, state.calls_handled) == (Activity.READY, 150.0, 1)
    assert (state.staffed_s, state.handling_s) == (50.0, 50.0)
    assert timelines.agents["live"].reason == "lunch" and len(timelines.intervals("live")) == 1
