"""The `queue_stats` row shape of `calldesk cti stats` and the central history export.

One row per queue and 15-minute interval (the interval in which each call entered the queue, on
the centre's clock), then a total row per queue:

`{"kind":"queue_stats","queue","interval_start","offered","answered","abandoned","unanswered",
"sl_pct","sl2_pct","asa_s","aht_s","abandon_rate_pct","max_wait_s"}`

`interval_start` is ISO 8601 with the UTC offset, null on the total row; a figure that has no calls
to be computed from is null. Pure: the desktop's recording tool and the central API share it, so
support compares like with like.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from calldesk_domain.metrics import (
    DEFAULT_SL_THRESHOLD_S,
    QueueCall,
    QueueFigures,
    group_by_interval,
    queue_figures,
)

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


def queue_call_record(call: QueueCall) -> dict[str, Any]:
    """A QueueCall as the central history stores and sends it (entity `queue_call`)."""
    return {
        "id": call.call_id,
        "queue": call.queue,
        "join_ts": call.join_ts,
        "outcome": None if call.outcome is None else call.outcome.value,
        "wait_s": call.wait_s,
        "handle_s": call.handle_s,
        "wrap_s": call.wrap_s,
    }


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


def stats_rows(
    calls: Iterable[QueueCall],
    zone: tzinfo,
    sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
    short_abandon_s: float | None = None,
) -> list[dict[str, Any]]:
    """Rows for every queue (in the order queues first had a call): its intervals, then its total."""
    rows: list[dict[str, Any]] = []
    for queue, intervals in group_by_interval(calls, zone).items():
        everything: list[QueueCall] = []
        for start, in_interval in intervals:
            everything.extend(in_interval)
            rows.append(stats_row(queue, start, queue_figures(in_interval, sl_threshold_s, short_abandon_s)))
        rows.append(stats_row(queue, None, queue_figures(everything, sl_threshold_s, short_abandon_s)))
    return rows
