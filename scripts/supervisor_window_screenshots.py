"""Render a supervisor's main window (the real DesktopApp) offscreen at 1366x768, Supervisor tab
shown, and save PNGs under docs/screenshots/ (supervisor-window-<language>.png).

    .venv/bin/python scripts/supervisor_window_screenshots.py [--out docs/screenshots]

A seeded central API on loopback (temporary SQLite), the "super" demo user signed in, two
tickets escalated by the server's job, and 50 minutes of a simulated floor of 40 agents in 4
queues sent through the local CTI socket like a CTI source would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qasync
import sqlalchemy as sa
from PySide6.QtWidgets import QApplication

from calldesk_domain.tickets import new_ticket
from central.escalation import EscalationJob
from central.seed import seed_database
from central.server import start_in_thread
from central.tickets import save_record
from desktop.config import Settings
from desktop.cti.events import to_wire
from desktop.cti.floor import FloorSimulator
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.theme import apply_theme

ROOT = Path(__file__).resolve().parents[1]
QUEUES = ("售后服务", "售前咨询", "VIP专线", "complaints")
TEAMS = {f"A{n:03d}": ("Team East" if n % 2 else "Team West") for n in range(1, 41)}


def escalate_two(engine: object) -> None:
    created = datetime.now(UTC) - timedelta(minutes=30)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        for ticket_id in ("SHOT-1", "SHOT-2"):
            ticket = new_ticket(ticket_id, "C0000001", "1001", created, category="fault")
            ticket.fault_description = "不制冷"
            ticket.product_model = "AC-35GW"
            save_record(conn, "ticket", ticket.to_dict(), created)
    EscalationJob(engine, interval_s=30).run_once()  # type: ignore[arg-type]


async def shoot(app: QApplication, server_url: str, language: str, out: Path, workdir: Path) -> None:
    install_translator(app, language)  # before the window: its notices are written in it
    api = CentralApi(server_url)
    login = await api.login("super", "demo")
    settings = Settings(
        central_url=server_url,
        language=language,
        cache_path=str(workdir / f"cache-{language}.sqlite3"),
        cti_port=0,
        supervisor={"teams": TEAMS},
    )
    desktop = DesktopApp(settings, api, login, cti_token=secrets.token_urlsafe(16))
    desktop.window.set_language(language)
    desktop.window.resize(1366, 768)
    await desktop.start()
    desk = desktop.supervisor
    assert desk is not None and desktop.cti.listener is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", desktop.cti.listener.port)
    hello = {"type": "hello", "token": desktop.cti_token, "agent": login.agent_id}
    writer.write((json.dumps(hello) + "\n").encode())
    await writer.drain()
    await reader.readline()
    now = time.time()
    sim = FloorSimulator(
        agents=40, calls_per_s=1.25, start_ts=now - 50 * 60, seed=3, queue_names=QUEUES, queue_timeout_s=90
    )
    events = list(sim.events_until(now))
    sent_at = time.monotonic()
    for event in events:
        writer.write((json.dumps(to_wire(event), ensure_ascii=False) + "\n").encode())
    await writer.drain()
    model = desk.board.model
    while model.events_applied < len(events) and time.monotonic() - sent_at < 300:
        await asyncio.sleep(0.2)
    print(f"{model.events_applied} of {len(events)} events in {time.monotonic() - sent_at:.1f} s")
    desktop.window.show_page(desk.page)
    desk.board.refresh()
    await asyncio.sleep(0.5)
    path = out / f"supervisor-window-{language}.png"
    desktop.window.grab().save(str(path))
    print(path)
    writer.close()
    await desktop.stop()


async def shoot_all(app: QApplication, out: Path, workdir: Path) -> None:
    db_url = f"sqlite:///{workdir / 'central.db'}"
    seed_database(db_url, 300, 7)
    server = start_in_thread(db_url)
    try:
        escalate_two(sa.create_engine(db_url))
        for language in ("zh_CN", "en"):
            await shoot(app, server.url, language, out, workdir)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # the first language's window closes before the second opens
    load_fonts(app)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as workdir, loop:
        loop.run_until_complete(shoot_all(app, args.out, Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
