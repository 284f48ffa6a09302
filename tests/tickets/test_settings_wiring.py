"""The wrap-up settings reach the running desktop: disposition codes in the wrap-up screen and
the "no Ready with an unsaved contact" rule, from Settings through DesktopApp to TicketDesk."""

from __future__ import annotations

import secrets

import pytest

from calldesk_domain.tickets import ContactLog
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi


@pytest.mark.parametrize("require", [True, False])
async def test_settings_reach_the_ticket_desk(seeded_central_sqlite, tmp_path, qtbot, require):
    api = CentralApi(seeded_central_sqlite.url)
    session = await api.login("1001", "demo")
    settings = Settings(
        central_url=seeded_central_sqlite.url,
        cache_path=str(tmp_path / "cache.sqlite3"),
        cti_port=0,
        disposition_codes=("sale", "no_sale"),
        require_contact_before_ready=require,
    )
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start()
    try:
        desk = runtime.tickets
        assert desk.contacts.dispositions == ("sale", "no_sale")
        desk.contacts.pending["c-1"] = ContactLog(id="K1", call_id="c-1", agent_id="1001")
        assert desk.may_go_ready() is (not require)
        dialog = desk.show_wrapup(desk.contacts.pending["c-1"])
        codes = [dialog.disposition.itemData(i) for i in range(dialog.disposition.count())]
        assert codes == ["", "sale", "no_sale"]
        assert dialog.required is require
    finally:
        await runtime.stop()
