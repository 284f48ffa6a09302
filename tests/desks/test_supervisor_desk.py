"""The supervisor desk in the real app: a supervisor signed in to the real central API on loopback
gets the Supervisor page, and a recorded PBX trace sent through the local CTI socket drives it to
the hand-computed figures; an agent gets none of it; View > Wallboard opens the wallboard, whose
stale banner shows when the PBX link drops; escalated tickets are counted in the status bar;
stop() leaves no timer running."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer

from calldesk_domain.board import Level
from calldesk_domain.tickets import new_ticket
from central.escalation import EscalationJob
from central.tickets import save_record
from desktop.config import Settings
from desktop.cti.ami import parse_ami_bytes
from desktop.cti.events import to_wire
from desktop.desks.root import DesktopApp
from desktop.desks.supervisor_desk import supervisor_settings
from desktop.services.api import CentralApi
from desktop.views.agent_grid import AgentDayDialog
from desktop.views.i18n import install_translator
from desktop.views.main_window import MainWindow
from desktop.views.supervisor_page import OverdueBadge, SupervisorPage
from desktop.views.wallboard import Wallboard

TRACES = Path(__file__).resolve().parents[1] / "traces" / "ami"
QUEUE = "售后服务"
WAITING, LONGEST, OFFERED, ANSWERED, ABANDONED, TIMED_OUT, SL, ASA, AHT, RATE = range(10)


@pytest.fixture(autouse=True)
def english_ui(qapp):
    install_translator(qapp, "en")
    yield
    install_translator(qapp, "en")


async def _wait(predicate, timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def _cell(panel, queue: str, column: int) -> str:
    try:
        return panel.cell_text(queue, column)
    except KeyError:  # no row for the queue yet
        return ""


async def _cti_source(port: int, token: str, agent: str):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((json.dumps({"type": "hello", "token": token, "agent": agent}) + "\n").encode())
    await writer.drain()
    reply = json.loads(await asyncio.wait_for(reader.readline(), 5))
    assert reply["type"] == "hello.ok"
    return reader, writer


async def _app(central, tmp_path: Path, user: str, supervisor: dict | None = None) -> DesktopApp:
    api = CentralApi(central.url)
    login = await api.login(user, "demo")
    settings = Settings(
        central_url=central.url,
        cache_path=str(tmp_path / f"cache-{user}.sqlite3"),
        cti_port=0,
        supervisor=supervisor or {},
    )
    app = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    await app.start()
    return app


@pytest.fixture
async def supervisor_app(seeded_central_sqlite, tmp_path, qtbot):
    app = await _app(seeded_central_sqlite, tmp_path, "super")
    qtbot.addWidget(app.window)
    yield app
    await app.stop()


def _trace_now(name: str) -> list[dict]:
    """A recorded trace moved onto today's clock (it was recorded at the epoch's start)."""
    events = parse_ami_bytes((TRACES / name).read_bytes())
    shift = time.time() - max(e.ts for e in events) - 1
    return [to_wire(replace(e, ts=e.ts + shift)) for e in events]


async def test_a_replayed_trace_through_the_cti_socket_drives_the_supervisor_page(supervisor_app, qtbot):
    app = supervisor_app
    desk = app.supervisor
    assert desk is not None
    window = app.window
    assert window.pages is not None and window.pages.indexOf(desk.page) == 1
    assert window.pages.tabText(1) == "Supervisor" and window.pages.tabText(0) == "Calls"
    window.show_page(desk.page)
    assert desk.page.isVisible()
    # nothing connected yet: the figures say they are not live
    await _wait(lambda: desk.board.last_snapshot is not None and desk.board.last_snapshot.stale_since)
    assert desk.page.stale_label.isVisible() and "no CTI source" in desk.page.stale_label.text()

    _reader, writer = await _cti_source(app.cti.listener.port, app.cti_token, "9001")
    for event in _trace_now("abandon_pause.ami"):
        writer.write((json.dumps(event, ensure_ascii=False) + "\n").encode())
    await writer.drain()
    panel = desk.page.queue_panel
    # one call answered after 32 s (talk 20 s), one abandoned after 20 s, T = 20 s
    await _wait(lambda: _cell(panel, QUEUE, OFFERED + 1) == "2" and _cell(panel, QUEUE, AHT + 1) == "0:20")
    assert panel.cell_text(QUEUE, ANSWERED + 1) == "1"
    assert panel.cell_text(QUEUE, ABANDONED + 1) == "1"
    assert panel.cell_text(QUEUE, TIMED_OUT + 1) == "0"
    assert panel.cell_text(QUEUE, SL + 1) == "0.0 % ▲ ALARM"
    assert panel.cell_text(QUEUE, ASA + 1) == "0:32 ▲ ALARM"
    assert panel.cell_text(QUEUE, RATE + 1) == "50.0 % ▲ ALARM"
    assert panel.cell_level(QUEUE, SL + 1) is Level.ALARM
    await _wait(lambda: not desk.page.stale_label.isVisible())  # a source is connected: live
    assert desk.page.agent_grid.visible_agents() == ["王小明"]
    assert app.supervisor.board.bad_events == 0

    # double-click the agent: today's intervals (paused for lunch, then back)
    grid = desk.page.agent_grid
    index = grid.view.model().index(0, 0)
    where = grid.view.visualRect(index).center()
    qtbot.mouseClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    dialog = desk.day_dialog
    assert isinstance(dialog, AgentDayDialog) and dialog.isVisible()
    reasons = [dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())]
    assert "lunch" in reasons
    writer.close()


async def test_the_wallboard_opens_from_the_view_menu_and_goes_stale_when_the_pbx_drops(
    supervisor_app, qtbot
):
    app = supervisor_app
    desk = app.supervisor
    assert desk is not None
    action = desk.page.wallboard_action
    assert action in app.window.view_menu.actions() and action.shortcut().toString() == "F11"
    _reader, writer = await _cti_source(app.cti.listener.port, app.cti_token, "9001")
    for event in _trace_now("answered.ami"):
        writer.write((json.dumps(event, ensure_ascii=False) + "\n").encode())
    await writer.drain()
    await _wait(lambda: desk.board.last_snapshot is not None and bool(desk.board.last_snapshot.queues))

    action.trigger()
    wall = desk.wallboard
    assert isinstance(wall, Wallboard) and wall.isVisible() and wall.isFullScreen()
    await _wait(lambda: not wall.banner.isVisible() and wall.current_queue() is not None)

    writer.write(b'{"type": "pbx.disconnected", "ts": %d, "detail": "AMI connection lost"}\n' % time.time())
    await writer.drain()
    await _wait(lambda: wall.banner.isVisible())
    assert "stale" in wall.banner.text() and "AMI connection lost" in wall.banner.text()
    assert not desk.page.stale_label.isHidden()  # on the Supervisor page too (a tab not shown now)

    writer.write(b'{"type": "pbx.connected", "ts": %d}\n' % time.time())
    await writer.drain()
    await _wait(lambda: not wall.banner.isVisible())

    writer.close()  # the last source leaves: stale again within the link poll
    await _wait(lambda: wall.banner.isVisible(), timeout_s=4)
    assert "no CTI source" in wall.banner.text()

    action.trigger()  # opened again: the same window, raised
    assert desk.wallboard is wall


async def test_stop_leaves_no_supervisor_timer_running(seeded_central_sqlite, tmp_path, qtbot):
    app = await _app(seeded_central_sqlite, tmp_path, "super")
    qtbot.addWidget(app.window)
    desk = app.supervisor
    assert desk is not None
    desk.open_wallboard()
    assert desk.timers_running()  # the board's tick, the link poll, the wallboard's cycle
    wall_timer = desk.wallboard.cycle_timer
    board_timers = desk.board.findChildren(QTimer)
    await app.stop()
    assert desk.timers_running() == [] and desk.wallboard is None
    assert not any(t.isActive() for t in board_timers)
    # the wallboard went with its cycle timer (deleted, or at least stopped)
    assert not shiboken6.isValid(wall_timer) or not wall_timer.isActive()


async def test_an_agent_has_no_supervisor_page(seeded_central_sqlite, tmp_path, qtbot):
    app = await _app(seeded_central_sqlite, tmp_path, "1001")
    qtbot.addWidget(app.window)
    try:
        assert app.login.role == "agent" and app.supervisor is None
        assert app.window.pages is None
        assert app.window.findChildren(SupervisorPage) == []
        assert app.window.findChildren(OverdueBadge) == []
        texts = [a.text() for a in app.window.view_menu.actions()]
        assert "&Wallboard" not in texts
    finally:
        await app.stop()


def _overdue_ticket(engine, ticket_id: str, created: datetime) -> None:
    ticket = new_ticket(ticket_id, "C0000001", "1001", created, category="fault")
    ticket.fault_description = "不制冷"
    ticket.product_model = "AC-35GW"
    with engine.begin() as conn:
        save_record(conn, "ticket", ticket.to_dict(), created)


async def test_escalated_tickets_are_counted_in_the_status_bar(supervisor_app, seeded_central_sqlite, qtbot):
    app = supervisor_app
    desk = app.supervisor
    assert desk is not None
    # issue #18: the notification channel is on (it hung this test's pulls on the qasync loop)
    assert app.sync.connectivity is not None and app.sync.connectivity.channel is not None
    assert desk.overdue.count == 0 and not desk.overdue.isVisible()
    engine = seeded_central_sqlite.engine
    created = datetime.now(UTC) - timedelta(minutes=20)
    for ticket_id in ("ESC-1", "ESC-2"):
        _overdue_ticket(engine, ticket_id, created)
    assert EscalationJob(engine, interval_s=30).run_once() == 2  # the server's own schedule
    assert not any("overdue" in text for text in app.window.banners.texts())
    await app.sync.pull()
    assert desk.overdue.count == 2 and desk.overdue.isVisible()
    assert desk.overdue.text() == "Overdue tickets: 2"
    notices = [text for text in app.window.banners.texts() if "overdue" in text]
    assert notices == ["2 open tickets are overdue and escalated to you (was 0)."]
    await app.sync.pull()  # nothing new: the count stays, no new notice
    assert desk.overdue.count == 2
    assert len([text for text in app.window.banners.texts() if "overdue" in text]) == 1


def test_bad_supervisor_settings_fall_back_and_are_named() -> None:
    settings = Settings(
        timezone="Mars/Olympus",
        supervisor={
            "sl_threshold_s": "fast",
            "teams": {"1001": "East", "1002": 7},
            "thresholds": {"waiting": {"warning": 9, "alarm": 2}, "asa_s": {"warning": 10, "alarm": 40}},
        },
    )
    config = supervisor_settings(settings)
    assert config.sl_threshold_s == 20.0 and config.teams == {"1001": "East"}
    assert str(config.zone) == "Asia/Shanghai"
    assert config.thresholds.asa_s.alarm == 40 and config.thresholds.waiting.alarm == 8
    joined = " | ".join(config.problems)
    for word in ("Mars/Olympus", "sl_threshold_s", "'1002'", "waiting"):
        assert word in joined


def test_the_supervisor_page_follows_the_language(qapp, qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    page = SupervisorPage()
    badge = OverdueBadge()
    window.add_page(page)
    window.statusBar().insertPermanentWidget(0, badge)
    pages = window.pages
    assert pages is not None
    badge.set_count(3)
    install_translator(qapp, "zh_CN")
    qapp.processEvents()
    assert (pages.tabText(0), pages.tabText(1)) == ("来电", "班长监控")
    assert page.wallboard_action.text() == "大屏看板(&W)"
    assert badge.text() == "超时工单：3"
    install_translator(qapp, "en")
    qapp.processEvents()
    assert (pages.tabText(0), pages.tabText(1)) == ("Calls", "Supervisor")
    assert badge.text() == "Overdue tickets: 3"
