"""Whatever a cache row or an API answer holds, painting it must not crash the card."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calldesk_domain.models import Customer, CustomerDetail, Order, OrderItem, Phone, PointsEntry
from calldesk_domain.popcard import PopCard
from desktop.views.customer_card import CustomerCardView

texts = st.text(max_size=40)
moments = st.none() | st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
risks = st.floats(allow_nan=True, allow_infinity=True)
big = st.integers(min_value=-(10**15), max_value=10**15)

pop_cards = st.builds(
    PopCard,
    customer_id=texts,
    name=texts,
    tier=texts | st.sampled_from(["high_end", "important", "ordinary", "small"]),
    membership_level=texts,
    points_balance=big,
    churn_risk=risks,
    churn_reasons=st.tuples(texts, texts),
    tags=st.lists(texts, max_size=12).map(tuple),
    phones=st.lists(texts | st.just("+8613800138000"), max_size=4).map(tuple),
    last_order_at=moments,
    last_contact_at=moments,
)

orders = st.builds(
    Order,
    id=texts,
    customer_id=texts,
    order_no=texts,
    placed_at=moments,
    status=texts,
    amount_fen=big,
    logistics_status=texts,
    items=st.lists(st.builds(OrderItem, sku=texts, name=texts, qty=big, price_fen=big), max_size=3),
)

details = st.builds(
    CustomerDetail,
    customer=st.builds(
        Customer,
        id=texts,
        name=texts,
        phones=st.lists(st.builds(Phone, e164=texts), max_size=3),
        tier=texts,
        points_balance=big,
        lifetime_value_fen=big,
        churn_risk=risks,
        churn_reasons=st.lists(texts, max_size=3),
        tags=st.lists(texts, max_size=5),
    ),
    orders=st.lists(orders, max_size=5),
    points=st.lists(
        st.builds(PointsEntry, id=texts, customer_id=texts, ts=moments, kind=texts, points=big, note=texts),
        max_size=5,
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(card=pop_cards, detail=details, masked=st.booleans(), stale=st.booleans())
def test_any_pop_and_detail_paint_without_error(qtbot, card, detail, masked, stale):
    view = CustomerCardView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show_pop(card, masked=masked)
    assert view.header_name_text() == card.name
    view.show_detail(detail, masked=masked, stale=stale)
    assert view.orders_count() == len(detail.orders)
    for tab in view._record_tabs:  # every cell the table would paint
        model = tab.model
        for row in range(model.rowCount()):
            for col in range(model.columnCount()):
                assert isinstance(model.index(row, col).data(), str)
    view.grab()
    view.show_matches([card], masked=masked)
    view.show_new_caller(None, card.name)
    view.deleteLater()
