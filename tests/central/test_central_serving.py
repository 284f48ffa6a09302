"""Production serving: /live and /ready, the structured access log, `serve --workers`."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from central_serve import free_port, start_serve, stop_group, wait_ready


def test_live_and_ready_answer_with_the_worker_and_notification_state(seeded_central_sqlite):
    live = httpx.get(f"{seeded_central_sqlite.url}/live", timeout=5)
    assert live.status_code == 200 and live.json()["pid"] == os.getpid()
    ready = httpx.get(f"{seeded_central_sqlite.url}/ready", timeout=5)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["db"] == "sqlite"
    assert body["notifications"]["source_connected"] is True


def test_ready_is_503_while_the_database_is_unreachable(tmp_path: Path):
    from central.server import start_in_thread

    db = tmp_path / "central.db"
    with start_in_thread(f"sqlite:///{db}") as server:
        assert httpx.get(f"{server.url}/ready", timeout=5).status_code == 200
        # The database file's folder turns unreadable: connections fail, the process lives on.
        moved = tmp_path / "moved"
        engine = server._server.config.app.state.central.engine
        engine.dispose()
        db.rename(moved)
        (tmp_path / "central.db").mkdir()  # a directory where the file was: SQLite cannot open it
        try:
            response = httpx.get(f"{server.url}/ready", timeout=5)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "db_unavailable"
            assert httpx.get(f"{server.url}/live", timeout=5).status_code == 200
        finally:
            (tmp_path / "central.db").rmdir()
            moved.rename(db)
        engine.dispose()
        assert httpx.get(f"{server.url}/ready", timeout=5).status_code == 200  # recovered, no restart


def test_access_log_has_request_id_duration_and_no_query_string(seeded_central_sqlite, caplog):
    caplog.set_level(logging.INFO, logger="central.access")
    rid = "req-" + uuid.uuid4().hex[:12]
    with seeded_central_sqlite.client() as client:
        response = client.get(
            "/api/v1/customers/lookup", params={"phone": "13800138000"}, headers={"X-Request-Id": rid}
        )
        own = client.get("/api/v1/auth/whoami", headers={"X-Request-Id": "bad id with spaces"})
    assert response.headers["x-request-id"] == rid
    assert own.headers["x-request-id"] != "bad id with spaces" and len(own.headers["x-request-id"]) == 32
    deadline = time.monotonic() + 5
    lines: list[dict] = []
    while time.monotonic() < deadline:
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "central.access"]
        if any(line["request_id"] == rid for line in lines):
            break
        time.sleep(0.05)
    line = next(line for line in lines if line["request_id"] == rid)
    assert line["path"] == "/api/v1/customers/lookup" and line["status"] == 200
    assert line["method"] == "GET" and line["duration_ms"] >= 0 and line["bytes"] > 0
    # The test's own httpx client logs its URL (query included) when another test in the worker
    # has set the root logger to INFO; only what the server writes must be free of the number.
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert not any("13800138000" in r.getMessage() for r in server_records)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
def test_serve_two_workers_finishes_a_push_in_flight_and_ends_streams_on_sigterm(
    seeded_central_sqlite, tmp_path: Path
):
    seeded_central_sqlite.server.stop()  # the file is served by the subprocess below instead
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "serve.log"
    log_file = log_path.open("wb")
    proc = start_serve(seeded_central_sqlite.db_url, port, log_file, env=env)
    try:
        wait_ready(base, proc)
        pids = {httpx.get(f"{base}/live", timeout=5).json()["pid"] for _ in range(40)}
        headers = seeded_central_sqlite.headers
        stream_open = threading.Event()
        stream_end: list[float] = []

        def hold_stream() -> None:
            with httpx.stream("GET", f"{base}/api/v1/sync/notifications", headers=headers, timeout=30) as r:
                for _ in r.iter_lines():
                    stream_open.set()
                stream_end.append(time.monotonic())

        holder = threading.Thread(target=hold_stream, daemon=True)
        holder.start()
        assert stream_open.wait(10)
        mutations = [
            {
                "client_id": f"c-{i}",
                "entity": "note",
                "id": f"N-sigterm-{i}",
                "op": "upsert",
                "data": {
                    "id": f"N-sigterm-{i}",
                    "customer_id": "C0000001",
                    "text": f"note {i}",
                    "created_at": "2026-12-02T10:00:00Z",
                },
            }
            for i in range(300)
        ]
        result: list[httpx.Response] = []
        pusher = threading.Thread(
            target=lambda: result.append(
                httpx.post(
                    f"{base}/api/v1/sync/push",
                    json={"mutations": mutations},
                    headers={**headers, "Idempotency-Key": "sigterm-1"},
                    timeout=60,
                )
            )
        )
        pusher.start()
        time.sleep(0.3)  # the push is being applied
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        pusher.join(60)
        holder.join(20)
        assert proc.wait(30) == 0
        assert result and result[0].status_code == 200, result
        assert [r["status"] for r in result[0].json()["results"]] == ["applied"] * 300
        assert stream_end and stream_end[0] - stopped_at < 10  # the stream did not hold the exit up
    finally:
        if proc.poll() is None:
            stop_group(proc)
        log_file.close()
        output = log_path.read_text(errors="replace")
    assert len(pids) == 2, output[-3000:]
    assert "central.access" in output


async def test_a_subscriber_that_never_reads_is_dropped_and_counted_others_are_not():
    from central.notify import NotificationHub

    hub = NotificationHub(queue_size=4, min_interval_s=0)
    hub.bind(asyncio.get_running_loop())
    stuck, reading = hub.subscribe(), hub.subscribe()
    for seq in range(1, 20):
        hub.publish(seq)
        reading.take()
    assert stuck.ended and stuck.reason == "slow"
    assert not reading.ended
    assert hub.dropped == 1 and hub.stats()["dropped"] == 1
    hub.publish(5)  # an older head is never sent again
    assert not reading.notices


async def test_notifications_within_the_interval_are_merged_into_the_newest_head():
    from central.notify import NotificationHub

    hub = NotificationHub(min_interval_s=0.2)
    hub.bind(asyncio.get_running_loop())
    sub = hub.subscribe()
    for seq in (10, 11, 12, 13):
        hub.publish(seq)
    assert [n.seq for n in sub.take()] == [10]
    await asyncio.sleep(0.35)
    assert [n.seq for n in sub.take()] == [13]
    assert hub.published == 2


def test_the_notification_stream_wants_a_token(seeded_central_sqlite):
    response = httpx.get(f"{seeded_central_sqlite.url}/api/v1/sync/notifications", timeout=5)
    assert response.status_code == 401
    from central.auth import Principal

    expired = seeded_central_sqlite.mint_token(Principal(1, "1001", "agent", "1001", "x", 0), -5)
    response = httpx.get(
        f"{seeded_central_sqlite.url}/api/v1/sync/notifications",
        headers={"Authorization": f"Bearer {expired}"},
        timeout=5,
    )
    assert response.status_code == 401


def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def _ready(url: str) -> int:
    try:
        return httpx.get(f"{url}/ready", timeout=10).status_code
    except httpx.TransportError:
        return 0


def test_postgresql_going_away_makes_the_api_not_ready_and_it_recovers_without_a_restart():
    """PostgreSQL behind a TCP proxy: every connection cut and new ones refused (as in a restart),
    then let through again. /ready says 503 meanwhile; the pool and the LISTEN connection come
    back by themselves and a new change is notified again."""
    import sqlalchemy as sa
    from fixtures_central import _fresh_pg_schema
    from sqlalchemy.engine import make_url
    from tcp_proxy import TcpProxy

    from central.db import make_engine
    from central.migrate import upgrade
    from central.server import start_in_thread

    schema = _fresh_pg_schema()
    db_url = next(schema)  # skips without CALLDESK_TEST_PG_URL
    direct = make_url(db_url)
    proxy = TcpProxy(direct.port or 5432)
    via = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = make_engine(db_url)
    try:
        upgrade(db_url)
        with start_in_thread(via, migrate=False, escalation_interval_s=0) as server:
            hub = server._server.config.app.state.notify
            _until(lambda: hub.source_connected, 15, "the LISTEN connection")
            assert _ready(server.url) == 200
            proxy.refuse_all = True
            proxy.cut()
            _until(lambda: _ready(server.url) == 503, 15, "not ready while PostgreSQL is away")
            _until(lambda: not hub.source_connected, 15, "the listener noticed")
            assert httpx.get(f"{server.url}/live", timeout=5).status_code == 200
            proxy.refuse_all = False
            _until(lambda: _ready(server.url) == 200, 20, "ready again")
            _until(lambda: hub.source_connected, 30, "the listener is back")
            before = hub.head
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO change_log (entity, entity_id, op, version, data, changed_at) "
                        "VALUES ('order', 'O-after-restart', 'upsert', 1, '{}', now())"
                    )
                )
            _until(lambda: hub.head > before, 5, "the new change notified")
    finally:
        proxy.close()
        engine.dispose()
        schema.close()


def _worker_serving(workers: list, port: int):
    """The worker process holding an established connection on `port`, if any."""
    for worker in workers:
        for conn in worker.net_connections(kind="tcp"):
            if conn.status == "ESTABLISHED" and conn.laddr and conn.laddr.port == port:
                return worker
    return None


@pytest.mark.skipif(sys.platform == "win32", reason="finds the worker processes by POSIX process groups")
async def test_an_api_worker_killed_mid_push_loses_and_doubles_nothing(seeded_central_sqlite, tmp_path: Path):
    """`serve --workers 2`; a desktop pushes 600 notes in batches while the worker its kept
    connection is on is killed (SIGKILL) under it. The desktop retries with the same
    Idempotency-Key (the other worker, or the one uvicorn starts again, answers): every note is
    on the server exactly once."""
    import psutil
    import sqlalchemy as sa

    from desktop.cache.store import CacheStore
    from desktop.services.api import CentralApi
    from desktop.services.push import PushSync

    central = seeded_central_sqlite
    central.server.stop()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = (tmp_path / "serve.log").open("wb")
    proc = start_serve(central.db_url, port, log_file)
    api = CentralApi(base, token=central.token, max_retries=8, backoff_base=0.2, timeout=30)
    store = CacheStore(tmp_path / "cache.sqlite3")
    customer = central.sample_customer()["id"]
    try:
        await asyncio.to_thread(wait_ready, base, proc)
        ids = [f"N-kill-{i:03d}" for i in range(600)]
        for note_id in ids:
            store.write_local("note", {"id": note_id, "customer_id": customer, "text": f"kill {note_id}"})
        workers = [
            p for p in psutil.Process(proc.pid).children() if "resource_tracker" not in " ".join(p.cmdline())
        ]
        assert len(workers) == 2
        push = asyncio.ensure_future(PushSync(api, store.path, batch_size=10).run())
        # the desktop keeps one connection: kill the worker it is on
        serving = None
        for _ in range(500):
            serving = _worker_serving(workers, port)
            if serving is not None or push.done():
                break
            await asyncio.sleep(0.01)
        assert serving is not None and not push.done()  # the kill lands mid-push
        serving.kill()
        await push
        for _ in range(20):  # what the first run could not push (a batch whose answer was lost)
            if store.outbox_count() == 0:
                break
            await PushSync(api, store.path, batch_size=50).run()
        assert store.outbox_count() == 0
        with central.engine.connect() as conn:
            versions = dict(
                conn.execute(sa.text("SELECT id, version FROM notes WHERE id LIKE 'N-kill-%'")).all()
            )
            feed = conn.execute(
                sa.text(
                    "SELECT entity_id, count(*) FROM change_log WHERE entity_id LIKE 'N-kill-%' "
                    "GROUP BY entity_id"
                )
            ).all()
        assert sorted(versions) == ids and set(versions.values()) == {1}
        assert {count for _, count in feed} == {1}
    finally:
        await api.aclose()
        store.close()
        if proc.poll() is None:
            stop_group(proc)
        log_file.close()


def test_the_feed_epoch_made_by_many_workers_at_once_is_one_epoch(central_db_url):
    """A fresh database and a floor of desktops connecting at once: every worker thread that
    finds no epoch makes one; the losers must read the winner's, not fail with a 500."""
    from concurrent.futures import ThreadPoolExecutor

    from central.db import make_engine
    from central.feed_epoch import feed_epoch
    from central.migrate import upgrade

    upgrade(central_db_url)
    engine = make_engine(central_db_url, pool_size=8)
    barrier = threading.Barrier(8)

    def first_use() -> str:
        barrier.wait()
        with engine.begin() as conn:
            return feed_epoch(conn)

    try:
        with ThreadPoolExecutor(8) as pool:
            epochs = list(pool.map(lambda _: first_use(), range(8)))
        with engine.connect() as conn:
            assert set(epochs) == {feed_epoch(conn)}
    finally:
        engine.dispose()


@pytest.mark.skipif(sys.platform == "win32", reason="stops the worker processes by POSIX process group")
def test_serve_two_workers_over_tls(central_sqlite_url, tmp_path: Path):
    import ssl

    from test_tls import make_self_signed

    cert, key = make_self_signed(tmp_path)
    port = free_port()
    log_file = (tmp_path / "serve.log").open("wb")
    proc = start_serve(central_sqlite_url, port, log_file, "--cert", str(cert), "--key", str(key))
    context = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 90
        pids: set[int] = set()
        while time.monotonic() < deadline and len(pids) < 2:
            try:
                pids.add(httpx.get(f"https://127.0.0.1:{port}/live", verify=context, timeout=2).json()["pid"])
            except httpx.TransportError:
                time.sleep(0.3)
        assert len(pids) == 2  # both workers answer HTTPS on the one port
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/live", timeout=5)
    finally:
        stop_group(proc, signal.SIGTERM)
        log_file.close()


def test_a_worker_process_tunes_its_interpreter_for_streams_and_round_trips():
    code = (
        "import gc, sys; from central.serving import tune_worker_runtime, GIL_SWITCH_S, GC_YOUNG_THRESHOLD;"
        "before = sys.getswitchinterval(); tune_worker_runtime();"
        "print(before, sys.getswitchinterval() == GIL_SWITCH_S, gc.get_freeze_count() > 1000,"
        " gc.get_threshold()[0] == GC_YOUNG_THRESHOLD)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["0.005", "True", "True", "True"], out.stdout + out.stderr


async def test_a_desktop_closes_an_idle_connection_before_the_api_does(seeded_central_sqlite):
    """The desktop keeps an idle connection KEEPALIVE_S (not httpx's 5 s: a push every few tens
    of seconds reuses it) and the API keeps one longer, so the desktop never sends a request on
    a connection the server is closing (bench: push_ReadError / pull_RemoteProtocolError)."""
    from central.serving import IDLE_KEEPALIVE_S
    from desktop.services.api import KEEPALIVE_S, CentralApi

    assert 5 < KEEPALIVE_S < min(IDLE_KEEPALIVE_S, 60)  # 60: the usual load balancer idle timeout
    assert seeded_central_sqlite.server._server.config.timeout_keep_alive == IDLE_KEEPALIVE_S
    api = CentralApi(seeded_central_sqlite.url)
    try:
        await api.login("1001", "demo")
        pool = api._client._transport._pool  # httpx keeps its limits on the connection pool
        assert pool._keepalive_expiry == KEEPALIVE_S
    finally:
        await api.aclose()


def test_a_worker_runs_at_most_its_threads_requests_at_once(central_sqlite_url):
    """`threads` bounds the sync requests a worker runs at once (the rest wait their turn):
    six slow requests on a 2-thread worker never overlap more than two at a time."""
    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.migrate import upgrade

    upgrade(central_sqlite_url)
    app = create_app(central_sqlite_url, escalation_interval_s=0, threads=2)
    running, peak, lock = [0], [0], threading.Lock()

    @app.get("/slow-for-test")
    def slow() -> dict:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return {}

    with TestClient(app) as client:
        threads = [threading.Thread(target=client.get, args=("/slow-for-test",)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert peak[0] == 2
