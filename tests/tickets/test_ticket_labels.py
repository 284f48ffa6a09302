"""One table says what ticket codes read on screen; the form and the My work panel both use it,
in English and in zh_CN."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from desktop.services.tickets import TicketService
from desktop.views.i18n import install_translator
from desktop.views.my_work import MyWorkPanel
from desktop.views.ticket_form import TicketForm
from desktop.views.ticket_labels import TICKET_LABELS, ticket_label


def test_the_form_and_my_work_read_codes_from_one_table(qtbot, store, clock) -> None:
    panel = MyWorkPanel()
    service = TicketService(store, "1001", clock=clock)
    form = TicketForm(service.draft("C0000001"), service.save, clock=clock)
    qtbot.addWidget(panel)
    qtbot.addWidget(form)
    app = QApplication.instance()
    try:
        for language, expected in (("en", "Waiting for customer"), ("zh_CN", "等待客户")):
            install_translator(app, language)
            assert ticket_label("waiting_customer") == expected
            for code in TICKET_LABELS:
                assert panel._status_name(code) == ticket_label(code)
                assert form.value_text(code) == ticket_label(code)
        assert ticket_label("no_such_code") == "no_such_code"
        assert panel._status_name("") != form.value_text("")  # "(all)" to filter, "(none)" to choose
    finally:
        install_translator(app, "en")
