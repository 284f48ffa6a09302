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
from datetime import tzinfo
from typing import Any

from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S, Outcome, QueueCall
from calldesk_domain.queue_stats_rows import STATS_KEYS, stats_row, stats_rows
from desktop.cti.agent_timeline import AgentTimelines
from desktop.cti.callstate import CallRecord, CallStateMachine
from desktop.cti.events import CtiEvent

__all__ = ["STATS_KEYS", "queue_call", "queue_calls", "queue_stats", "stats_row"]


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


def queue_stats(
    events: Iterable[CtiEvent],
    zone: tzinfo,
    sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
    short_abandon_s: float | None = None,
) -> list[dict[str, Any]]:
    """Rows for every queue (in the order queues first had a call): its intervals, then its total."""
    return stats_rows(queue_calls(events), zone, sl_threshold_s, short_abandon_s)
