"""Per-queue interval statistics from a stream of normalised events (`calldesk cti stats`).

The same metric functions as the live supervisor panel (calldesk_domain.metrics), over the calls
the call-state machine followed: one row per queue and 15-minute interval (the interval in which
the call entered the queue, on the centre's clock), then a total row per queue:

`{"kind":"queue_stats","queue","interval_start","offered","answered","abandoned","unanswered",
"sl_pct","sl2_pct","asa_s","aht_s","abandon_rate_pct","max_wait_s"}`

`interval_start` is ISO 8601 with the UTC offset, null on the total row; a figure that has no calls
to be computed from is null. A call transferred out of the queue that answered it counts once,
for that queue (the state machine keeps its first queue once answered).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from calldesk_domain.metrics import (
    DEFAULT_SL_THRESHOLD_S,
    Outcome,
    QueueCall,
    QueueFigures,
    group_by_interval,
    queue_figures,
)
from desktop.cti.agent_timeline import AgentTimelines
from desktop.cti.callstate import CallRecord, CallStateMachine
from desktop.cti.events import CtiEvent

STATS_KEYS = (
    "kind",
    "queue",
    "interval_start",
    "offered",
    "answered",
    "abandoned",
    "unanswered",
    "sl_pct",
    "sl2_pct",
    "asa_s",
    "aht_s",
    "abandon_rate_pct",
    "max_wait_s",
)


def queue_call(record: CallRecord, wrap_s: float = 0.0) -> QueueCall | None:
    """The metric facts of a call the state machine followed; None if it never entered a queue."""
    if record.join_ts is None or not record.queue:
        return None
    outcome = Outcome(record.outcome) if record.outcome else None
    return QueueCall(
        call_id=record.call_id,
        queue=record.queue,
        join_ts=record.join_ts,
        outcome=outcome,
        wait_s=record.wait_s,
        handle_s=record.talk_s,  # answer to hang-up or transfer away: talk and hold together
        wrap_s=wrap_s,
    )


def queue_calls(events: Iterable[CtiEvent]) -> list[QueueCall]:
    machine = CallStateMachine()
    timelines = AgentTimelines()
    for event in events:
        machine.apply(event)
        timelines.apply(event)
    calls = (queue_call(record, timelines.wrap_s(record.call_id)) for record in machine.calls.values())
    return [call for call in calls if call is not None]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def stats_row(queue: str, start: datetime | None, figures: QueueFigures) -> dict[str, Any]:
    return {
        "kind": "queue_stats",
        "queue": queue,
        "interval_start": None if start is None else start.isoformat(),
        "offered": figures.offered,
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "unanswered": figures.unanswered,
        "sl_pct": _round(figures.sl_pct, 1),
        "sl2_pct": _round(figures.sl2_pct, 1),
        "asa_s": _round(figures.asa_s, 3),
        "aht_s": _round(figures.aht_s, 3),
        "abandon_rate_pct": _round(figures.abandon_rate_pct, 1),
        "max_wait_s": _round(figures.max_wait_s, 3),
    }


def queue_stats(
    events: Iterable[CtiEvent],
    zone: tzinfo,
    sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
    short_abandon_s: float | None = None,
) -> list[dict[str, Any]]:
    """Rows for every queue (in the order queues first had a call): its intervals, then its total."""
    rows: list[dict[str, Any]] = []
    for queue, intervals in group_by_interval(queue_calls(events), zone).items():
        everything: list[QueueCall] = []
        for start, calls in intervals:
            everything.extend(calls)
            rows.append(stats_row(queue, start, queue_figures(calls, sl_threshold_s, short_abandon_s)))
        rows.append(stats_row(queue, None, queue_figures(everything, sl_threshold_s, short_abandon_s)))
    return rows
