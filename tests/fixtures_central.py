"""Fixtures that run the REAL central API (central/) on 127.0.0.1, for every test area.

Registered as a pytest plugin by tests/conftest.py. Nothing here is mocked: a real SQLite file
(or PostgreSQL schema) is migrated with Alembic, seeded with `central.seed`, and served by
uvicorn in a background thread (`central.server.start_in_thread`).

Fixtures
--------
central_db_url          a fresh, EMPTY database URL; parametrized: "sqlite" (a file in tmp_path) and
                        "postgresql" (a fresh schema in $CALLDESK_TEST_PG_URL, dropped afterwards).
                        Without CALLDESK_TEST_PG_URL the postgresql case is skipped, except when
                        CI=true: then it FAILS (CI must test PostgreSQL). Start one with
                        `export CALLDESK_TEST_PG_URL=$(bash scripts/start-postgres.sh | tail -n 1)`.
central_sqlite_url      the same, SQLite only.
seeded_central          a running server on a database seeded with SEED_CUSTOMERS=300 customers,
                        seed=7 (parametrized sqlite/postgresql, skipping/failing like
                        central_db_url; PostgreSQL: a database cloned from a session-wide seeded
                        template, or a freshly seeded schema if the role lacks CREATEDB). Yields a
                        `SeededCentral`:
                          .url      http://127.0.0.1:PORT      .db_url   the database URL
                          .token    bearer token of agent 1001 (signed with the server's secret)
                          .token_for(username)  the same for another seeded user
                          .headers  {"Authorization": "Bearer ..."}
                          .client() an httpx.Client on .url with the token set (close it)
                          .sample_customer()  a customer read from the DB (not the API): dict with
                                    id, name, phones (E.164 list), mobile, landline (unshared, or
                                    None), order_count, order_nos
                          .shared_landline()  an E.164 landline shared by >= 2 customers
                          .customers_with_phone(e164)  sorted customer ids having that number
                          .write(entity, record) / .delete(entity, record_id)  server-side edits
                                    through central.writes (bump version, change feed entry)
                          .max_seq() latest change-feed seq
                        Each test gets its own copy of the data: edits never leak between tests.
seeded_central_sqlite   the same on SQLite only (fast: copies a session-wide seeded template).
serve_seeded_sqlite     a factory: serve_seeded_sqlite(threads=1, queue_wait_s=0.5, ...) starts a
                        server with those create_app options on a fresh copy of that SQLite data
                        and returns its SeededCentral (stopped when the test ends).
seeded_central_shared   like seeded_central but MODULE-scoped: one server for all tests of a module.
                        For read-only tests only (do not write through it or edit its data).
                        SeededCentral.go_offline() stops the server but keeps its port bound (not
                        listening) until the test ends: clients get "connection refused", never
                        another server (the suite runs in parallel: a freed port is soon reused).
dead_url                http://127.0.0.1:PORT where nothing listens, the port held the same way.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

# tests/central/ (no __init__.py) would otherwise be imported as a namespace package called
# `central`, shadowing the real package that the editable install provides through a finder
# hook: put the repository root on sys.path so the regular package always wins.
_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:
    sys.path.append(_REPO_ROOT)

SEED_CUSTOMERS = 300
SEED = 7
PG_ENV = "CALLDESK_TEST_PG_URL"


def hold_port(port: int = 0) -> socket.socket:
    """Bind 127.0.0.1:port (0: any free port) without listening: connecting is refused, and the
    kernel hands the port to no other socket (of this run, a parallel worker or another process)
    while it stays open. Close it when done."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":  # rebinding a just-closed server port despite its TIME_WAIT connections
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@pytest.fixture
def dead_url() -> Iterator[str]:
    sock = hold_port()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        message = (
            f"{PG_ENV} is not set: start PostgreSQL with "
            f"`export {PG_ENV}=$(bash scripts/start-postgres.sh | tail -n 1)`"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL tests must run in CI: {message}")
        pytest.skip(message)
    return url


def _fresh_pg_schema() -> Iterator[str]:
    """A URL whose search_path is a brand-new schema; the schema is dropped afterwards."""
    from central.db import make_engine, parse_db_url

    base = parse_db_url(_pg_base_url())
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def central_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from _fresh_pg_schema()


@pytest.fixture
def central_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'central.db'}"


class SeededCentral:
    """A running, seeded central API; see the module docstring."""

    def __init__(self, server: Any, db_url: str) -> None:
        from central.db import make_engine

        self.server = server
        self.url: str = server.url
        self.db_url = db_url
        self.engine = make_engine(db_url)
        self.token: str = self.token_for("1001")
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self._held_port: socket.socket | None = None

    def token_for(self, username: str) -> str:
        """A real signed token for a seeded user, minted with the server's secret.

        Skips the password check (argon2 costs ~0.1 s per login); tests of POST
        /api/v1/auth/token exercise that path.
        """
        from central import auth
        from central.tables import users

        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).one()
        principal = auth.Principal(row.id, row.username, row.role, row.agent_id, row.display_name, 0)
        return self.mint_token(principal)

    def mint_token(self, principal: Any, lifetime_s: int | None = None) -> str:
        """An access token for `principal` in a new sign-in session, signed with the server's key
        (`lifetime_s` < 0: expired)."""
        return mint_token(self.engine, principal, lifetime_s)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=10, **kwargs)

    def push_upsert(self, username: str, entity: str, record: dict, base: int | None = None) -> dict:
        """POST /api/v1/sync/push of one upsert of `record` as `username`; its result."""
        mutation = {"entity": entity, "id": record["id"], "op": "upsert", "data": record}
        if base is not None:
            mutation["base_version"] = base
        return self.push_one(username, mutation)

    def push_one(self, username: str, mutation: dict) -> dict:
        """POST /api/v1/sync/push of one `mutation` (a fresh client_id unless it has one) as
        `username`, under a fresh Idempotency-Key; its result."""
        response = httpx.post(
            f"{self.url}/api/v1/sync/push",
            json={"mutations": [{"client_id": str(uuid.uuid4()), **mutation}]},
            headers={
                "Authorization": f"Bearer {self.token_for(username)}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            timeout=20,
        )
        assert response.status_code == 200, response.text
        return response.json()["results"][0]

    def go_offline(self) -> None:
        """Stop the server; its port stays reserved, so `.url` refuses connections until close()."""
        self.server.stop()
        self._held_port = hold_port(self.server.port)

    def close(self) -> None:
        self.server.stop()
        if self._held_port is not None:
            self._held_port.close()
        self.engine.dispose()

    def _rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def customers_with_phone(self, e164: str) -> list[str]:
        rows = self._rows("SELECT DISTINCT customer_id FROM customer_phones WHERE e164 = :e", e=e164)
        return sorted(row[0] for row in rows)

    def shared_landline(self) -> str:
        rows = self._rows(
            "SELECT e164 FROM customer_phones WHERE kind = 'landline' GROUP BY e164 "
            "HAVING COUNT(DISTINCT customer_id) >= 2 ORDER BY e164"
        )
        assert rows, "seed data has no shared landline"
        return rows[0][0]

    def sample_customer(self) -> dict[str, Any]:
        """A customer with a mobile, an unshared landline and at least one order (read from SQL)."""
        shared = {
            row[0]
            for row in self._rows(
                "SELECT e164 FROM customer_phones GROUP BY e164 HAVING COUNT(DISTINCT customer_id) > 1"
            )
        }
        candidates = self._rows(
            "SELECT c.id FROM customers c WHERE c.id <> 'C0000001' "
            "AND EXISTS (SELECT 1 FROM customer_phones p WHERE p.customer_id = c.id AND p.kind = 'mobile') "
            "AND EXISTS (SELECT 1 FROM customer_phones p WHERE p.customer_id = c.id AND p.kind = 'landline') "
            "AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) ORDER BY c.id"
        )
        for (customer_id,) in candidates:
            phones = self._rows(
                "SELECT e164, kind FROM customer_phones WHERE customer_id = :c ORDER BY position",
                c=customer_id,
            )
            landlines = [e for e, kind in phones if kind == "landline" and e not in shared]
            mobiles = [e for e, kind in phones if kind == "mobile" and e not in shared]
            if not landlines or not mobiles:
                continue
            name = self._rows("SELECT name FROM customers WHERE id = :c", c=customer_id)[0][0]
            order_nos = [
                r[0] for r in self._rows("SELECT order_no FROM orders WHERE customer_id = :c", c=customer_id)
            ]
            return {
                "id": customer_id,
                "name": name,
                "phones": [e for e, _ in phones],
                "mobile": mobiles[0],
                "landline": landlines[0],
                "order_count": len(order_nos),
                "order_nos": sorted(order_nos),
            }
        raise AssertionError("seed data has no customer with mobile, landline and orders")

    def write(self, entity: str, record: dict[str, Any]) -> int:
        """Upsert one record server-side (the real write path); returns its new version."""
        from central.writes import write_records

        with self.engine.begin() as conn:
            return write_records(conn, entity, [record])[record["id"]]

    def delete(self, entity: str, record_id: str) -> int | None:
        from central.writes import delete_records

        with self.engine.begin() as conn:
            return delete_records(conn, entity, [record_id]).get(record_id)

    def max_seq(self) -> int:
        return int(self._rows("SELECT COALESCE(MAX(seq), 0) FROM change_log")[0][0])


def mint_token(engine: Any, principal: Any, lifetime_s: int | None = None) -> str:
    """A real access token: a session row in the database at `engine` and the server's key."""
    from dataclasses import replace

    from central import auth, tokens

    with engine.begin() as conn:
        session_id, _refresh = auth.open_session(conn, principal)
    principal = replace(principal, session_id=session_id)
    key = tokens.load_signing_key()
    if lifetime_s is None:
        return auth.issue_token(key, principal)
    return auth.issue_token(key, principal, lifetime_s=lifetime_s)


def _serve(db_url: str, **app_options: Any) -> Iterator[SeededCentral]:
    from central.server import start_in_thread

    server = start_in_thread(db_url, app_options=app_options)
    central = SeededCentral(server, db_url)
    try:
        yield central
    finally:
        central.close()


@pytest.fixture(scope="session")
def _seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from central.seed import seed_database

    path = tmp_path_factory.mktemp("central-template") / "seeded.db"
    seed_database(f"sqlite:///{path}", SEED_CUSTOMERS, SEED)
    return path


def _copy_sqlite(template: Path, target: Path) -> None:
    source = sqlite3.connect(template)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()


@pytest.fixture
def seeded_central_sqlite(_seeded_sqlite_template: Path, tmp_path: Path) -> Iterator[SeededCentral]:
    target = tmp_path / "central.db"
    _copy_sqlite(_seeded_sqlite_template, target)
    yield from _serve(f"sqlite:///{target}")


@pytest.fixture
def serve_seeded_sqlite(
    _seeded_sqlite_template: Path, tmp_path: Path
) -> Iterator[Callable[..., SeededCentral]]:
    running: list[Iterator[SeededCentral]] = []

    def serve(**app_options: Any) -> SeededCentral:
        target = tmp_path / f"central-{len(running)}.db"
        _copy_sqlite(_seeded_sqlite_template, target)
        served = _serve(f"sqlite:///{target}", **app_options)
        running.append(served)
        return next(served)

    yield serve
    for served in running:
        next(served, None)  # runs _serve's finally: the server stops


class _PgTemplate:
    """A seeded PostgreSQL database that per-test databases are cloned from (CREATE DATABASE ...
    TEMPLATE is much faster than migrating and seeding again). `name` is None when the role
    may not create databases; callers then seed a fresh schema instead."""

    def __init__(self) -> None:
        from sqlalchemy.exc import DBAPIError

        from central.db import make_engine, parse_db_url
        from central.seed import seed_database

        self.base = parse_db_url(_pg_base_url())
        self.admin = make_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.name: str | None = f"calldesk_tmpl_{uuid.uuid4().hex[:12]}"
        try:
            self._sql(f'CREATE DATABASE "{self.name}"')
        except DBAPIError:
            self.name = None
            return
        seed_database(self._url(self.name), SEED_CUSTOMERS, SEED)  # disposes its connections

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(statement))

    def _url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def _drop(self, database: str) -> None:
        """Drop a database this role made. Not WITH (FORCE): that refuses when an autovacuum worker
        happens to be in it ("must be a member of the role whose process is being terminated"; seen
        with parallel workers creating and dropping many databases). Our own leftover sessions are
        ended here; a plain DROP then stops autovacuum itself (waiting up to 5 s)."""
        with self.admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND usename = current_user AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}"'))

    def clone(self) -> Iterator[str]:
        name = f"calldesk_t_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        try:
            yield self._url(name)
        finally:
            self._drop(name)

    def close(self) -> None:
        if self.name:
            self._drop(self.name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[_PgTemplate]:
    template = _PgTemplate()
    try:
        yield template
    finally:
        template.close()


def _seeded_pg(request: pytest.FixtureRequest) -> Iterator[SeededCentral]:
    template: _PgTemplate = request.getfixturevalue("_pg_template")
    if template.name is None:
        from central.seed import seed_database

        for db_url in _fresh_pg_schema():
            seed_database(db_url, SEED_CUSTOMERS, SEED)
            yield from _serve(db_url)
    else:
        for db_url in template.clone():
            yield from _serve(db_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_central(
    request: pytest.FixtureRequest, _seeded_sqlite_template: Path, tmp_path: Path
) -> Iterator[SeededCentral]:
    if request.param == "sqlite":
        _copy_sqlite(_seeded_sqlite_template, tmp_path / "central.db")
        yield from _serve(f"sqlite:///{tmp_path / 'central.db'}")
    else:
        yield from _seeded_pg(request)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded_central_shared(
    request: pytest.FixtureRequest, _seeded_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededCentral]:
    if request.param == "sqlite":
        directory = tmp_path_factory.mktemp("central-shared")
        _copy_sqlite(_seeded_sqlite_template, directory / "central.db")
        yield from _serve(f"sqlite:///{directory / 'central.db'}")
    else:
        yield from _seeded_pg(request)
