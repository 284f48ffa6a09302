"""Change-feed rows for cache tests, shaped exactly like docs/central-api.md (via the domain to_dict)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from calldesk_domain.models import Customer, MarketingTouch, Order, Phone, PointsEntry, ServiceRecord
from calldesk_domain.phone import is_mobile_cn


def customer(
    cid: str, name: str, phones: list[str], version: int = 1, tier: str = "ordinary", points: int = 0
) -> dict[str, Any]:
    return Customer(
        id=cid,
        name=name,
        phones=[Phone(e164=p, kind="mobile" if is_mobile_cn(p) else "landline") for p in phones],
        tier=tier,
        membership_level="gold",
        points_balance=points,
        tags=["vip"],
        churn_risk=0.7,
        churn_reasons=["no order in 180 days"],
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        version=version,
    ).to_dict()


def order(oid: str, cid: str, order_no: str, placed: datetime, version: int = 1) -> dict[str, Any]:
    return Order(
        id=oid,
        customer_id=cid,
        order_no=order_no,
        placed_at=placed,
        status="paid",
        amount_fen=12345,
        version=version,
    ).to_dict()


def points(pid: str, cid: str, ts: datetime) -> dict[str, Any]:
    return PointsEntry(id=pid, customer_id=cid, ts=ts, kind="earned", points=100).to_dict()


def service(sid: str, cid: str, ts: datetime) -> dict[str, Any]:
    return ServiceRecord(id=sid, customer_id=cid, ts=ts, kind="ticket", summary="屏幕故障").to_dict()


def marketing(mid: str, cid: str, ts: datetime) -> dict[str, Any]:
    return MarketingTouch(id=mid, customer_id=cid, ts=ts, campaign="双11", channel="sms").to_dict()


def upsert(seq: int, entity: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": entity,
        "id": data["id"],
        "op": "upsert",
        "version": data["version"],
        "data": data,
    }


def delete(seq: int, entity: str, record_id: str, version: int = 2) -> dict[str, Any]:
    return {"seq": seq, "entity": entity, "id": record_id, "op": "delete", "version": version, "data": None}


def ts(month: int, day: int = 1) -> datetime:
    return datetime(2026, month, day, 8, 0, tzinfo=UTC)


def sample_page() -> list[dict[str, Any]]:
    """张三 (mobile + shared landline), 李四 (same landline), 王小明 (mobile), plus detail rows."""
    return [
        upsert(1, "customer", customer("C001", "张三", ["+8613800138000", "+861012345678"], tier="high_end")),
        upsert(2, "customer", customer("C002", "李四", ["+861012345678"])),
        upsert(3, "customer", customer("C003", "王小明", ["+8613912345678"], points=880)),
        upsert(4, "order", order("O1", "C001", "SO20260101001", ts(1))),
        upsert(5, "order", order("O2", "C001", "SO20260301002", ts(3))),
        upsert(6, "order", order("O3", "C001", "SO20260201003", ts(2))),
        upsert(7, "points", points("P1", "C001", ts(1))),
        upsert(8, "points", points("P2", "C001", ts(4))),
        upsert(9, "service", service("S1", "C001", ts(2))),
        upsert(10, "service", service("S2", "C001", ts(5))),
        upsert(11, "marketing", marketing("M1", "C001", ts(6))),
        upsert(12, "order", order("O4", "C003", "SO20260401004", ts(4))),
    ]
