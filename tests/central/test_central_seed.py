"""The demo data generator: deterministic, realistic, safe on a non-empty database."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from calldesk_domain.models import ENTITY_TYPES, parse_ts
from calldesk_domain.phone import normalize
from central import seed_data as vocab
from central.db import make_engine
from central.seed import ANCHOR, DEMO_LANDLINE, DatabaseNotEmptyError, seed_database

CJK = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def feed_rows(db_url: str) -> list[tuple]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT entity, entity_id, op, version, data FROM change_log ORDER BY seq")
            ).all()
    finally:
        engine.dispose()
    return [(e, i, op, v, d if isinstance(d, dict) else json.loads(d)) for e, i, op, v, d in rows]


def test_same_seed_gives_same_data_on_every_backend(central_db_url, tmp_path):
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    first = seed_database(central_db_url, 150, seed=3)
    second = seed_database(reference, 150, seed=3)
    assert first.customers == second.customers == 150
    assert (first.orders, first.points, first.phones) == (second.orders, second.points, second.phones)
    assert feed_rows(central_db_url) == feed_rows(reference)


def test_different_seed_gives_different_data(tmp_path):
    a, b = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db"))
    seed_database(a, 50, seed=1)
    seed_database(b, 50, seed=2)
    names_a = [row[4]["name"] for row in feed_rows(a) if row[0] == "customer"]
    names_b = [row[4]["name"] for row in feed_rows(b) if row[0] == "customer"]
    assert names_a != names_b


def test_reseeding_a_non_empty_database_refuses_and_changes_nothing(central_sqlite_url):
    seed_database(central_sqlite_url, 20, seed=5)
    before = feed_rows(central_sqlite_url)
    with pytest.raises(DatabaseNotEmptyError, match=r"already has 20 customers.*--append"):
        seed_database(central_sqlite_url, 20, seed=5)
    assert feed_rows(central_sqlite_url) == before


def test_append_continues_ids_and_is_deterministic(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in (1, 2)]
    for url in urls:
        seed_database(url, 30, seed=9)
        summary = seed_database(url, 20, seed=9, append=True)
        assert (summary.first_customer_id, summary.last_customer_id) == ("C0000031", "C0000050")
        assert summary.users_created == 0
    rows = feed_rows(urls[0])
    assert rows == feed_rows(urls[1])
    ids = [row[1] for row in rows if row[0] == "customer"]
    assert ids == [f"C{n:07d}" for n in range(1, 51)]
    order_nos = [row[4]["order_no"] for row in rows if row[0] == "order"]
    assert len(order_nos) == len(set(order_nos))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    """1,500 customers and all their records, read back as wire dicts."""
    url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'world.db'}"
    summary = seed_database(url, 1500, seed=11)
    records: dict[str, list[dict]] = defaultdict(list)
    for entity, _id, _op, _version, data in feed_rows(url):
        records[entity].append(data)
    engine = make_engine(url)
    with engine.connect() as conn:
        users = conn.execute(sa.text("SELECT username, password_hash, role FROM users")).all()
    engine.dispose()
    return {"summary": summary, "users": users, **records}


def test_summary_counts_match_the_records(world):
    summary = world["summary"]
    assert summary.customers == len(world["customer"]) == 1500
    assert summary.orders == len(world["order"])
    assert summary.points == len(world["points"])
    assert summary.service == len(world["service"])
    assert summary.marketing == len(world["marketing"])
    assert summary.phones == sum(len(c["phones"]) for c in world["customer"])


def test_records_have_exactly_the_domain_shape(world):
    for entity, cls in ENTITY_TYPES.items():
        for record in world[entity]:
            assert cls.from_dict(record).to_dict() == record


def test_demo_users_exist_with_argon2_hashes(world):
    users = {u.username: u for u in world["users"]}
    assert set(users) == {"1001", "1002", "super", "admin"}
    assert all(u.password_hash.startswith("$argon2id$") for u in users.values())
    assert users["super"].role == "supervisor" and users["admin"].role == "admin"


def test_phone_numbers_are_realistic(world):
    area_codes = {code for code, _, _ in vocab.AREA_CODES}
    owners: dict[str, set[str]] = defaultdict(set)
    for customer in world["customer"]:
        assert customer["phones"], customer["id"]
        for phone in customer["phones"]:
            e164 = phone["e164"]
            assert normalize(e164) == e164
            owners[e164].add(customer["id"])
            if phone["kind"] == "mobile":
                assert re.fullmatch(r"\+861[3-9]\d{9}", e164)
            elif phone["kind"] == "landline":
                national = e164[3:]
                code = national[:2] if national[:2] in area_codes else national[:3]
                assert code in area_codes, e164
                if e164 == DEMO_LANDLINE:  # 010-12345678: the documented demo number
                    continue
                assert len(national) - len(code) == 8 and national[len(code)] in "2345678"
            else:
                assert phone["kind"] == "service" and e164.startswith("+86400")
    multi = sum(1 for c in world["customer"] if len(c["phones"]) >= 2)
    assert multi / len(world["customer"]) > 0.2
    shared = {n: ids for n, ids in owners.items() if len(ids) > 1}
    assert len(shared) >= 3
    assert all(n.startswith("+86") and not re.match(r"\+861[3-9]", n) for n in shared)  # landlines only
    assert max(len(ids) for ids in shared.values()) <= 3


def test_customers_look_real(world):
    customers = world["customer"]
    tiers = Counter(c["tier"] for c in customers)
    assert set(tiers) == {"high_end", "important", "ordinary", "small"}
    assert tiers["ordinary"] > tiers["small"] > tiers["important"] > tiers["high_end"] > 0
    assert sum(1 for c in customers if CJK.match(c["name"])) / len(customers) > 0.99
    emails = [c["email"] for c in customers if c["email"]]
    assert 0.4 < len(emails) / len(customers) < 0.8
    assert all(re.fullmatch(r"[a-z]+\d+@[a-z0-9.]+\.[a-z]+", e) for e in emails)
    assert {c["city"] for c in customers} <= {city for _, city, _ in vocab.AREA_CODES}
    assert {c["membership_level"] for c in customers} <= {level for _, level in vocab.MEMBERSHIP_LEVELS}
    assert any(c["tags"] for c in customers)


def test_points_balance_equals_ledger_and_never_goes_negative(world):
    ledger: dict[str, list[dict]] = defaultdict(list)
    for entry in world["points"]:
        ledger[entry["customer_id"]].append(entry)
        assert (entry["points"] > 0) == (entry["kind"] == "earned")
    assert {e["kind"] for e in world["points"]} == {"earned", "redeemed", "expired"}
    for customer in world["customer"]:
        entries = sorted(ledger[customer["id"]], key=lambda e: e["ts"])
        assert customer["points_balance"] == sum(e["points"] for e in entries)
        running = 0
        for entry in entries:
            running += entry["points"]
            assert running >= 0, customer["id"]


def test_orders_are_consistent(world):
    per_customer = Counter(o["customer_id"] for o in world["order"])
    counts = [per_customer.get(c["id"], 0) for c in world["customer"]]
    assert sum(1 for n in counts if n <= 8) / len(counts) > 0.95
    assert counts.count(0) > 0 and max(counts) >= 8
    assert len({o["order_no"] for o in world["order"]}) == len(world["order"])
    for order in world["order"]:
        gross = sum(i["qty"] * i["price_fen"] for i in order["items"])
        assert 0.89 * gross <= order["amount_fen"] <= gross
        assert parse_ts(order["placed_at"]) <= ANCHOR
        if order["status"] == "completed":
            assert order["logistics_status"].endswith("已签收")
    completed = Counter()
    for order in world["order"]:
        if order["status"] == "completed":
            completed[order["customer_id"]] += order["amount_fen"]
    for customer in world["customer"]:
        spent = completed[customer["id"]]
        assert spent <= customer["lifetime_value_fen"] <= spent * 4 // 3 + 1


def test_churn_risk_and_reasons(world):
    last_order: dict[str, str] = {}
    for order in world["order"]:
        last_order[order["customer_id"]] = max(last_order.get(order["customer_id"], ""), order["placed_at"])
    risky = [c for c in world["customer"] if c["churn_risk"] >= 0.6]
    assert len(risky) > 10
    for customer in world["customer"]:
        assert 0.0 <= customer["churn_risk"] <= 1.0
        assert bool(customer["churn_reasons"]) == (customer["churn_risk"] >= 0.3)
        for reason in customer["churn_reasons"]:
            assert re.search(r"[\u4e00-\u9fff]", reason)
        if vocab.CHURN_NO_RECENT_PURCHASE in customer["churn_reasons"] and customer["id"] in last_order:
            assert parse_ts(last_order[customer["id"]]) < ANCHOR - timedelta(days=90)
    reasons = Counter(r for c in world["customer"] for r in c["churn_reasons"])
    assert reasons[vocab.CHURN_NO_RECENT_PURCHASE] > 0 and reasons[vocab.CHURN_OPEN_COMPLAINT] > 0


def test_service_and_marketing_records(world):
    assert {s["kind"] for s in world["service"]} == {"contact", "ticket", "repair"}
    assert {s["status"] for s in world["service"]} >= {"open", "in_progress", "resolved", "closed"}
    assert all(re.search(r"[\u4e00-\u9fff]", s["summary"]) for s in world["service"])
    assert {m["channel"] for m in world["marketing"]} == set(vocab.MARKETING_CHANNELS)
    assert {m["campaign"] for m in world["marketing"]} <= set(vocab.CAMPAIGNS)


def test_negative_customer_count_is_rejected(tmp_path: Path):
    with pytest.raises(ValueError):
        seed_database(f"sqlite:///{tmp_path / 'x.db'}", -1)
