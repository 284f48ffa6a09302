"""Render the customer card's new parts offscreen at 1366x768 and save PNGs under docs/screenshots/.

    .venv/bin/python scripts/card_work_screenshots.py [--out docs/screenshots]

Per language (zh_CN, en): card_work_<lang>.png (the "Tickets & contacts" tab) and
card_older_<lang>.png (the orders of the cached window with the "loading older history" row).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from calldesk_domain.customer_work import WorkItem, newest_first
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.main_window import MainWindow
from desktop.views.sample_data import sample_detail
from desktop.views.theme import apply_theme

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)


def work_items() -> list[WorkItem]:
    day = timedelta(days=1)
    return newest_first(
        [
            WorkItem(
                "ticket",
                "T3F9A0C12B7D4E1",
                NOW - 2 * day,
                "in_progress",
                "洗衣机脱水时异响，已约上门检测",
                "T3F9A0C12B7D4E1",
                "fault",
            ),
            WorkItem(
                "contact",
                "c-1",
                NOW - 2 * day,
                "ticket_created",
                "客户来电报修，已建工单",
                "T3F9A0C12B7D4E1",
                "inbound",
            ),
            WorkItem("contact", "c-2", NOW - 9 * day, "information_only", "咨询积分兑换规则", "", "inbound"),
            WorkItem(
                "ticket",
                "T0A11B22C33D44E",
                NOW - 40 * day,
                "closed",
                "退换货：冰箱门封条破损",
                "T0A11B22C33D44E",
                "return",
            ),
            WorkItem(
                "contact",
                "c-3",
                NOW - 41 * day,
                "callback_needed",
                "回访退换货进度",
                "T0A11B22C33D44E",
                "outbound",
            ),
        ]
    )


def shoot(language: str, out: Path) -> list[Path]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translator(app, language)
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    card = window.card
    detail = sample_detail(orders=12)
    card.show_detail(detail, masked=True, older="loading")
    card.show_work(work_items())
    card.select_tab(len(card.tab_titles()) - 1)
    app.processEvents()
    paths = [out / f"card_work_{language}.png"]
    window.grab().save(str(paths[0]))
    card.select_tab(0)
    app.processEvents()
    paths.append(out / f"card_older_{language}.png")
    window.grab().save(str(paths[1]))
    window.close()
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    load_fonts()
    apply_theme(app)
    args.out.mkdir(parents=True, exist_ok=True)
    for language in ("zh_CN", "en"):
        for path in shoot(language, args.out):
            print("written", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
