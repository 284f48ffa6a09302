"""My work lists (views, filters, sorting, overdue flag, double click opens) and the knowledge
panel searching the real central API and linking an article into the ticket."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop.services.api import CentralApi
from desktop.services.knowledge import KnowledgeService
from desktop.services.tickets import TicketService
from desktop.views.knowledge_panel import KnowledgePanel
from desktop.views.my_work import MyWorkPanel
from desktop.views.ticket_form import TicketForm


async def _make(service: TicketService, description: str, **fields):
    ticket = service.draft("C0000001", category=fields.pop("category", "consultation"))
    ticket.fault_description = description
    for key, value in fields.items():
        setattr(ticket, key, value)
    return await service.save(ticket)


def _ids(panel: MyWorkPanel, view: str) -> list[str]:
    proxy = panel.proxies[view]
    return [proxy.index(row, 0).data() for row in range(proxy.rowCount())]


async def test_my_work_views_filters_sorting_and_double_click(qtbot, store, clock):
    service = TicketService(store, "1001", clock=clock)
    old = await _make(service, "旧的咨询")
    clock.now += timedelta(minutes=5)
    fault = await _make(service, "空调不制冷", category="fault", product_model="AC-1", priority="urgent")
    team = await _make(service, "转二线", assignee_group="L2-hotline", status="assigned")
    clock.now += timedelta(minutes=12)  # `old` is now 17 minutes without hand-off
    panel = MyWorkPanel()
    qtbot.addWidget(panel)
    panel.show()
    for view in ("mine", "team", "overdue"):
        panel.set_tickets(view, service.list(view), clock.now)
    assert _ids(panel, "mine") == [old.id, fault.id]  # SLA due first
    assert _ids(panel, "team") == [team.id]
    assert _ids(panel, "overdue") == [old.id]
    assert panel.tabs.tabText(2) == "Overdue (1)"
    overdue_cell = panel.models["mine"].item(0, 5)
    assert overdue_cell.text().startswith("⚠ -") and overdue_cell.background().color().name() == "#fee2e2"

    panel.category.setCurrentIndex(panel.category.findData("fault"))
    assert _ids(panel, "mine") == [fault.id]
    panel.category.setCurrentIndex(0)
    qtbot.keyClicks(panel.text, old.id[:8])
    assert _ids(panel, "mine") == [old.id]
    panel.text.clear()

    table = panel.tables["mine"]
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # priority: urgent first
    assert _ids(panel, "mine") == [fault.id, old.id]
    index = panel.proxies["mine"].index(0, 1)
    with qtbot.waitSignal(panel.ticketOpened) as opened:
        table.doubleClicked.emit(index)
    assert opened.args == [fault.id]


async def test_knowledge_panel_searches_the_server_and_links_into_the_ticket(
    qtbot, store, clock, seeded_central_sqlite
):
    api = CentralApi(seeded_central_sqlite.url)
    api.token = seeded_central_sqlite.token
    knowledge = KnowledgeService(api)
    service = TicketService(store, "1001", clock=clock)
    panel = KnowledgePanel(knowledge.search)
    form = TicketForm(service.draft("C0000001"), service.save, clock=clock, knowledge=panel)
    qtbot.addWidget(form)
    form.show()
    try:
        panel.query.setText("退货 运费")
        panel._debounce.stop()  # search now rather than after the typing pause
        panel.run_search()
        await asyncio.wait_for(panel._task, 5)
        assert panel.results.count() >= 1
        assert panel.results.item(0).text().startswith("KB008")
        assert "七天" in panel.body.toPlainText()
        qtbot.mouseClick(panel.link, Qt.MouseButton.LeftButton)
        assert form.ticket.kb_article_ids == ["KB008"]
        assert "KB008" in form.linked.text()
        form.fault_description.setPlainText("客户咨询七天无理由退货")
        with qtbot.waitSignal(form.saved):
            qtbot.mouseClick(
                form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
            )
            await form.submit()  # the save the click started
        assert store.local_record("ticket", form.ticket.id)["kb_article_ids"] == ["KB008"]

        # Server gone: the panel answers from the articles seen so far and says so.
        await api.aclose()
        offline = KnowledgeService(CentralApi("http://127.0.0.1:9"))
        offline.cache = knowledge.cache
        result = await offline.search("退货")
        assert result.offline and "KB008" in [a.id for a in result.articles]
        assert all("退货" in a.title + a.body + "".join(a.tags) for a in result.articles)
        assert set(knowledge.cache) >= {a.id for a in result.articles}
        await offline.api.aclose()
    finally:
        await api.aclose()
