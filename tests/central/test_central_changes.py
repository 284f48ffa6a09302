"""The change feed: paging, ordering, resume, tombstones, compaction, versions."""

from __future__ import annotations

import sqlalchemy as sa

from calldesk_domain.models import ENTITY_TYPES


def fetch_all(client, since=0, limit=1000):
    pages = []
    while True:
        response = client.get("/api/v1/sync/changes", params={"since": since, "limit": limit})
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        since = page["next_since"]
        if not page["has_more"]:
            return pages, since


def record_counts(central) -> dict[str, int]:
    from central.tables import ENTITY_TABLES

    with central.engine.connect() as conn:
        return {
            entity: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for entity, table in ENTITY_TABLES.items()
        }


def test_fresh_client_gets_every_live_record_once_in_seq_order(seeded_central):
    with seeded_central.client() as client:
        pages, last = fetch_all(client, limit=700)
    changes = [c for page in pages for c in page["changes"]]
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert last == seqs[-1] == seeded_central.max_seq()
    keys = [(c["entity"], c["id"]) for c in changes]
    assert len(set(keys)) == len(keys)
    counts = record_counts(seeded_central)
    for entity, count in counts.items():
        assert sum(1 for c in changes if c["entity"] == entity) == count
    for change in changes[:: max(1, len(changes) // 200)]:
        assert change["op"] == "upsert" and change["version"] == change["data"]["version"] == 1
        record = ENTITY_TYPES[change["entity"]].from_dict(change["data"])
        assert record.to_dict() == change["data"]
        assert record.id == change["id"]


def test_paging_reports_remaining_and_has_more(seeded_central):
    total = sum(record_counts(seeded_central).values())
    with seeded_central.client() as client:
        first = client.get("/api/v1/sync/changes", params={"since": 0, "limit": 100}).json()
        second = client.get(
            "/api/v1/sync/changes", params={"since": first["next_since"], "limit": 100}
        ).json()
        end = client.get("/api/v1/sync/changes", params={"since": seeded_central.max_seq()}).json()
    assert len(first["changes"]) == 100
    assert first["remaining"] == total - 100 and first["has_more"] is True
    assert second["changes"][0]["seq"] > first["changes"][-1]["seq"]
    assert second["remaining"] == total - 200
    assert end == {
        **end,
        "changes": [],
        "has_more": False,
        "remaining": 0,
        "next_since": seeded_central.max_seq(),
    }
    assert end["server_time"].endswith("Z")


def test_default_limit_is_1000(seeded_central_sqlite):
    with seeded_central_sqlite.client() as client:
        page = client.get("/api/v1/sync/changes").json()
    assert len(page["changes"]) == 1000


def test_update_moves_record_to_the_end_with_higher_version(seeded_central):
    sample = seeded_central.sample_customer()
    with seeded_central.client() as client:
        staff = {"Authorization": f"Bearer {seeded_central.token_for('super')}"}  # full numbers:
        before = client.get(f"/api/v1/customers/{sample['id']}", headers=staff).json()["customer"]
        mark = seeded_central.max_seq()  # (written back below as the record to store)
        edited = {**before, "name": "改名测试", "tags": [*before["tags"], "VIP回访"]}
        assert seeded_central.write("customer", edited) == before["version"] + 1
        page = client.get("/api/v1/sync/changes", params={"since": mark}).json()
        after = client.get(f"/api/v1/customers/{sample['id']}", headers=staff).json()["customer"]
        full, _ = fetch_all(client)
    assert [c["id"] for c in page["changes"]] == [sample["id"]]
    change = page["changes"][0]
    # past every seq before the write (not mark + 1: on PostgreSQL a write's provisional seq is
    # replaced by a fresh one at commit, migration 0014, so seqs are increasing, not dense)
    assert change["seq"] > mark and change["op"] == "upsert"
    assert change["version"] == after["version"] == before["version"] + 1
    assert change["data"]["name"] == after["name"] == "改名测试"
    assert after["phones"] == before["phones"]
    # compaction: the older row for this customer is gone, the feed still has one row per record
    entries = [c for p in full for c in p["changes"] if (c["entity"], c["id"]) == ("customer", sample["id"])]
    assert len(entries) == 1 and entries[0]["seq"] == change["seq"]


def test_delete_leaves_tombstone_and_removes_record(seeded_central):
    sample = seeded_central.sample_customer()
    with seeded_central.client() as client:
        order = client.get(f"/api/v1/customers/{sample['id']}").json()["orders"][0]
        mark = seeded_central.max_seq()
        assert seeded_central.delete("order", order["id"]) == order["version"] + 1
        page = client.get("/api/v1/sync/changes", params={"since": mark}).json()
        detail = client.get(f"/api/v1/customers/{sample['id']}").json()
        by_order_no = client.get("/api/v1/customers/search", params={"q": order["order_no"]}).json()
    tombstone_seq = page["changes"][0]["seq"]
    assert tombstone_seq > mark
    assert page["changes"] == [
        {
            "seq": tombstone_seq,
            "entity": "order",
            "id": order["id"],
            "op": "delete",
            "version": order["version"] + 1,
            "data": None,
        }
    ]
    assert order["id"] not in [o["id"] for o in detail["orders"]]
    assert by_order_no["results"] == []
    assert seeded_central.delete("order", order["id"]) is None  # deleting again changes nothing
    assert seeded_central.max_seq() == tombstone_seq


def test_recreated_record_gets_a_version_above_its_tombstone(seeded_central_sqlite):
    central = seeded_central_sqlite
    with central.client() as client:
        detail = client.get("/api/v1/customers/C0000001").json()
    entry = detail["points"][0]
    tombstone_version = central.delete("points", entry["id"])
    assert central.write("points", entry) == tombstone_version + 1


def test_deleting_a_customer_tombstones_all_their_records(seeded_central):
    sample = seeded_central.sample_customer()
    with seeded_central.client() as client:
        detail = client.get(f"/api/v1/customers/{sample['id']}").json()
        mark = seeded_central.max_seq()
        seeded_central.delete("customer", sample["id"])
        page = client.get("/api/v1/sync/changes", params={"since": mark}).json()
        lookup = client.get("/api/v1/customers/lookup", params={"phone": sample["mobile"]}).json()
        missing = client.get(f"/api/v1/customers/{sample['id']}")
    expected = {("customer", sample["id"])}
    for key, entity in (
        ("orders", "order"),
        ("points", "points"),
        ("service", "service"),
        ("marketing", "marketing"),
    ):
        expected |= {(entity, r["id"]) for r in detail[key]}
    assert {(c["entity"], c["id"]) for c in page["changes"]} == expected
    assert all(c["op"] == "delete" and c["data"] is None for c in page["changes"])
    assert page["changes"][-1]["entity"] == "customer"  # children first: a client never sees orphans
    assert lookup["matches"] == []
    assert missing.status_code == 404
    assert seeded_central.customers_with_phone(sample["mobile"]) == []


def test_seq_is_never_reused_after_compaction(seeded_central):
    with seeded_central.client() as client:
        customer = client.get("/api/v1/customers/C0000001").json()["customer"]
    seen = []
    for n in range(3):
        seeded_central.write("customer", {**customer, "city": f"城市{n}"})
        seen.append(seeded_central.max_seq())
    # the newest row is replaced each time; a reused number would repeat here (increasing, not
    # dense: on PostgreSQL a provisional seq is replaced by a fresh one at commit)
    assert len(seen) == 3 and seen == sorted(set(seen))


def test_client_resuming_from_next_since_misses_nothing(seeded_central_sqlite):
    central = seeded_central_sqlite
    with central.client() as client:
        first = client.get("/api/v1/sync/changes", params={"since": 0, "limit": 50}).json()
        already_seen = first["changes"][0]
        # an edit of a record the client has already received, then resume from the stored cursor
        customer = client.get(f"/api/v1/customers/{already_seen['id']}").json()["customer"]
        central.write("customer", {**customer, "membership_level": "钻石会员"})
        rest, _ = fetch_all(client, since=first["next_since"], limit=2000)
    resumed = [c for page in rest for c in page["changes"]]
    again = [c for c in resumed if c["id"] == already_seen["id"]]
    assert len(again) == 1 and again[0]["data"]["membership_level"] == "钻石会员"


def test_bad_feed_parameters(seeded_central):
    from test_central_api import assert_error

    with seeded_central.client() as client:
        for params, field in (
            ({"since": -1}, "since"),
            ({"since": "x"}, "since"),
            ({"limit": 0}, "limit"),
            ({"limit": 5001}, "limit"),
        ):
            assert_error(client.get("/api/v1/sync/changes", params=params), 422, "validation_error", field)
        assert client.get("/api/v1/sync/changes", params={"limit": 5000}).status_code == 200


def test_write_path_rejects_unknown_entity_and_bad_reference(seeded_central_sqlite):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from central.writes import UnknownEntityError, write_records

    with pytest.raises(UnknownEntityError), seeded_central_sqlite.engine.begin() as conn:
        write_records(conn, "no_such_entity", [{"id": "T1"}])
    before = seeded_central_sqlite.max_seq()
    orphan = {
        "id": "O99999999",
        "customer_id": "C9999999",
        "order_no": "X1",
        "placed_at": None,
        "status": "paid",
        "amount_fen": 1,
    }
    with pytest.raises(IntegrityError), seeded_central_sqlite.engine.begin() as conn:
        write_records(conn, "order", [orphan])
    assert seeded_central_sqlite.max_seq() == before  # the failed write left no change row


def test_concurrent_writers_never_reuse_a_version(seeded_central):
    """Two writers bumping the same record: every write gets its own version (no lost update)."""
    import threading

    with seeded_central.client() as client:
        customer = client.get("/api/v1/customers/C0000003").json()["customer"]
    versions: list[int] = []
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            for n in range(15):
                versions.append(seeded_central.write("customer", {**customer, "city": f"{tag}{n}"}))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    start = customer["version"]
    assert sorted(versions) == list(range(start + 1, start + 31))
    with seeded_central.client() as client:
        final = client.get("/api/v1/customers/C0000003").json()["customer"]
        feed = client.get("/api/v1/sync/changes", params={"since": seeded_central.max_seq() - 1}).json()
    assert final["version"] == start + 30
    assert feed["changes"][-1]["id"] == "C0000003" and feed["changes"][-1]["version"] == start + 30


def test_remaining_is_an_estimate_that_never_undercounts_and_has_more_stays_exact(seeded_central):
    """`remaining` = max(seq) - next_since (O(1)); a gap in the seqs (a compacted or rolled-back
    change) makes it too high, never too low, and the last page still says 0 / has_more false."""
    head = seeded_central.max_seq()
    with seeded_central.engine.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM change_log WHERE seq > :low AND seq <= :high"),
            {"low": head - 30, "high": head - 10},
        )
    with seeded_central.client() as client:
        page = client.get("/api/v1/sync/changes", params={"since": head - 40, "limit": 5}).json()
        assert page["has_more"] is True and page["remaining"] == head - page["next_since"]
        actual = len(
            client.get("/api/v1/sync/changes", params={"since": page["next_since"]}).json()["changes"]
        )
        assert page["remaining"] >= actual == 5 + 10
        last = client.get("/api/v1/sync/changes", params={"since": head - 40, "limit": 20}).json()
    assert last["has_more"] is False and last["remaining"] == 0 and last["next_since"] == head
