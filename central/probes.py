"""Liveness and readiness: GET /health, /live and /ready (no token; central.policy PUBLIC).

- `/live`: the process answers (a load balancer or orchestrator restarts it when not).
- `/ready`: this worker can serve: its database answers. 503 while it does not (PostgreSQL down
  or restarting); it turns 200 again by itself once the database is back (the pool drops
  connections PostgreSQL ended and opens new ones), no API restart needed. Also says how the
  notification channel stands.
- `/health`: as before (desktops and monitoring use it): 200 with the backend when the database
  answers, 503 otherwise.

The probes' database check runs on a thread of its own, not the request threads: a worker whose
request threads are all busy (an overload, central/admission.py) is busy, not dead, and its
probes must still answer.
"""

from __future__ import annotations

import logging
import os

import anyio.to_thread
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

import central
from central.notify import NotificationHub
from central.schemas import ErrorResponse, HealthResponse

log = logging.getLogger(__name__)


def _db_problem(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    return None


def _unavailable(message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "db_unavailable", "message": message, "field": None}}, status_code=503
    )


def install_routes(app: FastAPI, engine: Engine, hub: NotificationHub) -> None:
    own_thread: list[anyio.CapacityLimiter] = []  # made on first use: it needs the running loop

    async def db_problem() -> str | None:
        if not own_thread:
            own_thread.append(anyio.CapacityLimiter(1))
        return await anyio.to_thread.run_sync(_db_problem, engine, limiter=own_thread[0])

    @app.get("/health", response_model=None, responses={200: {"model": HealthResponse}})
    async def health() -> JSONResponse:
        problem = await db_problem()
        if problem is not None:
            log.error("health check: database unreachable: %s", problem)
            return _unavailable("database unreachable")
        return JSONResponse({"status": "ok", "db": engine.dialect.name, "version": central.__version__})

    @app.get("/live", response_model=None)
    async def live() -> JSONResponse:
        return JSONResponse({"status": "ok", "pid": os.getpid()})

    @app.get("/ready", response_model=None, responses={503: {"model": ErrorResponse}})
    async def ready() -> JSONResponse:
        problem = await db_problem()
        if problem is not None:
            log.warning("readiness: database unreachable: %s", problem)
            return _unavailable("database unreachable; not ready")
        pool = engine.pool
        return JSONResponse(
            {
                "status": "ready",
                "db": engine.dialect.name,
                "pid": os.getpid(),
                "pool": pool.status() if hasattr(pool, "status") else None,
                "notifications": hub.stats(),
            }
        )
