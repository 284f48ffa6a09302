"""GET /api/v1/history/*: a day of agent intervals and queue statistics, as JSON or CSV, for
supervisors and admins (central.policy.ENDPOINTS; an agent gets 403). Contract: docs/supervisor.md
"History".

No `from __future__ import annotations`: FastAPI must resolve the `principal` dependency type,
a local of create_app, when the routes are declared."""

import time
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine

from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S
from central import history
from central.history import INTERVAL_KEYS, STATS_CSV_KEYS, Day

DayParam = Annotated[date, Query(description="the centre's calendar day, YYYY-MM-DD")]
ZoneParam = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")]
AgentParam = Annotated[str | None, Query(max_length=32, pattern=r"^[^\x00-\x1f]*$")]
SlParam = Annotated[float, Query(gt=0, le=3600)]
ShortParam = Annotated[float | None, Query(gt=0, le=600)]


def install_routes(
    app: FastAPI,
    engine: Engine,
    principal: Any,
    api_error: Callable[..., Exception],
    errors: dict[int | str, dict[str, Any]],
    clock: Callable[[], float] = time.time,
) -> None:
    csv_responses: dict[int | str, dict[str, Any]] = {
        **errors,
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "the day as CSV"},
    }

    def _day(day: date, tz: str) -> Day:
        try:
            return Day(day, ZoneInfo(tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise api_error(422, "validation_error", f"unknown time zone {tz!r}", "tz") from None

    def _csv(text: str, name: str) -> Response:
        return Response(
            "\ufeff" + text,  # Excel opens UTF-8 (Chinese reasons, queue names) only with the BOM
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def _intervals(day: date, tz: str, agent: str | None) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return history.day_intervals(conn, _day(day, tz), agent or None, clock())

    def _stats(day: date, tz: str, sl: float, short: float | None) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return history.day_queue_stats(conn, _day(day, tz), sl, short)

    @app.get("/api/v1/history/agent-intervals", response_model=None, responses=errors)
    def agent_intervals(
        _who: principal, day: DayParam, tz: ZoneParam = "UTC", agent: AgentParam = None
    ) -> JSONResponse:
        return JSONResponse({"day": day.isoformat(), "tz": tz, "intervals": _intervals(day, tz, agent)})

    @app.get("/api/v1/history/agent-intervals.csv", response_model=None, responses=csv_responses)
    def agent_intervals_csv(
        _who: principal, day: DayParam, tz: ZoneParam = "UTC", agent: AgentParam = None
    ) -> Response:
        text = history.to_csv(_intervals(day, tz, agent), INTERVAL_KEYS)
        return _csv(text, f"calldesk-agent-intervals-{day.isoformat()}.csv")

    @app.get("/api/v1/history/queue-calls", response_model=None, responses=errors)
    def queue_calls(_who: principal, day: DayParam, tz: ZoneParam = "UTC") -> JSONResponse:
        with engine.connect() as conn:
            calls = history.day_queue_calls(conn, _day(day, tz))
        return JSONResponse(
            {"day": day.isoformat(), "tz": tz, "calls": [history.queue_call_dict(c) for c in calls]}
        )

    @app.get("/api/v1/history/queue-stats", response_model=None, responses=errors)
    def queue_stats(
        _who: principal,
        day: DayParam,
        tz: ZoneParam = "UTC",
        sl_threshold_s: SlParam = DEFAULT_SL_THRESHOLD_S,
        short_abandon_s: ShortParam = None,
    ) -> JSONResponse:
        rows = _stats(day, tz, sl_threshold_s, short_abandon_s)
        return JSONResponse({"day": day.isoformat(), "tz": tz, "rows": rows})

    @app.get("/api/v1/history/queue-stats.csv", response_model=None, responses=csv_responses)
    def queue_stats_csv(
        _who: principal,
        day: DayParam,
        tz: ZoneParam = "UTC",
        sl_threshold_s: SlParam = DEFAULT_SL_THRESHOLD_S,
        short_abandon_s: ShortParam = None,
    ) -> Response:
        text = history.to_csv(_stats(day, tz, sl_threshold_s, short_abandon_s), STATS_CSV_KEYS)
        return _csv(text, f"calldesk-queue-stats-{day.isoformat()}.csv")
