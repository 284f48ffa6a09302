"""Queue figures as ../shared/METRICS.md and docs/metrics.md define them. Pure: no clock, no I/O.

Every function takes plain facts (`QueueCall`, one per call that entered a queue) and returns plain
numbers, so the live panel, `calldesk cti stats` and tests compute the same figures the same way.

Service level follows Asterisk 22 apps/app_queue.c: a call is "in service level" when its queue wait
is <= the threshold (`(now - qe->start) <= servicelevel`). SL (`ServicelevelPerf`) is answered
in-SL / answered. SL2 (`ServicelevelPerf2`) is (answered in-SL + given-up in-SL) / (answered +
given-up), where "given up" is every call `record_abandoned()` counts: the caller hanging up AND
the queue letting the caller go (timeout, leave-empty, withdraw). Abandon rate, by contrast, counts
only callers who hung up (METRICS.md): the PBX's `callsabandoned` mixes both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

DEFAULT_SL_THRESHOLD_S = 20.0  # Asterisk `servicelevel` as configured in this centre (METRICS.md)
INTERVAL_MINUTES = 15


class Outcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"  # the caller hung up (or left) while queued
    UNANSWERED = "unanswered"  # the queue gave up: timeout, empty, full, withdraw (not an abandon)


@dataclass(frozen=True, slots=True)
class QueueCall:
    """What the figures need of one call that entered a queue.

    `wait_s` is queue wait: join to answer, or to abandon / timeout (Asterisk HoldTime). `handle_s`
    is answer to the end of the agent's part (talk + hold, up to hang-up or the transfer away);
    `wrap_s` the after-call work that followed, from the agent-state timeline.
    """

    call_id: str
    queue: str
    join_ts: float  # epoch seconds: the call counts in the interval it entered the queue
    outcome: Outcome | None  # None: still waiting or ringing
    wait_s: float | None = None
    handle_s: float | None = None  # None until the agent's part has ended
    wrap_s: float = 0.0


@dataclass(frozen=True, slots=True)
class QueueFigures:
    offered: int
    answered: int
    abandoned: int  # short abandons excluded (see `short_abandoned`)
    short_abandoned: int  # abandoned within the short-abandon threshold: shown apart, in no rate
    unanswered: int
    sl_pct: float | None
    sl2_pct: float | None
    asa_s: float | None
    aht_s: float | None
    abandon_rate_pct: float | None
    max_wait_s: float | None


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _mean(values: Sequence[float]) -> float | None:
    return None if not values else sum(values) / len(values)


def in_service_level(wait_s: float | None, threshold_s: float) -> bool:
    """Asterisk's test: wait <= servicelevel (inclusive). An unknown wait is not in service level."""
    return wait_s is not None and wait_s <= threshold_s


def is_short_abandon(call: QueueCall, short_abandon_s: float | None) -> bool:
    return (
        short_abandon_s is not None
        and call.outcome is Outcome.ABANDONED
        and call.wait_s is not None
        and call.wait_s < short_abandon_s
    )


def queue_figures(
    calls: Iterable[QueueCall],
    sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
    short_abandon_s: float | None = None,
) -> QueueFigures:
    """The figures of a set of calls (one queue, one interval or a day). Calls still in the queue
    (outcome None) count in nothing here: they are `calls_waiting` on the live panel.

    SL and SL2 are the PBX's and count every call it counted, short abandons included; the
    short-abandon threshold only takes those calls out of offered, abandoned and the abandon rate.
    """
    answered: list[QueueCall] = []
    abandoned: list[QueueCall] = []
    short: list[QueueCall] = []
    unanswered: list[QueueCall] = []
    for call in calls:
        if call.outcome is Outcome.ANSWERED:
            answered.append(call)
        elif call.outcome is Outcome.ABANDONED:
            (short if is_short_abandon(call, short_abandon_s) else abandoned).append(call)
        elif call.outcome is Outcome.UNANSWERED:
            unanswered.append(call)
    answered_in_sl = sum(in_service_level(c.wait_s, sl_threshold_s) for c in answered)
    given_up = abandoned + short + unanswered
    given_up_in_sl = sum(in_service_level(c.wait_s, sl_threshold_s) for c in given_up)
    answered_waits = [c.wait_s for c in answered if c.wait_s is not None]
    handled = [c.handle_s + c.wrap_s for c in answered if c.handle_s is not None]
    waits = [c.wait_s for c in (*answered, *given_up) if c.wait_s is not None]
    return QueueFigures(
        offered=len(answered) + len(abandoned) + len(unanswered),
        answered=len(answered),
        abandoned=len(abandoned),
        short_abandoned=len(short),
        unanswered=len(unanswered),
        sl_pct=_pct(answered_in_sl, len(answered)),
        sl2_pct=_pct(answered_in_sl + given_up_in_sl, len(answered) + len(given_up)),
        asa_s=_mean(answered_waits),
        aht_s=_mean(handled),
        abandon_rate_pct=_pct(len(abandoned), len(answered) + len(abandoned)),
        max_wait_s=max(waits) if waits else None,
    )


def interval_start(ts: float, zone: tzinfo, minutes: int = INTERVAL_MINUTES) -> datetime:
    """The start of the clock-aligned interval holding `ts`, on the centre's wall clock.

    Aligned in local time, so a +05:45 or +09:30 centre still gets :00/:15/:30/:45 intervals, and
    the two 01:xx hours of a DST fall-back stay apart (their UTC offsets differ).
    """
    if minutes <= 0 or 60 % minutes:
        raise ValueError(f"interval minutes must divide an hour, not {minutes}")
    local = datetime.fromtimestamp(ts, zone)
    return local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)


def group_by_interval(
    calls: Iterable[QueueCall], zone: tzinfo, minutes: int = INTERVAL_MINUTES
) -> dict[str, list[tuple[datetime, list[QueueCall]]]]:
    """queue -> [(interval start, calls that entered that queue in it)], intervals in time order.

    Keyed by instant, not by datetime: two aware datetimes of one zone compare by wall clock, so
    the repeated 02:15 of a DST fall-back would otherwise merge into one interval.
    """
    grouped: dict[str, dict[float, tuple[datetime, list[QueueCall]]]] = {}
    for call in calls:
        start = interval_start(call.join_ts, zone, minutes)
        by_instant = grouped.setdefault(call.queue, {})
        by_instant.setdefault(start.timestamp(), (start, []))[1].append(call)
    return {queue: [by_instant[key] for key in sorted(by_instant)] for queue, by_instant in grouped.items()}


def interval_starts_between(
    first_ts: float, last_ts: float, zone: tzinfo, minutes: int = INTERVAL_MINUTES
) -> list[datetime]:
    """Every interval start from the one holding `first_ts` to the one holding `last_ts` (charts
    need the empty intervals too). Steps in UTC so a DST change neither repeats nor skips one."""
    if last_ts < first_ts:
        return []
    starts: list[datetime] = []
    current = interval_start(first_ts, zone, minutes)
    end = interval_start(last_ts, zone, minutes)
    while current.timestamp() <= end.timestamp():
        starts.append(current)
        current = interval_start(current.timestamp() + minutes * 60, zone, minutes)
    return starts


def longest_wait_s(join_times: Iterable[float], now: float) -> float | None:
    """now - join time of the oldest caller still waiting (METRICS.md: ticks every second)."""
    oldest = min(join_times, default=None)
    return None if oldest is None else max(0.0, now - oldest)
