"""The bootstrap endpoints (docs/central-api.md "Bootstrap") against the real API on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa


def _get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_head_is_the_newest_seq_with_counts_per_entity(seeded_central_sqlite) -> None:
    central = seeded_central_sqlite
    with central.client() as client:
        head = _get(client, "/api/v1/sync/bootstrap/head", entities="customer,ticket")
    assert head["seq"] == central.max_seq()
    with sa.create_engine(central.db_url).connect() as conn:
        customers = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()
    assert head["counts"] == {"customer": customers, "ticket": 0}


def test_entity_pages_cover_exactly_that_entity_in_seq_order(seeded_central_sqlite) -> None:
    central = seeded_central_sqlite
    seen: list[dict] = []
    since, pages = 0, 0
    with central.client() as client:
        while True:
            page = _get(client, "/api/v1/sync/bootstrap/changes", entity="customer", since=since, limit=77)
            assert "remaining" not in page  # counted once by /head, never per page
            seen.extend(page["changes"])
            pages += 1
            assert page["next_since"] >= since
            since = page["next_since"]
            if not page["has_more"]:
                break
            assert len(page["changes"]) == 77
    assert {c["entity"] for c in seen} == {"customer"}
    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert len(seen) == 300 and pages == 300 // 77 + 1
    assert since == max(seqs)


def test_a_customer_changed_after_its_page_comes_again_at_a_higher_seq(seeded_central_sqlite) -> None:
    central = seeded_central_sqlite
    with central.client() as client:
        first = _get(client, "/api/v1/sync/bootstrap/changes", entity="customer", since=0, limit=5)
        changed = first["changes"][0]["data"]
        central.write("customer", {**changed, "name": "后改名"})
        rest = _get(
            client, "/api/v1/sync/bootstrap/changes", entity="customer", since=first["next_since"], limit=5000
        )
    again = [c for c in rest["changes"] if c["id"] == changed["id"]]
    assert len(again) == 1 and again[0]["data"]["name"] == "后改名" and again[0]["seq"] > first["next_since"]


def test_window_pages_hold_only_records_dated_inside_it(seeded_central_sqlite) -> None:
    central = seeded_central_sqlite
    start = "2026-09-01T00:00:00Z"
    cutoff = datetime(2026, 9, 1, tzinfo=UTC)
    with central.client() as client:
        counts = _get(client, "/api/v1/sync/bootstrap/window/counts", **{"from": start})["counts"]
        for entity, time_field in (
            ("order", "placed_at"),
            ("points", "ts"),
            ("service", "ts"),
            ("marketing", "ts"),
        ):
            ids, after = [], ""
            while True:
                page = _get(
                    client,
                    "/api/v1/sync/bootstrap/window",
                    entity=entity,
                    after=after,
                    limit=50,
                    **{"from": start},
                )
                for change in page["changes"]:
                    assert change["entity"] == entity and change["op"] == "upsert"
                    assert change["data"]["id"] == change["id"]
                    assert datetime.fromisoformat(change["data"][time_field].replace("Z", "+00:00")) >= cutoff
                    ids.append(change["id"])
                after = page["next_after"]
                if not page["has_more"]:
                    break
            assert ids == sorted(ids) and len(ids) == counts[entity]
            table = {"order": "orders", "points": "points_entries", "service": "service_records"}.get(
                entity, "marketing_touches"
            )
            column = "placed_at" if entity == "order" else "ts"
            with sa.create_engine(central.db_url).connect() as conn:
                everything = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                inside = conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE {column} >= '2026-09-01'")
                ).scalar_one()
            assert len(ids) == inside < everything


def test_no_window_means_every_record(seeded_central_sqlite) -> None:
    central = seeded_central_sqlite
    with central.client() as client:
        counts = _get(client, "/api/v1/sync/bootstrap/window/counts")["counts"]
        page = _get(client, "/api/v1/sync/bootstrap/window", entity="order", limit=10000)
    assert len(page["changes"]) == counts["order"]
    with sa.create_engine(central.db_url).connect() as conn:
        assert counts["order"] == conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
    assert page["has_more"] is False


def test_pages_put_one_change_per_line_and_stay_one_json_document(seeded_central_sqlite) -> None:
    with seeded_central_sqlite.client() as client:
        body = client.get("/api/v1/sync/bootstrap/changes", params={"entity": "customer", "limit": 3}).content
    lines = body.split(b"\n")
    assert lines[0] == b'{"changes":[' and lines[-1].startswith(b"],") and len(lines) == 5
    assert [json.loads(line.rstrip(b","))["entity"] for line in lines[1:4]] == ["customer"] * 3
    assert len(json.loads(body)["changes"]) == 3


def test_bad_parameters_are_clear_422s(seeded_central_sqlite) -> None:
    with seeded_central_sqlite.client() as client:
        cases = [
            ("/api/v1/sync/bootstrap/window", {"entity": "customer"}, "entity"),
            ("/api/v1/sync/bootstrap/window", {"entity": "order", "from": "yesterday"}, "from"),
            ("/api/v1/sync/bootstrap/changes", {"entity": "Robert'); DROP"}, "entity"),
            ("/api/v1/sync/bootstrap/changes", {"entity": "customer", "limit": 10001}, "limit"),
        ]
        for path, params, field in cases:
            response = client.get(path, params=params)
            assert response.status_code == 422, (path, params)
            assert response.json()["error"]["field"] == field
    assert httpx.get(f"{seeded_central_sqlite.url}/api/v1/sync/bootstrap/head").status_code == 401
