from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.models import CHURN_WARNING_THRESHOLD, Customer, CustomerDetail, Order, parse_ts


def test_customer_round_trip_and_unknown_keys_ignored():
    data = {
        "id": "C1",
        "name": "张三",
        "phones": [{"e164": "+8613800138000", "kind": "mobile"}],
        "tier": "high_end",
        "points_balance": 1200,
        "churn_risk": 0.8,
        "churn_reasons": ["近90天无购买"],
        "created_at": "2026-01-01T08:00:00Z",
        "future_field": {"x": 1},
    }
    c = Customer.from_dict(data)
    assert c.phones[0].e164 == "+8613800138000"
    assert c.created_at == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert c.churn_warning and CHURN_WARNING_THRESHOLD <= 0.8
    again = Customer.from_dict(c.to_dict())
    assert again == c
    assert "future_field" not in c.to_dict()


def test_detail_round_trip():
    d = CustomerDetail.from_dict(
        {
            "customer": {"id": "C1", "name": "李四"},
            "orders": [
                {
                    "id": "O1",
                    "customer_id": "C1",
                    "order_no": "SO1",
                    "placed_at": "2026-02-03T04:05:06+08:00",
                    "status": "delivered",
                    "amount_fen": 19900,
                    "items": [{"sku": "A", "name": "耳机", "qty": 1, "price_fen": 19900}],
                }
            ],
        }
    )
    assert isinstance(d.orders[0], Order) and d.orders[0].items[0].name == "耳机"
    assert d.orders[0].placed_at == datetime(2026, 2, 2, 20, 5, 6, tzinfo=UTC)
    assert CustomerDetail.from_dict(d.to_dict()) == d


@given(st.datetimes(timezones=st.just(UTC)))
def test_timestamps_round_trip(ts):
    c = Customer(id="C", name="n", created_at=ts)
    assert parse_ts(c.to_dict()["created_at"]) == ts
