"""The supervisor's central history in the real app (issue #15): the real central API on loopback,
real SQLite caches, a recorded PBX trace through the local CTI socket. A supervisor desktop reports
the queue calls it watched through the outbox; a restarted supervisor desktop (even on another
machine's cache) shows today's totals before any new event; Export day to CSV writes the day's
statistics and agent intervals; an agent's window has none of it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
import sqlite3
import time
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QToolButton

from desktop.config import Settings
from desktop.cti.ami import parse_ami_bytes
from desktop.cti.events import to_wire
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.services.push import PushSync
from desktop.views.export_day_dialog import ExportDayDialog
from desktop.views.i18n import install_translator

TRACES = Path(__file__).resolve().parents[1] / "traces" / "ami"
QUEUE = "售后服务"
OFFERED, ANSWERED, ABANDONED = 3, 4, 5  # queue panel columns (waiting, longest wait come first)


@pytest.fixture(autouse=True)
def english_ui(qapp):
    install_translator(qapp, "en")
    yield
    install_translator(qapp, "en")


async def _wait(predicate, timeout_s: float = 8.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met in time")
        await asyncio.sleep(0.02)


def _cell(app: DesktopApp, column: int) -> str:
    assert app.supervisor is not None
    try:
        return app.supervisor.page.queue_panel.cell_text(QUEUE, column)
    except KeyError:
        return ""


async def _app(central, cache: Path, user: str, qtbot) -> DesktopApp:
    api = CentralApi(central.url)
    login = await api.login(user, "demo")
    settings = Settings(central_url=central.url, cache_path=str(cache), cti_port=0)
    app = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(app.window)
    await app.start(initial_sync=False)
    return app


def _trace_now(name: str) -> list[dict]:
    events = parse_ami_bytes((TRACES / name).read_bytes())
    shift = time.time() - max(e.ts for e in events) - 1
    return [to_wire(replace(e, ts=e.ts + shift)) for e in events]


async def _replay(app: DesktopApp, name: str) -> None:
    assert app.cti.listener is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", app.cti.listener.port)
    writer.write((json.dumps({"type": "hello", "token": app.cti_token, "agent": "9001"}) + "\n").encode())
    await writer.drain()
    assert json.loads(await asyncio.wait_for(reader.readline(), 5))["type"] == "hello.ok"
    for event in _trace_now(name):
        writer.write((json.dumps(event, ensure_ascii=False) + "\n").encode())
    await writer.drain()
    writer.close()


def _central_rows(central, sql: str) -> list[tuple]:
    engine = sa.create_engine(central.db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


async def test_a_restarted_supervisor_desktop_shows_todays_totals_from_the_central_history(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    first = await _app(central, tmp_path / "a.sqlite3", "super", qtbot)
    try:
        await _replay(first, "abandon_pause.ami")  # one answered (wait 32 s, talk 20 s), one abandoned
        await _wait(
            lambda: _cell(first, OFFERED) == "2" and _cell(first, ABANDONED) == "1", what="live figures"
        )
        assert first.queue_history is not None
        assert await first.queue_history.report() == 2
        assert await first.queue_history.report() == 0  # nothing changed: nothing queued again
        with sqlite3.connect(tmp_path / "a.sqlite3") as conn:
            queued = conn.execute("SELECT count(*) FROM outbox WHERE entity = 'queue_call'").fetchone()[0]
        api = CentralApi(central.url, token=central.token_for("super"), max_retries=0)
        result = await PushSync(api, tmp_path / "a.sqlite3").run()
        await api.aclose()
        assert queued in (0, 2) and (result.rejected, result.remaining) == (0, 0)
    finally:
        await first.stop()
    rows = _central_rows(
        central, "SELECT queue, outcome, wait_s, reported_by FROM queue_calls ORDER BY outcome"
    )
    assert rows == [
        (QUEUE, "abandoned", pytest.approx(20, abs=1), "9001"),
        (QUEUE, "answered", pytest.approx(32, abs=1), "9001"),
    ]

    # another supervisor desktop, a fresh cache, no CTI event yet: today's totals are there
    second = await _app(central, tmp_path / "b.sqlite3", "super", qtbot)
    try:
        await _wait(lambda: _cell(second, OFFERED) == "2", what="totals from the history")
        assert (_cell(second, ANSWERED), _cell(second, ABANDONED)) == ("1", "1")
        assert second.queue_history is not None and second.queue_history.seeded == 2
        # the same calls seen live again are counted once
        await _replay(second, "abandon_pause.ami")
        await asyncio.sleep(0.5)
        assert _cell(second, OFFERED) == "2"
    finally:
        await second.stop()


def _push_day(central) -> float:
    """Three calls of today in 售后服务 and two intervals of 1001, pushed as the server expects them."""
    now = time.time()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    calls = [
        ("h1", now - 120, "answered", 10.0, 100.0),
        ("h2", now - 110, "answered", 30.0, 200.0),
        ("h3", now - 100, "abandoned", 40.0, None),
    ]
    mutations = [
        {
            "client_id": str(uuid.uuid4()),
            "entity": "queue_call",
            "id": cid,
            "op": "upsert",
            "data": {"id": cid, "queue": QUEUE, "join_ts": ts, "outcome": outcome, "wait_s": wait},
        }
        for cid, ts, outcome, wait, _handle in calls
    ]
    for mutation, (_cid, _ts, _outcome, _wait, handle) in zip(mutations, calls, strict=True):
        mutation["data"]["handle_s"] = handle
    response = httpx.post(
        f"{central.url}/api/v1/sync/push",
        json={"mutations": mutations},
        headers={"Authorization": f"Bearer {central.token_for('super')}", **headers},
        timeout=20,
    )
    assert {r["status"] for r in response.json()["results"]} == {"applied"}
    return now


async def test_export_day_to_csv_from_the_supervisor_tab(seeded_central_sqlite, tmp_path, qtbot):
    central = seeded_central_sqlite
    _push_day(central)
    app = await _app(central, tmp_path / "cache.sqlite3", "super", qtbot)
    try:
        assert app.supervisor is not None and app.queue_history is not None
        app.window.show_page(app.supervisor.page)
        button = app.supervisor.page.findChild(QToolButton, "exportDayButton")
        assert button is not None and button.isVisible()
        assert button.defaultAction().text() == "Export day to CSV…"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        dialog = app.queue_history.dialog
        assert isinstance(dialog, ExportDayDialog) and dialog.isVisible()
        target = tmp_path / "out" / "today"
        target.parent.mkdir()
        dialog.path_edit.setText(str(target))
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        await _wait(lambda: dialog.result_label.text().startswith("Exported"), what="export done")
        stats_file, agents_file = tmp_path / "out" / "today.csv", tmp_path / "out" / "today-agents.csv"
        assert str(stats_file) in dialog.result_label.text()
        raw = stats_file.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        total = rows[-1]
        assert total["queue"] == QUEUE and total["interval_start"] == ""
        # hand-computed: 2 answered (waits 10, 30; handle 100, 200), 1 abandoned (40), T = 20 s
        assert (total["offered"], total["answered"], total["abandoned"]) == ("3", "2", "1")
        assert (total["sl_pct"], total["sl2_pct"], total["asa_s"], total["aht_s"]) == (
            "50.0",
            "33.3",
            "20.0",
            "150.0",
        )
        assert (total["abandon_rate_pct"], total["max_wait_s"]) == ("33.3", "40.0")
        assert agents_file.read_text(encoding="utf-8-sig").splitlines()[0] == (
            "agent_id,start,end,state,reason,call_id,seconds_in_day"
        )

        # the server gone: the dialog says so, in words, and nothing is written
        central.go_offline()
        (tmp_path / "out" / "today.csv").unlink()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        await _wait(
            lambda: dialog.result_label.text().startswith("Not exported"), timeout_s=30, what="failure shown"
        )
        assert "Cannot reach the central server" in dialog.result_label.text()
        assert not stats_file.exists() and ok.isEnabled()
    finally:
        await app.stop()


async def test_an_agent_has_no_export_and_no_queue_history(seeded_central_sqlite, tmp_path, qtbot):
    app = await _app(seeded_central_sqlite, tmp_path / "cache.sqlite3", "1001", qtbot)
    try:
        assert app.queue_history is None and app.supervisor is None
        assert app.window.findChild(QToolButton, "exportDayButton") is None
    finally:
        await app.stop()
