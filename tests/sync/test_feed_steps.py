"""The notification stream carries the changes themselves (`?changes=1`, central/notify_pages.py):
a desktop whose cache is current applies them with no pull; everyone else pulls. Real central
API on loopback, real cache files, the real push/pull/apply code; the hostile-server test feeds
raw bytes from a socket."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time

import httpx
from test_feed_notifications import Desktop, _online, _write_note, hostile_server, until

from desktop.cache.outbox import new_id
from desktop.services.api import CentralApi
from desktop.services.notifications import FeedChannel, FeedStep, SseParser


async def test_a_current_desktop_applies_the_streamed_changes_without_pulling(seeded_central, tmp_path):
    central = seeded_central
    customer = central.sample_customer()["id"]
    a = Desktop(central.url, central.token, tmp_path / "a.sqlite3", poll_s=600, steps=True)
    b = Desktop(central.url, central.token_for("1002"), tmp_path / "b.sqlite3", poll_s=600, steps=True)
    try:
        await _online(a, b)
        await asyncio.sleep(0.5)
        pulls_before = b.pulls
        for round_ in range(3):
            note_id = await _write_note(a, customer, f"from A #{round_}")
            took = await until(lambda n=note_id: b.has_note(n), 5, "the note on desktop B")
            assert took < 2.0, f"visible after {took:.2f} s"
        assert b.service.steps_applied >= 1
        assert b.pulls == pulls_before, "B pulled although the stream carried the changes"
        await until(
            lambda: b.store.last_seq() == b.service.last_seq, 5, "the service knows where the cache is"
        )
    finally:
        await a.close()
        await b.close()


async def test_a_replayed_gapped_or_foreign_step_is_not_applied_and_a_pull_follows(
    seeded_central_sqlite, tmp_path
):
    central = seeded_central_sqlite
    customer = central.sample_customer()["id"]
    b = Desktop(central.url, central.token_for("1002"), tmp_path / "b.sqlite3", poll_s=600, steps=True)
    try:
        await _online(b)
        at = b.store.last_seq()
        epoch = b.store.feed_epoch()
        forged = {
            "seq": at + 1,
            "entity": "note",
            "id": "N-FORGED",
            "op": "upsert",
            "version": 1,
            "data": {"id": "N-FORGED", "customer_id": customer, "text": "replayed"},
        }
        pulls = b.pulls
        # a replay of an old step (behind the cache), one from a gap ahead, and a foreign epoch
        b.service.feed_step(FeedStep(at - 2, at, [{**forged, "seq": at}], epoch))
        b.service.feed_step(FeedStep(at + 5, at + 6, [forged], epoch))
        b.service.feed_step(FeedStep(at, at + 1, [forged], "another-epoch"))
        await until(lambda: b.pulls > pulls, 5, "a pull instead")
        await until(lambda: b.service.state == "online", 5, "the pull done")
        assert not b.has_note("N-FORGED")
        assert b.service.steps_applied == 0
    finally:
        await b.close()


def _streamed_customer(central, username: str, customer_id: str, started: threading.Event) -> dict:
    """The customer record as the `changes` stream of `username` carries it (a blocking client
    in a thread: leaving an async httpx stream early leaves httpcore's generators to the GC)."""
    headers = {"Authorization": f"Bearer {central.token_for(username)}"}
    with (
        httpx.Client(base_url=central.url, timeout=20) as client,
        client.stream(
            "GET", "/api/v1/sync/notifications", params={"changes": "1"}, headers=headers
        ) as response,
    ):
        assert response.status_code == 200
        parser = SseParser()
        for chunk in response.iter_bytes():
            for event in parser.feed(chunk):
                started.set()
                if event.event != "changes":
                    continue
                for change in json.loads(event.data)["changes"]:
                    if change["entity"] == "customer" and change["id"] == customer_id:
                        return change["data"]
    raise AssertionError("the stream ended")


async def test_streamed_customers_are_minimised_for_an_agent_as_pulled_ones_are(seeded_central_sqlite):
    from calldesk_domain.phone import mask

    central = seeded_central_sqlite
    sample = central.sample_customer()
    with central.client() as client:
        detail = client.get(f"/api/v1/customers/{sample['id']}", headers=_bearer(central, "super")).json()
    record = {**detail["customer"], "email": "streamed@example.com"}
    agent_up, super_up = threading.Event(), threading.Event()
    agent = asyncio.ensure_future(
        asyncio.to_thread(_streamed_customer, central, "1001", sample["id"], agent_up)
    )
    staff = asyncio.ensure_future(
        asyncio.to_thread(_streamed_customer, central, "super", sample["id"], super_up)
    )
    await until(lambda: agent_up.is_set() and super_up.is_set(), 20, "both streams open")
    pushed = await asyncio.to_thread(central.push_upsert, "super", "customer", record, record["version"])
    assert pushed["status"] == "applied", pushed
    as_agent, as_staff = await asyncio.wait_for(asyncio.gather(agent, staff), 20)
    assert as_agent["email"] == as_staff["email"] == "streamed@example.com"
    assert sorted(p["e164"] for p in as_staff["phones"]) == sorted(sample["phones"])
    assert sorted(p["e164"] for p in as_agent["phones"]) == sorted(mask(n) for n in sample["phones"])
    assert all(p.get("key") for p in as_agent["phones"])


def _bearer(central, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {central.token_for(username)}"}


async def test_a_step_too_big_to_stream_is_only_announced_and_desktops_pull(seeded_central_sqlite, tmp_path):
    central = seeded_central_sqlite
    central.server._server.config.app.state.notify_pages.max_changes = 2
    customer = central.sample_customer()["id"]
    a = Desktop(central.url, central.token, tmp_path / "a.sqlite3", poll_s=600, steps=True)
    b = Desktop(central.url, central.token_for("1002"), tmp_path / "b.sqlite3", poll_s=600, steps=True)
    try:
        await _online(a, b)
        pulls = b.pulls
        ids = [new_id() for _ in range(5)]
        for note_id in ids:  # five changes in one push: more than the page may carry
            a.store.write_local("note", {"id": note_id, "customer_id": customer, "text": "bulk"})
        a.service.kick()
        await until(lambda: all(b.has_note(n) for n in ids), 10, "the notes on B")
        assert b.pulls > pulls
    finally:
        await a.close()
        await b.close()


HOSTILE_STEPS = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n"
    + b"event: changes\ndata: {not json\n\n"
    + b'event: changes\ndata: {"since": 10, "next_since": 9, "changes": []}\n\n'
    + b'event: changes\ndata: {"since": "10", "next_since": 12, "changes": []}\n\n'
    + b'event: changes\ndata: {"since": true, "next_since": 12, "changes": []}\n\n'
    + b"event: changes\ndata: [10, 12]\n\n"
    + b'event: changes\ndata: {"since": 10, "next_since": 12, "changes": "lots"}\n\n'
    + b'event: changes\ndata: {"since": 12, "next_since": 13, "epoch": "e", "changes": [{"seq": 13}]}\n\n'
)


async def test_hostile_changes_events_are_ignored_or_only_announce_a_head(caplog):
    caplog.set_level(logging.WARNING, logger="desktop.services.notifications")
    listener, done, requests = hostile_server(HOSTILE_STEPS, 333)
    api = CentralApi(f"http://127.0.0.1:{listener.getsockname()[1]}", token="t", max_retries=0)
    channel = FeedChannel(api, backoff_base_s=5)
    heads: list[int] = []
    steps: list[FeedStep] = []
    try:
        channel.start(heads.append, None, steps.append)
        await until(lambda: steps != [], 10, "the good step")
        assert b"changes=1" in requests[0].split(b"\r\n")[0]
        assert heads == [12]  # the page without a usable list of changes: only "pull to 12"
        assert steps == [FeedStep(12, 13, [{"seq": 13}], "e")]
    finally:
        done.set()
        await channel.stop()
        await api.aclose()
        listener.close()
    messages = " | ".join(r.getMessage() for r in caplog.records)
    assert "not JSON" in messages and "since/next_since" in messages and "not an object" in messages


def _read_until_closed(central, username: str, opened: threading.Event) -> float:
    """Seconds from the first event until the server ends the stream."""
    headers = _bearer(central, username)
    with (
        httpx.Client(base_url=central.url, timeout=30) as client,
        client.stream(
            "GET", "/api/v1/sync/notifications", params={"changes": "1"}, headers=headers
        ) as response,
    ):
        assert response.status_code == 200
        started = 0.0
        for _chunk in response.iter_bytes():
            if not started:
                started = time.monotonic()
                opened.set()
        return time.monotonic() - started


async def test_streams_end_when_the_sign_in_is_revoked_or_the_role_changes(seeded_central_sqlite):
    import dataclasses

    import sqlalchemy as sa

    from central.auth import revoke_user_sessions
    from central.tables import users

    central = seeded_central_sqlite
    app = central.server._server.config.app
    app.state.notify_settings = dataclasses.replace(app.state.notify_settings, recheck_s=0.3)
    opened = {name: threading.Event() for name in ("1001", "super", "1002")}
    streams = {
        name: asyncio.ensure_future(asyncio.to_thread(_read_until_closed, central, name, event))
        for name, event in opened.items()
    }
    await until(lambda: all(e.is_set() for e in opened.values()), 20, "three streams open")
    with central.engine.begin() as conn:
        user_id = conn.execute(sa.select(users.c.id).where(users.c.username == "1001")).scalar_one()
        revoke_user_sessions(conn, user_id)
        conn.execute(users.update().where(users.c.username == "super").values(role="agent"))
    revoked, demoted = await asyncio.wait_for(asyncio.gather(streams["1001"], streams["super"]), 10)
    assert revoked < 5 and demoted < 5
    await asyncio.sleep(1.0)  # three more checks: the untouched sign-in keeps its stream
    assert not streams["1002"].done()
    assert app.state.notify_guard.ended == 2
    app.state.notify.close()  # ends the last stream
    await asyncio.wait_for(streams["1002"], 10)
