"""The agent-state panel and the new ticket-form texts in Simplified Chinese, and the panel
switching language live."""

from __future__ import annotations

from pathlib import Path

import pytest

from calldesk_domain.agent_intervals import AgentState
from desktop.services.tickets import TicketService
from desktop.views.agent_state_panel import AgentStatePanel
from desktop.views.ticket_form import TicketForm


@pytest.fixture
def zh_cn(qapp):
    from desktop.views.i18n import install_translator

    install_translator(qapp, "zh_CN")
    yield
    install_translator(qapp, "en")


def test_agent_state_in_chinese_and_back(qtbot, qapp):
    from desktop.views.i18n import install_translator

    box = AgentStatePanel()
    qtbot.addWidget(box)
    box.show_pbx_state(AgentState.NOT_READY, "break", since=0.0)
    reasons = box.reason_box
    assert [reasons.itemText(i) for i in range(2)] == ["Break", "Lunch"]
    assert box.shown_text() == "Not ready: Break"
    install_translator(qapp, "zh_CN")
    try:
        qtbot.waitUntil(lambda: box.ready_button.text() != "Ready", timeout=2000)  # LanguageChange is posted
        assert box.ready_button.text() == "就绪" and box.pause_button.text() == "未就绪"
        assert [reasons.itemText(i) for i in range(reasons.count())] == [
            "休息",
            "午餐",
            "培训",
            "会议",
            "话后处理",
        ]
        assert box.shown_text() == "未就绪：休息"
        assert box.ready_refused_text() == "请先保存上一通电话的联络记录，再切换为就绪。"
    finally:
        install_translator(qapp, "en")
    qtbot.waitUntil(lambda: box.ready_button.text() == "Ready", timeout=2000)


async def test_comment_and_attachment_messages_in_chinese(qtbot, store, clock, tmp_path, zh_cn):
    from desktop.services.attachments import AttachmentService, attachments_folder

    tickets = TicketService(store, "1001", clock=clock)
    attachments = AttachmentService(store, attachments_folder(store.path), "1001", max_bytes=10)
    ticket = tickets.draft("C0000001")
    form = TicketForm(ticket, tickets.save, clock=clock, attach=lambda p: attachments.attach(ticket.id, p))
    qtbot.addWidget(form)
    assert form.add_comment_button.text() == "添加评论"
    form.add_comment()
    assert form.errors["comments"].text() == "请先填写评论内容。"
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 11)
    await form.attach_files([big, Path(tmp_path / "nope.txt")])
    assert form.errors["attachments"].text().splitlines() == [
        "big.bin 超过 10 MB，未添加。",
        "nope.txt 无法读取（文件不存在或被占用），未添加。",
    ]
