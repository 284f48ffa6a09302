"""The API's pooled PostgreSQL connections are checked at checkout without a round trip
(central/db.py `_refuse_if_closed_by_server`): a connection PostgreSQL ended is replaced before a
request uses it, a healthy one is kept and sent nothing. Real PostgreSQL, real backends ended with
pg_terminate_backend (what a restart or an idle timeout does to them)."""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fixtures_central import _fresh_pg_schema
from sqlalchemy.engine import Engine
from tcp_proxy import TcpProxy

from central.db import make_engine


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    schema = _fresh_pg_schema()
    url = next(schema)  # skips without CALLDESK_TEST_PG_URL
    engine = make_engine(url, pool_size=2, max_overflow=0)
    try:
        yield engine
    finally:
        engine.dispose()
        schema.close()


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _pooled_socket(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.connection.dbapi_connection.fileno()


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def test_a_connection_postgresql_ended_is_replaced_before_a_request_uses_it(pg_engine: Engine) -> None:
    first = _backend(pg_engine)
    fd = _pooled_socket(pg_engine)
    admin = make_engine(pg_engine.url, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    finally:
        admin.dispose()
    deadline = time.monotonic() + 5
    while not _readable(fd):  # the backend's goodbye (FATAL 57P01, then EOF) reaches the socket
        assert time.monotonic() < deadline, "the ended backend's socket never became readable"
        time.sleep(0.01)
    # the request that checks the connection out next just works, on a new backend
    second = _backend(pg_engine)
    assert second != first
    assert pg_engine.pool.checkedout() == 0


def test_a_healthy_connection_is_kept_and_its_checkout_sends_nothing(pg_engine: Engine) -> None:
    """Through a byte-counting proxy: checking a pooled connection out and back in sends
    PostgreSQL nothing (pool_pre_ping sent a SELECT 1 each time) and keeps its backend."""
    proxy = TcpProxy(pg_engine.url.port or 5432)
    via = make_engine(pg_engine.url.set(host="127.0.0.1", port=proxy.port), pool_size=1, max_overflow=0)
    try:
        first = _backend(via)
        sent = proxy.bytes_up
        for _ in range(3):
            with via.connect():
                pass
        time.sleep(0.1)  # anything sent has passed the proxy by now
        assert proxy.bytes_up == sent
        assert _backend(via) == first
    finally:
        via.dispose()
        proxy.close()


@pytest.mark.skipif(sys.platform == "win32", reason="descriptors past 1023 are a POSIX select() limit")
def test_a_connection_whose_descriptor_is_past_1023_is_kept(pg_engine: Engine) -> None:
    """An API worker holding a thousand notification streams opens its database connections on
    descriptors past select()'s 1023: they are as healthy as any (the check must not drop
    them, which made every checkout fail under load)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        if hard != resource.RLIM_INFINITY and hard < 1200:
            pytest.skip(f"the descriptor limit here is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    pipes = []
    try:
        while not pipes or pipes[-1][1] < 1030:
            pipes.append(os.pipe())
        engine = make_engine(pg_engine.url, pool_size=1, max_overflow=0)
        try:
            first = _backend(engine)
            assert _pooled_socket(engine) > 1023
            assert _backend(engine) == first  # the same connection, checked out again
        finally:
            engine.dispose()
    finally:
        for read_end, write_end in pipes:
            os.close(read_end)
            os.close(write_end)
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_sqlite_engines_are_left_without_the_socket_check(tmp_path) -> None:
    """(a sqlite3 connection has no socket: the check on it would fail every checkout)"""
    sqlite = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        for _ in range(2):
            with sqlite.connect() as conn:
                assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        sqlite.dispose()
