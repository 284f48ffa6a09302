"""Test harness for push sync: the REAL central app in-process (httpx ASGITransport) behind a
transport that injects network faults, and desktops made of a real cache file + CentralApi +
PushSync/PullSync. Nothing under test is replaced."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import httpx
import sqlalchemy as sa
from fixtures_central import mint_token

from central import auth
from central.app import close_app, create_app
from central.db import make_engine
from central.seed import seed_database
from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.push import PushSync
from desktop.services.sync import PullSync
from desktop.services.worker import release_worker_store

FAULTS = ("drop_request", "drop_response", "duplicate", "server_error", "timeout")


class FaultyTransport(httpx.AsyncBaseTransport):
    """Forwards to the app, except that each queued fault spoils the next request:

    drop_request   the request never reaches the server (connection error)
    timeout        the request times out before reaching the server
    server_error   503 with Retry-After: 0, nothing applied
    drop_response  the server APPLIES the request, then the answer is lost (read timeout)
    duplicate      the request reaches the server twice; the client sees the second answer
    Every push request that reached the server is kept in `delivered` for stale replays.
    """

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.faults: list[str] = []
        self.delivered: list[tuple[dict[str, str], bytes]] = []

    async def _forward(self, request: httpx.Request, body: bytes) -> httpx.Response:
        copy = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        response = await self.inner.handle_async_request(copy)
        content = await response.aread()
        if request.url.path.endswith("/sync/push"):
            self.delivered.append((dict(request.headers), body))
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.faults.pop(0) if self.faults else None
        body = await request.aread()
        if fault == "drop_request":
            raise httpx.ConnectError("injected: connection refused", request=request)
        if fault == "timeout":
            raise httpx.ConnectTimeout("injected: timed out", request=request)
        if fault == "server_error":
            return httpx.Response(
                503,
                headers={"Retry-After": "0"},
                json={"error": {"code": "unavailable", "message": "injected", "field": None}},
            )
        response = await self._forward(request, body)
        if fault == "duplicate":
            response = await self._forward(request, body)
        if fault == "drop_response":
            raise httpx.ReadTimeout("injected: answer lost after commit", request=request)
        return response

    async def replay(self, index: int) -> None:
        """Deliver an old push again, late (reordering): the server must not apply it twice."""
        if not self.delivered:
            return
        headers, body = self.delivered[index % len(self.delivered)]
        request = httpx.Request("POST", "http://central/api/v1/sync/push", headers=headers, content=body)
        response = await self.inner.handle_async_request(request)
        await response.aread()


async def _no_sleep(_seconds: float) -> None:
    return None


class Desktop:
    """One agent desktop: its own cache file, API client and push/pull loops."""

    def __init__(self, name: str, cache_path: Path, app, token: str) -> None:
        self.name = name
        self.path = cache_path
        self.store = CacheStore(cache_path, migrate=False)
        self.transport = FaultyTransport(app)
        self.api = CentralApi(
            "http://central",
            token=token,
            transport=self.transport,
            max_retries=2,
            sleep=_no_sleep,
            allow_insecure_http=True,  # the in-process ASGI app: nothing crosses a network
        )
        self.written: list[str] = []  # every outbox id this desktop produced

    async def push(self) -> bool:
        try:
            await PushSync(self.api, self.path, batch_size=7).run()
            return True
        except ApiError:
            return False

    async def pull(self) -> bool:
        try:
            await PullSync(self.api, self.path, page_size=50).run()
            return True
        except ApiError:
            return False

    async def sync(self) -> bool:
        return await self.push() and await self.pull()

    async def close(self) -> None:
        await self.api.aclose()
        self.store.close()
        await release_worker_store(self.path)


RUN_TOKEN_S = 7 * 24 * 3600


class Templates:
    """A seeded central database and an empty migrated cache, made once and copied per example."""

    def __init__(self, directory: Path, customers: int = 3) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.central = directory / "central-template.sqlite3"
        self.cache = directory / "cache-template.sqlite3"
        seed_database(f"sqlite:///{self.central}", customers, 5)
        engine = make_engine(f"sqlite:///{self.central}")
        with engine.connect() as conn:
            self.customer_ids = list(conn.execute(sa.text("SELECT id FROM customers ORDER BY id")).scalars())
            # A supervisor: the rules edit membership_level, which an agent may not (central.policy).
            user_id = conn.execute(sa.text("SELECT id FROM users WHERE username = 'super'")).scalar_one()
        # Lives as long as the longest run: the 10,000-example soak outlives the default 15-minute
        # access token by hours (every pull of the first example after it answered 401).
        self.token = mint_token(
            engine, auth.Principal(user_id, "super", "supervisor", "9001", "test", 0), lifetime_s=RUN_TOKEN_S
        )
        engine.dispose()
        CacheStore(self.cache).close()
        self._bootstrap_cache()

    def _bootstrap_cache(self) -> None:
        """Every example's desktops start from one bootstrap of the template, made here once.
        The bootstrap has its own tests (tests/sync/test_bootstrap.py); run twice per example
        (a dozen requests each) it doubled this machine's time to past its timeout."""
        app = make_app(f"sqlite:///{self.central}")
        desktop = Desktop("template", self.cache, app, self.token)

        async def bootstrap() -> bool:
            try:
                return await desktop.pull()
            finally:
                await desktop.close()
                close_app(app)

        assert asyncio.run(bootstrap()), "the template cache could not be synced"
        with sqlite3.connect(self.cache) as conn:  # everything in the main file before it is copied
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0

    def central_copy(self, target: Path) -> str:
        shutil.copyfile(self.central, target)
        return f"sqlite:///{target}"

    def cache_copy(self, target: Path) -> Path:
        shutil.copyfile(self.cache, target)
        return target


class SharedCentral:
    """One central app (and its engine) for every example of a run: building the app costs ~0.9 s
    (FastAPI builds 35 routes), far more than an example's own work. Each example gets the same
    fresh state as a new app on a copy of the template would have: `reset()` closes every pooled
    connection and puts a fresh copy of the template database in the file's place. The app keeps
    nothing of an example in memory that a later one could see: its feed epoch is the template's
    (the template was pulled once, so it holds one), the login throttle is unused (tokens are
    minted), and the push-record purge only removes records older than days."""

    def __init__(self, templates: Templates, path: Path) -> None:
        self.templates = templates
        self.path = path
        self.url = templates.central_copy(path)
        self.app = make_app(self.url)
        self.engine: sa.Engine = self.app.state.central.engine

    def reset(self) -> str:
        self.engine.dispose()  # no connection left on the old file; the next request opens the new
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return self.templates.central_copy(self.path)

    def close(self) -> None:
        close_app(self.app)


def server_records(engine: sa.Engine, entity: str) -> dict[str, dict]:
    """Live records of an entity from the change log: id -> data with version."""
    out: dict[str, dict] = {}
    with engine.connect() as conn:
        for entity_id, version, data, op in conn.execute(
            sa.text("SELECT entity_id, version, data, op FROM change_log WHERE entity = :e"), {"e": entity}
        ):
            if op == "upsert":
                record = dict(data if isinstance(data, dict) else __import__("json").loads(data))
                record["version"] = version
                out[entity_id] = record
    return out


def make_app(db_url: str):
    return create_app(db_url)
