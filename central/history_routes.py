"""GET /api/v1/history/*: a day of agent intervals and queue statistics, as JSON or CSV, for
supervisors and admins (central.policy.ENDPOINTS; an agent gets 403). Contract: docs/supervisor.md
"History".

No `from __future__ import annotations`: FastAPI must resolve the `principal` dependency type,
a local of create_app, when the routes are declared."""

import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S
from calldesk_domain.queue_stats_rows import queue_call_record
from central import auth, history
from central.history import INTERVAL_KEYS, STATS_CSV_KEYS, Day
from central.route_deps import RouteDeps

DayParam = Annotated[date, Query(description="the centre's calendar day, YYYY-MM-DD")]
ZONES = sorted(available_timezones() | {"UTC"})
ZoneParam = Annotated[
    str, Query(max_length=64, description="the centre's time zone", json_schema_extra={"enum": ZONES})
]
AgentParam = Annotated[str | None, Query(max_length=32, pattern=r"^[^\x00-\x1f]*$")]
SlParam = Annotated[float, Query(gt=0, le=3600)]
ShortParam = Annotated[float | None, Query(gt=0, le=600)]


def install_routes(app: FastAPI, deps: RouteDeps, clock: Callable[[], float] = time.time) -> None:
    if TYPE_CHECKING:
        principal: TypeAlias = auth.Principal  # deps.principal is Annotated[auth.Principal, Depends(...)]
    else:
        principal = deps.principal
    day_responses: dict[int | str, dict[str, Any]] = {
        **deps.errors,
        200: {
            "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
            "description": "the day as JSON, or as CSV on the .csv path",
        },
    }

    def _day(day: date, tz: str) -> Day:
        try:
            return Day(day, ZoneInfo(tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise deps.api_error(422, "validation_error", f"unknown time zone {tz!r}", "tz") from None

    def _csv(text: str, name: str) -> Response:
        return Response(
            "\ufeff" + text,  # Excel opens UTF-8 (Chinese reasons, queue names) only with the BOM
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/api/v1/history/agent-intervals", response_model=None, responses=day_responses)
    @app.get("/api/v1/history/agent-intervals.csv", response_model=None, responses=day_responses)
    def agent_intervals(
        request: Request, _who: principal, day: DayParam, tz: ZoneParam = "UTC", agent: AgentParam = None
    ) -> Response:
        with deps.engine.connect() as conn:
            rows = history.day_intervals(conn, _day(day, tz), agent or None, clock())
        if request.url.path.endswith(".csv"):
            return _csv(
                history.to_csv(rows, INTERVAL_KEYS), f"calldesk-agent-intervals-{day.isoformat()}.csv"
            )
        return JSONResponse({"day": day.isoformat(), "tz": tz, "intervals": rows})

    @app.get("/api/v1/history/queue-calls", response_model=None, responses=deps.errors)
    def queue_calls(_who: principal, day: DayParam, tz: ZoneParam = "UTC") -> JSONResponse:
        with deps.engine.connect() as conn:
            calls = history.day_queue_calls(conn, _day(day, tz))
        return JSONResponse(
            {"day": day.isoformat(), "tz": tz, "calls": [queue_call_record(c) for c in calls]}
        )

    @app.get("/api/v1/history/queue-stats", response_model=None, responses=day_responses)
    @app.get("/api/v1/history/queue-stats.csv", response_model=None, responses=day_responses)
    def queue_stats(
        request: Request,
        _who: principal,
        day: DayParam,
        tz: ZoneParam = "UTC",
        sl_threshold_s: SlParam = DEFAULT_SL_THRESHOLD_S,
        short_abandon_s: ShortParam = None,
    ) -> Response:
        with deps.engine.connect() as conn:
            rows = history.day_queue_stats(conn, _day(day, tz), sl_threshold_s, short_abandon_s)
        if request.url.path.endswith(".csv"):
            return _csv(history.to_csv(rows, STATS_CSV_KEYS), f"calldesk-queue-stats-{day.isoformat()}.csv")
        return JSONResponse({"day": day.isoformat(), "tz": tz, "rows": rows})
