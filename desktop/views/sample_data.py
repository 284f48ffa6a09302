"""A realistic customer for screenshots, benchmarks and GUI tests (plain data, built in code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from calldesk_domain.models import (
    Customer,
    CustomerDetail,
    MarketingTouch,
    Order,
    OrderItem,
    Phone,
    PointsEntry,
    ServiceRecord,
)
from calldesk_domain.popcard import PopCard

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

_PRODUCTS = (
    ("RV-X20", "扫地机器人 X20 Pro", 399_900),
    ("WP-F3", "净水器滤芯套装 F3", 39_900),
    ("AP-600", "空气净化器 AP-600", 329_900),
    ("HD-M1", "高速吹风机 M1", 129_900),
    ("RV-KIT", "扫地机耗材包（边刷/滤网/拖布）", 9_900),
    ("DW-8S", "嵌入式洗碗机 8套", 399_900),
)
_STATUSES = ("shipped", "completed", "completed", "refunded", "completed", "cancelled", "completed")
_LOGISTICS = {
    "shipped": "顺丰速运：运输中",
    "completed": "京东物流：已签收",
    "refunded": "中通快递：退货已签收",
    "cancelled": "",
}


def sample_detail(customer_id: str = "C00012345", orders: int = 12) -> CustomerDetail:
    customer = Customer(
        id=customer_id,
        name="王秀英",
        phones=[
            Phone("+8613812345678", "mobile", "本人手机"),
            Phone("+862164381234", "landline", "家庭座机"),
        ],
        email="wangxy@163.com",
        tier="high_end",
        membership_level="金卡会员",
        points_balance=12_580,
        tags=["高价值", "复购客户", "投诉敏感", "耗材复购"],
        lifetime_value_fen=3_856_000,
        churn_risk=0.78,
        churn_reasons=["最近一次投诉未解决", "近期有退款/退货", "积分即将过期"],
        city="上海",
    )
    order_list = []
    for i in range(orders):
        sku, name, price = _PRODUCTS[i % len(_PRODUCTS)]
        qty = 1 + (i % 3 == 1)
        items = [OrderItem(sku, name, qty, price)]
        if i % 4 == 0 and sku != "RV-KIT":
            items.append(OrderItem("RV-KIT", "扫地机耗材包（边刷/滤网/拖布）", 2, 9_900))
        status = _STATUSES[i % len(_STATUSES)]
        placed = NOW - timedelta(days=3 + i * 23, hours=i)
        order_list.append(
            Order(
                id=f"O{i:08d}",
                customer_id=customer_id,
                order_no=f"{placed:%Y%m%d}{1_000_123 + i:010d}",
                placed_at=placed,
                status=status,
                amount_fen=sum(it.qty * it.price_fen for it in items),
                channel="天猫旗舰店",
                logistics_status=_LOGISTICS[status],
                items=items,
            )
        )
    points = [
        PointsEntry("P1", customer_id, NOW - timedelta(days=2), "earned", 3_999, "订单确认收货"),
        PointsEntry("P2", customer_id, NOW - timedelta(days=20), "redeemed", -2_000, "积分兑换优惠券"),
        PointsEntry("P3", customer_id, NOW - timedelta(days=31), "expired", -800, "年度积分到期清零"),
        PointsEntry("P4", customer_id, NOW - timedelta(days=64), "earned", 3_299, "订单确认收货"),
        PointsEntry("P5", customer_id, NOW - timedelta(days=400), "earned", 100, "注册赠送"),
    ]
    service = [
        ServiceRecord(
            "S1",
            customer_id,
            NOW - timedelta(days=5),
            "ticket",
            "投诉：安装师傅未按约定时间上门",
            "in_progress",
            "phone",
        ),
        ServiceRecord(
            "S2",
            customer_id,
            NOW - timedelta(days=40),
            "repair",
            "扫地机器人 X20 Pro 显示故障代码 E3，远程指导后仍未恢复",
            "resolved",
            "phone",
        ),
        ServiceRecord(
            "S3", customer_id, NOW - timedelta(days=95), "contact", "咨询积分兑换规则", "closed", "wechat"
        ),
    ]
    marketing = [
        MarketingTouch("M1", customer_id, NOW - timedelta(days=9), "双11狂欢节会员专享", "sms", "clicked"),
        MarketingTouch("M2", customer_id, NOW - timedelta(days=30), "滤芯更换提醒", "wechat", "purchased"),
        MarketingTouch("M3", customer_id, NOW - timedelta(days=60), "积分到期提醒", "app_push", "ignored"),
        MarketingTouch("M4", customer_id, NOW - timedelta(days=150), "618年中大促", "outbound_call", ""),
    ]
    return CustomerDetail(customer, order_list, points, service, marketing)


def sample_pop(detail: CustomerDetail | None = None) -> PopCard:
    detail = detail or sample_detail()
    last_order = max((o.placed_at for o in detail.orders if o.placed_at), default=None)
    last_contact = max((s.ts for s in detail.service if s.ts), default=None)
    return PopCard.from_customer(detail.customer, last_order, last_contact)


def family_cards() -> list[PopCard]:
    """Three customers sharing one home landline (the chooser's case)."""
    landline = "+862164381234"
    return [
        PopCard(
            "C00012345",
            "王秀英",
            "high_end",
            "金卡会员",
            12_580,
            0.78,
            ("最近一次投诉未解决",),
            ("高价值",),
            (landline, "+8613812345678"),
            NOW - timedelta(days=3),
            NOW - timedelta(days=5),
        ),
        PopCard(
            "C00012346",
            "李建国",
            "ordinary",
            "普通会员",
            860,
            0.2,
            (),
            (),
            (landline, "+8613987654321"),
            NOW - timedelta(days=120),
            NOW - timedelta(days=200),
        ),
        PopCard(
            "C00012347",
            "李晓雯",
            "important",
            "银卡会员",
            3_420,
            0.1,
            (),
            ("新客",),
            (landline,),
            NOW - timedelta(days=14),
            None,
        ),
    ]
