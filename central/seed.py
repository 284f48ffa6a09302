"""Deterministic, realistic zh_CN demo data for the central database.

`seed_database(db_url, customers, seed)` migrates the database, creates the demo users and
writes `customers` customers with phones, orders, a points ledger, service records and
marketing touches, all through `central.writes.apply_changes` in ONE transaction (a failure
leaves the database as it was). Same seed and same starting state -> the same records.

Speed: Faker builds small pools once (names); every row is then drawn from `random.Random`
and bulk-inserted with executemany in batches.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from faker import Faker
from pypinyin import lazy_pinyin
from sqlalchemy.engine import Connection, Engine

from central import seed_data as vocab
from central.auth import ensure_demo_users
from central.db import make_engine
from central.migrate import upgrade
from central.tables import customers as customers_table
from central.tables import marketing_touches, orders, points_entries, service_records
from central.writes import apply_changes

log = logging.getLogger(__name__)

# Fixed "today" of the generated world so the same seed gives the same data on any day.
ANCHOR = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BATCH_CUSTOMERS = 2000

# The first customer of a fresh database carries the numbers used in docs and demos.
DEMO_MOBILE = "+8613800138000"
DEMO_LANDLINE = "+861012345678"

OPEN_SERVICE_STATUSES = ("open", "in_progress")
ENTITIES = ("customer", "order", "points", "service", "marketing")


class DatabaseNotEmptyError(RuntimeError):
    """Seeding a database that already has customers without append=True."""


@dataclass(frozen=True, slots=True)
class SeedSummary:
    customers: int
    phones: int
    orders: int
    points: int
    service: int
    marketing: int
    users_created: int
    first_customer_id: str | None
    last_customer_id: str | None
    seconds: float

    @property
    def customers_per_second(self) -> float:
        return self.customers / self.seconds if self.seconds > 0 else 0.0


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    total = sum(weight for _, weight in choices)
    pick = rng.random() * total
    for value, weight in choices:
        pick -= weight
        if pick < 0:
            return value
    return choices[-1][0]


class _Pools:
    """Things drawn per row, built once per run (the only Faker calls)."""

    def __init__(self, seed: int, size: int) -> None:
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        names = [fake.name() for _ in range(size)]
        pinyin_cache: dict[str, str] = {}

        def pinyin(name: str) -> str:
            return "".join(pinyin_cache.setdefault(ch, "".join(lazy_pinyin(ch))) for ch in name)

        self.names = names
        self.name_pinyin = [pinyin(name) for name in names]
        self.areas = vocab.AREA_CODES
        self.area_cum = list(itertools.accumulate(weight for _, _, weight in vocab.AREA_CODES))
        self.premium = [p for p in vocab.PRODUCTS if p[3]]
        self.everyday = [p for p in vocab.PRODUCTS if not p[3]]


class _Ids:
    def __init__(self, customer: int, order: int, points: int, service: int, marketing: int) -> None:
        self.customer = customer
        self.order = order
        self.points = points
        self.service = service
        self.marketing = marketing


class _Generator:
    """Builds one customer and their records as dicts in `to_dict()` shape (version 1)."""

    def __init__(self, rng: random.Random, pools: _Pools, ids: _Ids, fresh_db: bool) -> None:
        self.rng = rng
        self.pools = pools
        self.ids = ids
        self.fresh_db = fresh_db
        self.used_mobiles: set[str] = {DEMO_MOBILE}
        self.used_landlines: set[str] = {DEMO_LANDLINE}
        self.family_landlines: list[list[Any]] = []  # [e164, city, sharers]

    # phones -----------------------------------------------------------------------------------
    def _mobile(self) -> str:
        rng = self.rng
        while True:
            number = f"+86{rng.choice(vocab.MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"
            if number not in self.used_mobiles:
                self.used_mobiles.add(number)
                return number

    def _landline(self, area: str) -> str:
        rng = self.rng
        while True:
            number = f"+86{area}{rng.randint(2, 8)}{rng.randrange(10_000_000):07d}"
            if number not in self.used_landlines:
                self.used_landlines.add(number)
                return number

    def _phones(self, number: int, area: tuple[str, str, int]) -> tuple[list[dict[str, str]], str]:
        rng = self.rng
        city = area[1]
        if number == 1 and self.fresh_db:
            return [
                {"e164": DEMO_MOBILE, "kind": "mobile", "label": vocab.PHONE_LABELS["mobile"]},
                {"e164": DEMO_LANDLINE, "kind": "landline", "label": vocab.PHONE_LABELS["home"]},
            ], "北京"
        phones: list[dict[str, str]] = []
        if rng.random() < 0.97:
            phones.append({"e164": self._mobile(), "kind": "mobile", "label": vocab.PHONE_LABELS["mobile"]})
        if rng.random() < 0.15:
            phones.append({"e164": self._mobile(), "kind": "mobile", "label": vocab.PHONE_LABELS["mobile2"]})
        if rng.random() < 0.30 or not phones:
            open_families = [f for f in self.family_landlines[-20:] if f[2] < 3]
            if open_families and rng.random() < 0.12:
                family = open_families[-1]
                family[2] += 1
                e164, city = family[0], family[1]
                label = vocab.PHONE_LABELS["home"]
            else:
                e164 = self._landline(area[0])
                label = vocab.PHONE_LABELS["home" if rng.random() < 0.7 else "office"]
                if label == vocab.PHONE_LABELS["home"]:
                    self.family_landlines.append([e164, city, 1])
            phones.append({"e164": e164, "kind": "landline", "label": label})
        if rng.random() < 0.005:
            phones.append(
                {"e164": f"+86400{rng.randrange(10_000_000):07d}", "kind": "service", "label": "公司客服热线"}
            )
        return phones, city

    # records ----------------------------------------------------------------------------------
    def _order_count(self, tier: str) -> int:
        rng = self.rng
        if tier == "high_end":
            return rng.randint(9, 14) if rng.random() < 0.1 else rng.randint(3, 8)
        if tier == "important":
            return rng.randint(2, 8)
        if tier == "ordinary":
            return min(rng.randint(0, 3) + rng.randint(0, 2), 8)
        return rng.randint(0, 2)

    def _order(self, customer_id: str, tier: str, created: datetime) -> dict[str, Any]:
        rng = self.rng
        self.ids.order += 1
        span = max(int((ANCHOR - created).total_seconds()), 3600)
        placed = ANCHOR - timedelta(seconds=rng.randrange(span))
        premium_share = {"high_end": 0.6, "important": 0.35, "ordinary": 0.12, "small": 0.03}[tier]
        items: list[dict[str, Any]] = []
        for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
            sku, name, price, _premium = rng.choice(
                self.pools.premium if rng.random() < premium_share else self.pools.everyday
            )
            items.append(
                {"sku": sku, "name": name, "qty": 1 if rng.random() < 0.85 else 2, "price_fen": price}
            )
        gross = sum(item["qty"] * item["price_fen"] for item in items)
        amount = gross - (gross // 100 * rng.choice((0, 0, 5, 10)))  # occasional coupon discount
        age_days = (ANCHOR - placed).days
        if age_days < 1:
            status = rng.choice(("pending_payment", "paid"))
        elif age_days < 4:
            status = rng.choice(("paid", "shipped"))
        elif age_days < 10:
            status = rng.choice(("shipped", "completed", "completed"))
        else:
            status = _weighted(rng, (("completed", 90), ("cancelled", 5), ("refunded", 5)))
        carrier = rng.choice(vocab.CARRIERS)
        logistics = {
            "pending_payment": "",
            "paid": "待发货",
            "shipped": f"{carrier}：{rng.choice(('已揽收', '运输中', '派送中'))}",
            "completed": f"{carrier}：已签收",
            "cancelled": "",
            "refunded": f"{carrier}：退货已签收",
        }[status]
        return {
            "id": f"O{self.ids.order:08d}",
            "customer_id": customer_id,
            "order_no": f"{placed:%Y%m%d}{self.ids.order:010d}",
            "placed_at": _iso(placed),
            "status": status,
            "amount_fen": amount,
            "channel": rng.choice(vocab.ORDER_CHANNELS),
            "logistics_status": logistics,
            "items": items,
            "version": 1,
            "_placed": placed,
        }

    def _points(self, customer_id: str, created: datetime, order_list: list[dict[str, Any]]) -> list[dict]:
        rng = self.rng
        events: list[tuple[datetime, str, int, str]] = []
        if rng.random() < 0.8:
            events.append((created, "earned", 100, "注册赠送"))
        for order in order_list:
            if order["status"] == "completed":
                ts = min(order["_placed"] + timedelta(days=rng.randint(3, 15)), ANCHOR)
                events.append(
                    (ts, "earned", order["amount_fen"] // 100, f"订单 {order['order_no']} 确认收货")
                )
        events.sort(key=lambda e: e[0])
        balance = sum(points for _, _, points, _ in events)
        if balance >= 300 and rng.random() < 0.4:
            redeem = rng.randint(balance // 10, balance // 2) // 10 * 10
            if redeem:
                ts = ANCHOR - timedelta(days=rng.randint(1, 60), seconds=rng.randrange(86400))
                events.append((max(ts, events[-1][0]), "redeemed", -redeem, "积分兑换优惠券"))
                balance -= redeem
        if events and balance > 0 and (ANCHOR - events[0][0]).days > 365 and rng.random() < 0.3:
            expire = min(balance, events[0][2])
            ts = max(ANCHOR - timedelta(days=rng.randint(1, 30)), events[-1][0])
            events.append((ts, "expired", -expire, "年度积分到期清零"))
        out = []
        for ts, kind, points, note in events:
            self.ids.points += 1
            out.append(
                {
                    "id": f"P{self.ids.points:08d}",
                    "customer_id": customer_id,
                    "ts": _iso(ts),
                    "kind": kind,
                    "points": points,
                    "note": note,
                    "version": 1,
                }
            )
        return out

    def _service(self, customer_id: str, created: datetime, products: list[str]) -> list[dict[str, Any]]:
        rng = self.rng
        count = _weighted(rng, ((0, 55), (1, 25), (2, 12), (3, 5), (4, 3)))
        out = []
        for _ in range(count):
            kind, template, complaint = rng.choice(vocab.SERVICE_TEMPLATES)
            product = rng.choice(products) if products else rng.choice(vocab.PRODUCTS)[1]
            span = max(int((ANCHOR - created).total_seconds()), 3600)
            ts = ANCHOR - timedelta(seconds=rng.randrange(span))
            age = (ANCHOR - ts).days
            if age > 30:
                status = rng.choice(("resolved", "closed", "closed"))
            elif complaint:
                status = rng.choice(("open", "in_progress", "resolved"))
            else:
                status = rng.choice(("open", "in_progress", "resolved", "closed"))
            self.ids.service += 1
            out.append(
                {
                    "id": f"S{self.ids.service:08d}",
                    "customer_id": customer_id,
                    "ts": _iso(ts),
                    "kind": kind,
                    "summary": template.format(p=product),
                    "status": status,
                    "channel": rng.choice(vocab.SERVICE_CHANNELS),
                    "version": 1,
                }
            )
        return out

    def _marketing(self, customer_id: str, created: datetime) -> list[dict[str, Any]]:
        rng = self.rng
        out = []
        for _ in range(_weighted(rng, ((0, 25), (1, 30), (2, 20), (3, 12), (4, 8), (5, 5)))):
            span = max(int((ANCHOR - created).total_seconds()), 3600)
            self.ids.marketing += 1
            out.append(
                {
                    "id": f"M{self.ids.marketing:08d}",
                    "customer_id": customer_id,
                    "ts": _iso(ANCHOR - timedelta(seconds=rng.randrange(span))),
                    "campaign": rng.choice(vocab.CAMPAIGNS),
                    "channel": rng.choice(vocab.MARKETING_CHANNELS),
                    "response": _weighted(rng, vocab.MARKETING_RESPONSES),
                    "version": 1,
                }
            )
        return out

    def customer(self) -> dict[str, list[dict[str, Any]]]:
        rng = self.rng
        pools = self.pools
        self.ids.customer += 1
        number = self.ids.customer
        customer_id = f"C{number:07d}"
        name_index = rng.randrange(len(pools.names))
        area = pools.areas[bisect.bisect_right(pools.area_cum, rng.random() * pools.area_cum[-1])]
        tier = _weighted(rng, vocab.TIERS)
        created = ANCHOR - timedelta(days=rng.randint(3, 2500), seconds=rng.randrange(86400))
        phones, city = self._phones(number, area)

        order_list = [self._order(customer_id, tier, created) for _ in range(self._order_count(tier))]
        order_list.sort(key=lambda o: o["_placed"])
        points = self._points(customer_id, created, order_list)
        products = [item["name"] for order in order_list for item in order["items"]]
        service = self._service(customer_id, created, products)
        marketing = self._marketing(customer_id, created)

        completed = sum(o["amount_fen"] for o in order_list if o["status"] == "completed")
        lifetime_value = completed + (rng.randint(0, completed // 3) if completed else 0)
        level = vocab.MEMBERSHIP_LEVELS[0][1]
        for threshold, label in vocab.MEMBERSHIP_LEVELS:
            if lifetime_value >= threshold:
                level = label
        last_purchase = order_list[-1]["_placed"] if order_list else created
        risk, reasons = self._churn(last_purchase, order_list, service, points, marketing)
        tags = self._tags(tier, created, order_list, service, marketing, phones, last_purchase)
        activity = [created, last_purchase] + [datetime.fromisoformat(s["ts"]) for s in service]
        for order in order_list:
            del order["_placed"]
        email = None
        if rng.random() < 0.6:
            email = f"{pools.name_pinyin[name_index]}{rng.randint(1, 9999)}@{rng.choice(vocab.EMAIL_DOMAINS)}"
        member_id = None
        if rng.random() < 0.7:
            member_id = f"{rng.choice(('TM', 'JD', 'WX', 'GW'))}{number:09d}"
        customer = {
            "id": customer_id,
            "name": pools.names[name_index],
            "phones": phones,
            "email": email,
            "shop_member_id": member_id,
            "tier": tier,
            "membership_level": level,
            "points_balance": sum(p["points"] for p in points),
            "tags": tags,
            "lifetime_value_fen": lifetime_value,
            "churn_risk": risk,
            "churn_reasons": reasons,
            "city": city,
            "created_at": _iso(created),
            "updated_at": _iso(max(activity)),
            "version": 1,
        }
        return {
            "customer": [customer],
            "order": order_list,
            "points": points,
            "service": service,
            "marketing": marketing,
        }

    def _churn(self, last_purchase, order_list, service, points, marketing) -> tuple[float, list[str]]:
        rng = self.rng
        risk = rng.random() * 0.15
        reasons = []
        if (ANCHOR - last_purchase).days > 90:
            risk += 0.35
            reasons.append(vocab.CHURN_NO_RECENT_PURCHASE)
        complaints = [s for s in service if s["summary"].startswith("投诉")]
        if complaints and max(complaints, key=lambda s: s["ts"])["status"] in OPEN_SERVICE_STATUSES:
            risk += 0.35
            reasons.append(vocab.CHURN_OPEN_COMPLAINT)
        if any(o["status"] == "refunded" for o in order_list[-3:]):
            risk += 0.15
            reasons.append(vocab.CHURN_REFUND)
        if any(p["kind"] == "expired" for p in points):
            risk += 0.1
            reasons.append(vocab.CHURN_POINTS_EXPIRING)
        if len(marketing) >= 3 and all(m["response"] in ("ignored", "unsubscribed") for m in marketing):
            risk += 0.15
            reasons.append(vocab.CHURN_NO_RESPONSE)
        risk = round(min(risk, 0.98), 2)
        return risk, (reasons if risk >= 0.3 else [])

    def _tags(self, tier, created, order_list, service, marketing, phones, last_purchase) -> list[str]:
        tags = []
        if tier == "high_end":
            tags.append("高价值")
        if len(order_list) >= 3:
            tags.append("复购客户")
        if (ANCHOR - created).days < 90:
            tags.append("新客")
        if any(s["summary"].startswith("投诉") for s in service):
            tags.append("投诉敏感")
        if any(m["response"] == "purchased" for m in marketing):
            tags.append("营销响应")
        if any(p["kind"] == "service" for p in phones):
            tags.append("企业客户")
        if order_list and (ANCHOR - last_purchase).days > 180:
            tags.append("沉睡客户")
        if any(item["sku"] in ("WP-F3", "AP-FLT", "RV-KIT") for o in order_list for item in o["items"]):
            tags.append("耗材复购")
        return tags


def _batches(generator: _Generator, customers: int, batch: int) -> Iterator[dict[str, list[dict]]]:
    remaining = customers
    while remaining > 0:
        size = min(batch, remaining)
        remaining -= size
        chunk: dict[str, list[dict[str, Any]]] = {name: [] for name in ENTITIES}
        for _ in range(size):
            for name, records in generator.customer().items():
                chunk[name].extend(records)
        yield chunk


def _max_number(conn: Connection, table: sa.Table) -> int:
    value = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
    return int(value[1:]) if value else 0


def count_customers(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(customers_table)).scalar() or 0)


def seed_database(
    db_url: str, customers: int, seed: int = 1, *, append: bool = False, batch: int = BATCH_CUSTOMERS
) -> SeedSummary:
    """Migrate, create the demo users, and add `customers` generated customers.

    Raises DatabaseNotEmptyError if customers exist and `append` is False. With `append`, ids
    continue after the highest existing ones and the generator is seeded from (seed, offset),
    so appending is deterministic too.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    started = time.perf_counter()
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        existing = count_customers(engine)
        if existing and not append:
            raise DatabaseNotEmptyError(
                f"the database already has {existing} customers; seed a fresh database "
                "or pass --append to add more"
            )
        totals = dict.fromkeys(ENTITIES, 0)
        phones = 0
        first_id = last_id = None
        with engine.begin() as conn:
            users_created = ensure_demo_users(conn)
            ids = _Ids(
                _max_number(conn, customers_table),
                _max_number(conn, orders),
                _max_number(conn, points_entries),
                _max_number(conn, service_records),
                _max_number(conn, marketing_touches),
            )
            rng = random.Random(f"calldesk-seed:{seed}:{ids.customer}")
            pools = _Pools(seed, size=max(500, min(customers, 20_000)))
            generator = _Generator(rng, pools, ids, fresh_db=existing == 0)
            for chunk in _batches(generator, customers, batch):
                for name, records in chunk.items():
                    if records:
                        apply_changes(conn, name, records, fresh=True)
                    totals[name] += len(records)
                phones += sum(len(c["phones"]) for c in chunk["customer"])
                first_id = first_id or chunk["customer"][0]["id"]
                last_id = chunk["customer"][-1]["id"]
                log.debug("seeded %d customers", totals["customer"])
    finally:
        engine.dispose()
    summary = SeedSummary(
        customers=totals["customer"],
        phones=phones,
        orders=totals["order"],
        points=totals["points"],
        service=totals["service"],
        marketing=totals["marketing"],
        users_created=users_created,
        first_customer_id=first_id,
        last_customer_id=last_id,
        seconds=time.perf_counter() - started,
    )
    log.info("seeded %s", summary)
    return summary
