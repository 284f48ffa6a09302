"""Render the ticket form and the wrap-up screen offscreen at 1366x768 into docs/screenshots/.

    .venv/bin/python scripts/ticket_screenshots.py [--out docs/screenshots]

Per language (zh_CN, en): ticket_<lang>.png (a fault ticket in progress with history, warranty,
SLA countdown and the knowledge panel), ticket_errors_<lang>.png (required-field messages next
to the fields), wrapup_<lang>.png (the wrap-up screen over the main window after a call).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from calldesk_domain.ticket_validation import validate_ticket
from calldesk_domain.tickets import Attachment, ContactLog, TicketComment, apply_action, new_ticket
from calldesk_domain.vocabulary import DISPOSITION_CODES
from central.kb_articles import ARTICLES
from desktop.services.knowledge import Article
from desktop.services.tickets import TicketInvalid
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.knowledge_panel import KnowledgePanel
from desktop.views.main_window import MainWindow
from desktop.views.sample_data import sample_detail
from desktop.views.theme import apply_theme
from desktop.views.ticket_form import TicketForm
from desktop.views.wrapup_dialog import WrapUpDialog

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1366, 768)
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
FAULT = {
    "zh_CN": "洗衣机脱水时显示 E21，排水很慢；客户已清理过滤器，断电重启后仍报错。",
    "en": "Washer shows E21 while spinning and drains slowly; the customer cleaned the filter and "
    "restarted it, still the same error.",
}
COMMENTS = {
    "zh_CN": ["客户希望周三上午上门，联系电话同来电号码。", "已提醒客户准备购机发票。"],
    "en": [
        "Customer prefers a Wednesday morning visit; call back on the same number.",
        "Asked to keep the invoice ready.",
    ],
}
NOTES = {
    "zh_CN": "客户咨询 E21 故障，已建上门维修工单，约周三上午。",
    "en": "Customer asked about error E21; on-site repair ticket opened, visit Wednesday morning.",
}


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


async def _unsaved(ticket, *_args):
    """Validate like TicketService.save, store nothing."""
    issues = validate_ticket(ticket.to_dict(), NOW.date())
    if issues:
        raise TicketInvalid(issues)
    return ticket


def _first(attachments):
    async def attach(_path):
        return attachments[0]

    return attach


async def _submitted(form: TicketForm) -> None:
    await form.submit()


def ticket_form(language: str, clock) -> TicketForm:
    ticket = new_ticket("T3F9A0C2D41B7E8", "C00012345", "1001", NOW - timedelta(minutes=9), category="fault")
    ticket.call_id = "call-20261123-0042"
    ticket.priority = "high"
    ticket.product_model = "WM-7KG"
    ticket.product_serial = "SN7K2024A0913"
    ticket.purchase_date = "2025-03-18"
    ticket.fault_description = FAULT[language]
    ticket.service_mode = "on_site"
    ticket.assignee_group = "L2-hotline"
    ticket.kb_article_ids = ["KB004"]
    apply_action(
        ticket, "assign", "1001", NOW - timedelta(minutes=6), "转二线" if language == "zh_CN" else ""
    )
    ticket.status = "new"  # shown before hand-off, so the countdown runs
    ticket.history.pop()
    panel = KnowledgePanel(lambda _text: None)
    panel.query.blockSignals(True)
    panel.query.setText("洗衣机 排水")
    panel.query.blockSignals(False)
    articles = [
        Article(i, t, b, c, tuple(tags)) for i, c, t, b, tags in ARTICLES if i in ("KB004", "KB027", "KB017")
    ]
    panel.show_articles(articles)
    for minutes, text in zip((5, 3), COMMENTS[language], strict=True):
        ticket.comments.append(TicketComment(NOW - timedelta(minutes=minutes), "1001", text))
    attachments = [
        Attachment("A1", ticket.id, "铭牌.jpg", 1_843_200, "0" * 64, "image/jpeg"),
        Attachment("A2", ticket.id, "invoice-2025-03-18.pdf", 88_064, "1" * 64, "application/pdf"),
    ]
    form = TicketForm(
        ticket,
        _unsaved,
        customer_label="王秀英 (C00012345)",
        clock=clock,
        knowledge=panel,
        attach=_first(attachments),
        attachments=attachments,
    )
    form.resize(*SIZE)
    return form


def wrapup(language: str) -> WrapUpDialog:
    contact = ContactLog(
        id="K9D1C0FFEE12345",
        call_id="call-20261123-0042",
        agent_id="1001",
        customer_id="C00012345",
        started_at=NOW - timedelta(minutes=6, seconds=12),
        ended_at=NOW,
        notes=NOTES[language],
        ticket_id="T3F9A0C2D41B7E8",
    )
    dialog = WrapUpDialog(
        contact,
        lambda c: c,
        DISPOSITION_CODES,
        tickets=[("T3F9A0C2D41B7E8", "洗衣机 E21")],
        customer_label="王秀英 (C00012345)",
    )
    dialog.disposition.setCurrentIndex(dialog.disposition.findData("ticket_created"))
    dialog.satisfaction.setCurrentIndex(dialog.satisfaction.findData(5))
    dialog.resize(620, dialog.sizeHint().height())
    return dialog


def composite(window: QWidget, dialog: QWidget, app: QApplication, path: Path) -> None:
    settle(app)
    base = window.grab()
    painter = QPainter(base)
    painter.fillRect(base.rect(), QColor(0, 0, 0, 90))
    shot = dialog.grab()
    x, y = (base.width() - shot.width()) // 2, (base.height() - shot.height()) // 2
    painter.drawPixmap(x, y, shot)
    painter.setPen(QColor("#64748b"))  # offscreen dialogs have no window frame: draw its edge
    painter.drawRect(x - 1, y - 1, shot.width() + 1, shot.height() + 1)
    painter.end()
    base.save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    load_fonts(app)
    apply_theme(app)
    clock = lambda: NOW  # noqa: E731
    for language in ("zh_CN", "en"):
        install_translator(app, language)
        form = ticket_form(language, clock)
        form.show()
        settle(app)
        form.grab().save(str(args.out / f"ticket_{language}.png"))
        print(args.out / f"ticket_{language}.png")
        form.close()

        empty = TicketForm(
            new_ticket("T0000000000NEW1", "C00012345", "1001", NOW),
            _unsaved,
            customer_label="王秀英 (C00012345)",
            clock=clock,
            knowledge=KnowledgePanel(lambda _t: None),
        )
        empty.category.setCurrentIndex(empty.category.findData("fault"))
        empty.resize(*SIZE)
        empty.show()
        asyncio.run(_submitted(empty))
        settle(app)
        empty.grab().save(str(args.out / f"ticket_errors_{language}.png"))
        print(args.out / f"ticket_errors_{language}.png")
        empty.close()

        window = MainWindow()
        window.resize(*SIZE)
        window.set_language(language)
        window.card.show_detail(sample_detail(), masked=True)
        window.show()
        dialog = wrapup(language)
        dialog.show()
        composite(window, dialog, app, args.out / f"wrapup_{language}.png")
        dialog.required = False
        dialog.close()
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
