"""Customer 360 card states added for issue 6: a detail that cannot be loaded, said on the card."""

from __future__ import annotations

import pytest

from desktop.views.customer_card import CustomerCardView
from desktop.views.i18n import install_translator
from desktop.views.sample_data import sample_detail, sample_pop


@pytest.fixture
def card(qtbot) -> CustomerCardView:
    view = CustomerCardView()
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_unavailable_detail_keeps_the_header_and_marks_it_offline(card):
    detail = sample_detail("C1", orders=3)
    card.show_pop(sample_pop(detail), masked=True)
    assert card.tab_message(0) == "Loading…"
    card.show_detail_unavailable("connection refused", stale=True)
    assert card.page() == "card" and card.current_customer_id() == "C1"
    assert card.header_name_text() == detail.customer.name
    assert card.is_stale()
    assert all(card.tab_message(i) == "Details not available: connection refused" for i in range(4))


def test_unavailable_detail_without_a_reason_and_online(card):
    detail = sample_detail("C1", orders=3)
    card.show_pop(sample_pop(detail), masked=True)
    card.show_detail_unavailable("", stale=False)
    assert not card.is_stale()
    assert card.tab_message(3) == "Details not available."


def test_a_late_failure_does_not_touch_another_page(card):
    card.show_new_caller("+8613912345670", "13912345670")
    card.show_detail_unavailable("timeout", stale=True)
    assert card.page() == "new_caller"
    assert not card.is_stale()


def test_the_next_detail_replaces_the_unavailable_message(card):
    detail = sample_detail("C1", orders=3)
    card.show_pop(sample_pop(detail), masked=True)
    card.show_detail_unavailable("timeout", stale=True)
    card.show_detail(detail, masked=True)
    assert card.tab_message(0) is None and card.tab_row_count(0) == 3
    assert not card.is_stale()


def test_unavailable_message_in_chinese(card, qapp):
    detail = sample_detail("C1", orders=3)
    card.show_pop(sample_pop(detail), masked=True)
    assert install_translator(qapp, "zh_CN")
    card.show_detail_unavailable("timeout", stale=True)
    assert card.tab_message(0) == "详细信息暂不可用：timeout"
