"""Render the Supervisor tab's Export day to CSV pieces offscreen and save PNGs under docs/screenshots/.

    .venv/bin/python scripts/history_screenshots.py [--out docs/screenshots]

Per language (zh_CN, en): the supervisor page (1366x768, its "Export day to CSV…" button top right)
and the export dialog after an export.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from desktop.views.export_day_dialog import ExportDayDialog
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.supervisor_page import SupervisorPage
from desktop.views.theme import apply_theme

ROOT = Path(__file__).resolve().parents[1]


def save(app: QApplication, widget: QWidget, path: Path, size: tuple[int, int] | None) -> None:
    if size is not None:
        widget.resize(*size)
    widget.show()
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)
    widget.grab().save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    load_fonts(app)
    apply_theme(app)
    for language in ("zh_CN", "en"):
        install_translator(app, language)
        page = SupervisorPage(zone=ZoneInfo("Asia/Shanghai"))
        save(app, page, args.out / f"supervisor-export-button-{language}.png", (1366, 768))
        dialog = ExportDayDialog(date(2026, 12, 1), Path("C:/Users/super/Documents"))
        dialog.show_result(
            QCoreApplication.translate("QueueHistoryDesk", "Exported %1 to %2 and %3.")
            .replace("%1", "2026-12-01")
            .replace("%2", "C:/Users/super/Documents/calldesk-2026-12-01.csv")
            .replace("%3", "calldesk-2026-12-01-agents.csv"),
            ok=True,
        )
        save(app, dialog, args.out / f"supervisor-export-dialog-{language}.png", None)
        page.close()
        dialog.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
