"""Render the supervisor screens offscreen at 1366x768 and save PNGs under docs/screenshots/.

    .venv/bin/python scripts/supervisor_screenshots.py [--out docs/screenshots]

Per language (zh_CN, en): the queue panel, the agent grid and the wallboard (live, and with the
"stale since" banner), the Supervisor tab with its Export day to CSV button and the export
dialog, fed by 50 minutes of a simulated floor of 40 agents in 4 queues; the wallboard by four
and a half hours of a quieter floor, so that its charts hold the most intervals they show (16).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from calldesk_domain.board import BoardSnapshot
from desktop.cti.floor import FloorSimulator
from desktop.services.supervisor import SupervisorBoard
from desktop.views.agent_grid import AgentDayDialog, AgentGrid
from desktop.views.export_day_dialog import ExportDayDialog
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.queue_panel import QueuePanel
from desktop.views.supervisor_page import SupervisorPage
from desktop.views.theme import apply_theme
from desktop.views.wallboard import Wallboard

ROOT = Path(__file__).resolve().parents[1]
ZONE = ZoneInfo("Asia/Shanghai")
TEAMS = {f"A{n:03d}": ("Team East" if n % 2 else "Team West") for n in range(1, 41)}


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


def save(app: QApplication, widget: QWidget, path: Path, size: tuple[int, int]) -> None:
    widget.resize(*size)
    widget.show()
    settle(app)
    widget.grab().save(str(path))
    print(path)


def _long_day(end: float) -> BoardSnapshot:
    """The board after 4.5 hours of a floor: 16 intervals and more in each queue's chart."""
    sim = FloorSimulator(
        agents=40,
        calls_per_s=0.3,
        start_ts=end - 270 * 60,
        seed=3,
        queue_names=("售后服务", "售前咨询", "VIP专线", "complaints"),
        queue_timeout_s=90,
    )
    board = SupervisorBoard(ZONE, teams=TEAMS, clock=lambda: end, tick_ms=0)
    board.feed_many(sim.events_until(end))
    return board.refresh()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    load_fonts(app)
    apply_theme(app)
    sim = FloorSimulator(
        agents=40,
        calls_per_s=1.25,
        start_ts=time.time() - 50 * 60,
        seed=3,
        queue_names=("售后服务", "售前咨询", "VIP专线", "complaints"),
        queue_timeout_s=90,
    )
    clock = [sim.start_ts]
    board = SupervisorBoard(ZONE, teams=TEAMS, clock=lambda: clock[0], tick_ms=0)
    end = sim.start_ts + 50 * 60
    board.feed_many(sim.events_until(end))
    clock[0] = end
    snapshot = board.refresh()
    wall_snapshot = _long_day(end)
    for language in ("zh_CN", "en"):
        install_translator(app, language)
        panel = QueuePanel()
        panel.show_snapshot(snapshot)
        save(app, panel, args.out / f"supervisor-queue-panel-{language}.png", (1366, 400))
        grid = AgentGrid()
        grid.show_snapshot(snapshot)
        save(app, grid, args.out / f"supervisor-agent-grid-{language}.png", (1366, 768))
        dialog = AgentDayDialog(board.agent_day(snapshot.agents[0].agent), ZONE)
        save(app, dialog, args.out / f"supervisor-agent-day-{language}.png", (520, 420))
        wall = Wallboard(zone=ZONE, cycle_ms=0)
        wall.show_snapshot(wall_snapshot)
        save(app, wall, args.out / f"wallboard-{language}.png", (1366, 768))
        wall.show_snapshot(replace(wall_snapshot, stale_since=end - 90, stale_detail="bridge unreachable"))
        save(app, wall, args.out / f"wallboard-stale-{language}.png", (1366, 768))
        page = SupervisorPage(zone=ZONE)  # its "Export day to CSV…" button, top right
        page.show_snapshot(snapshot)
        save(app, page, args.out / f"supervisor-export-button-{language}.png", (1366, 768))
        export = ExportDayDialog(date(2026, 12, 1), Path("C:/Users/super/Documents"))
        done = QCoreApplication.translate("QueueHistoryDesk", "Exported %1 to %2 and %3.")
        export.show_result(
            done.replace("%1", "2026-12-01")
            .replace("%2", "C:/Users/super/Documents/calldesk-2026-12-01.csv")
            .replace("%3", "calldesk-2026-12-01-agents.csv"),
            ok=True,
        )
        save(app, export, args.out / f"supervisor-export-dialog-{language}.png", (560, 200))
        for widget in (panel, grid, dialog, wall, page, export):
            widget.close()
            widget.deleteLater()
    return 0


if __name__ == "__main__":
    sys.exit(main())
