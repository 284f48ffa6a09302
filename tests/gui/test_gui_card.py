"""The customer card as the agent sees it: pop header first, then the detail tabs."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from calldesk_domain.models import CHURN_WARNING_THRESHOLD
from calldesk_domain.popcard import PopCard
from desktop.views.customer_card import CustomerCardView
from desktop.views.sample_data import family_cards, sample_detail, sample_pop


@pytest.fixture
def card(qtbot) -> CustomerCardView:
    view = CustomerCardView()
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_empty_card_until_a_customer_is_shown(card):
    assert card.page() == "empty"
    assert card.current_customer_id() is None


def test_card_shows_name_points_and_order_count_from_detail(card):
    detail = sample_detail(orders=7)
    card.show_detail(detail, masked=True)
    assert card.page() == "card"
    assert card.current_customer_id() == detail.customer.id
    assert card.header_name_text() == "王秀英"
    assert card.points_text() == "12,580"
    assert card.orders_count() == 7
    assert card.tab_titles()[0] == "Orders (7)"
    assert card._ltv_value.text() == "¥38,560.00"
    orders = card._orders_tab.model
    assert orders.rowCount() == 7
    first = detail.orders[0]
    assert orders.index(0, 0).data() == first.order_no
    assert orders.index(0, 3).data() == f"¥{first.amount_fen // 100:,}.{first.amount_fen % 100:02d}"
    assert "扫地机器人 X20 Pro ×1" in orders.index(0, 4).data()


def test_pop_paints_header_then_detail_fills_tabs(card):
    detail = sample_detail(orders=12)
    card.show_pop(sample_pop(detail), masked=True)
    assert card.page() == "card"
    assert card.header_name_text() == "王秀英"
    assert card.points_text() == "12,580"
    assert card.orders_count() == 0
    assert card._orders_tab.currentWidget() is card._orders_tab.message
    assert card._orders_tab.message.text() == "Loading…"
    assert card.tab_titles() == [
        "Orders",
        "Points ledger",
        "Service history",
        "Marketing",
        "Tickets && contacts",
    ]

    card.show_detail(detail, masked=True)
    assert card.orders_count() == 12
    assert card._orders_tab.showing_records()
    assert card.tab_titles()[:4] == [
        "Orders (12)",
        "Points ledger (5)",
        "Service history (3)",
        "Marketing (4)",
    ]
    assert card._points_tab.model.index(1, 2).data() == "-2,000"
    assert card._service_tab.model.index(0, 1).data() == "Ticket"
    assert card._marketing_tab.model.index(3, 3).data() == "—"  # no response recorded yet


def test_empty_lists_say_so_instead_of_an_empty_grid(card):
    detail = dataclasses.replace(sample_detail(orders=0), service=[], marketing=[])
    card.show_detail(detail, masked=True)
    assert card.orders_count() == 0
    assert card._orders_tab.currentWidget() is card._orders_tab.message
    assert card._orders_tab.message.text() == "No orders"
    assert card._service_tab.message.text() == "No service history"


def test_numbers_are_masked_only_when_the_role_says_so(card):
    detail = sample_detail()
    card.show_detail(detail, masked=True)
    assert card.phones_text() == "138****5678  ·  021****1234"
    card.show_detail(detail, masked=False)
    assert "*" not in card.phones_text()
    assert "138 1234 5678" in card.phones_text()
    card.show_pop(sample_pop(detail), masked=True)
    assert card.phones_text().startswith("138****5678")


@pytest.mark.parametrize(
    ("risk", "warned"),
    [(0.0, False), (CHURN_WARNING_THRESHOLD - 0.01, False), (CHURN_WARNING_THRESHOLD, True), (0.95, True)],
)
def test_churn_banner_only_at_or_above_threshold(card, risk, warned):
    pop = dataclasses.replace(sample_pop(), churn_risk=risk, churn_reasons=("近90天无购买", "积分即将过期"))
    card.show_pop(pop, masked=True)
    text = card.churn_warning_text()
    assert (text is not None) is warned
    if warned:
        assert f"{round(risk * 100)}%" in text
        assert "近90天无购买" in text and "积分即将过期" in text
        assert card._churn.isVisible()


def test_churn_banner_goes_away_for_the_next_customer(card):
    card.show_pop(sample_pop(), masked=True)
    assert card.churn_warning_text() is not None
    calm = family_cards()[1]
    card.show_pop(calm, masked=True)
    assert card.churn_warning_text() is None
    assert card.header_name_text() == "李建国"


def test_stale_detail_is_marked_as_cached(card):
    detail = sample_detail()
    card.show_detail(detail, masked=True, stale=True)
    assert card.is_stale()
    assert card._stale.isVisible()
    assert "offline" in card._stale.text()
    card.show_detail(detail, masked=True)
    assert not card.is_stale()


def test_tier_badge_follows_the_tier(card):
    for tier, label in (
        ("high_end", "High-end"),
        ("important", "Important"),
        ("ordinary", "Ordinary"),
        ("small", "Small"),
    ):
        card.show_pop(dataclasses.replace(sample_pop(), tier=tier), masked=True)
        assert card._tier.text() == label
    card.show_pop(dataclasses.replace(sample_pop(), tier="vip_unknown"), masked=True)
    assert card._tier.text() == "vip_unknown"  # unknown codes shown as they came, never blank


def test_tags_are_replaced_not_accumulated(card):
    card.show_pop(dataclasses.replace(sample_pop(), tags=("a", "b", "c")), masked=True)
    card.show_pop(dataclasses.replace(sample_pop(), tags=("only",)), masked=True)
    shown = [chip.text() for chip in card._tag_chips if not chip.isHidden()]
    assert shown == ["only"]


def test_new_caller_page_and_create_button(card, qtbot):
    card.show_new_caller("+8615900001111", "15900001111")
    assert card.page() == "new_caller"
    assert card.current_customer_id() is None
    assert card._new_number.text() == "159 0000 1111"
    with qtbot.waitSignal(card.createCustomerRequested, timeout=1000) as signal:
        qtbot.mouseClick(card._create_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["+8615900001111"]


def test_new_caller_with_unparseable_number_offers_the_raw_text(card, qtbot):
    card.show_new_caller(None, "12#")
    assert card._new_number.text() == "12#"
    with qtbot.waitSignal(card.createCustomerRequested, timeout=1000) as signal:
        qtbot.mouseClick(card._create_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["12#"]


def test_new_caller_number_masked_when_asked(card):
    card.show_new_caller("+8615900001111", "15900001111", masked=True)
    assert card._new_number.text() == "159****1111"


def test_matches_chooser_enter_picks_the_highlighted_customer(card, qtbot):
    cards = family_cards()
    card.show_matches(cards, masked=True)
    assert card.page() == "matches"
    assert "3 customers" in card._matches_title.text()
    table = card._matches_table
    assert table.model().rowCount() == 3
    assert table.model().index(1, 0).data() == "李建国"
    assert table.model().index(1, 3).data() == "021****1234"
    qtbot.keyClick(table, Qt.Key.Key_Down)
    with qtbot.waitSignal(card.customerChosen, timeout=1000) as signal:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert signal.args == [cards[1].customer_id]


def test_matches_chooser_double_click(card, qtbot):
    cards = family_cards()
    card.show_matches(cards, masked=False)
    table = card._matches_table
    rect = table.visualRect(table.model().index(2, 0))
    with qtbot.waitSignal(card.customerChosen, timeout=1000) as signal:
        # A real double-click is press/release then a double-click event: QTest needs both halves.
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [cards[2].customer_id]
    assert table.model().index(2, 3).data() == "021 6438 1234"


def test_withheld_page_asks_for_search(card, qtbot):
    with qtbot.waitSignal(card.searchRequested, timeout=1000):
        card.show_withheld()
    assert card.page() == "withheld"
    with qtbot.waitSignal(card.searchRequested, timeout=1000):
        qtbot.mouseClick(card._withheld_search, Qt.MouseButton.LeftButton)


def test_pop_card_with_no_phones_and_no_level(card):
    bare = PopCard("C9", "无名氏", "ordinary", "", 0, 0.0, (), (), (), None, None)
    card.show_pop(bare, masked=True)
    assert card.phones_text() == "—"
    assert card._level.isHidden()
    assert card.points_text() == "0"


def test_out_of_range_churn_scores_are_clamped_not_crashing(card):
    card.show_pop(dataclasses.replace(sample_pop(), churn_risk=float("nan")), masked=True)
    assert card.churn_warning_text() is None  # no score is no warning
    card.show_pop(dataclasses.replace(sample_pop(), churn_risk=float("inf")), masked=True)
    assert card.churn_warning_text().startswith("Churn risk 100%")
    card.show_pop(dataclasses.replace(sample_pop(), churn_risk=7.5), masked=True)
    assert card.churn_warning_text().startswith("Churn risk 100%")
