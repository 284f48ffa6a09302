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

from collections.abc import Iterable
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


@dataclass(frozen=True, slots=True)
class QueueTally:
    """Counts and sums behind the figures. Tallies add up (`a + b`), so a day's figures come from
    its intervals' tallies without going over every call again."""

    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    unanswered: int = 0
    given_up_in_sl: int = 0  # abandoned (short ones too) and unanswered within T: SL2's extra part
    answered_wait_sum: float = 0.0
    answered_waits: int = 0
    handled_sum: float = 0.0
    handled: int = 0
    max_wait_s: float | None = None

    def __add__(self, other: QueueTally) -> QueueTally:
        waits = [w for w in (self.max_wait_s, other.max_wait_s) if w is not None]
        return QueueTally(
            self.answered + other.answered,
            self.answered_in_sl + other.answered_in_sl,
            self.abandoned + other.abandoned,
            self.short_abandoned + other.short_abandoned,
            self.unanswered + other.unanswered,
            self.given_up_in_sl + other.given_up_in_sl,
            self.answered_wait_sum + other.answered_wait_sum,
            self.answered_waits + other.answered_waits,
            self.handled_sum + other.handled_sum,
            self.handled + other.handled,
            max(waits) if waits else None,
        )


def tally_calls(
    calls: Iterable[QueueCall],
    sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
    short_abandon_s: float | None = None,
) -> QueueTally:
    """Count a set of calls. Calls still in the queue (outcome None) count in nothing here: they
    are `calls_waiting` on the live panel."""
    answered = answered_in_sl = abandoned = short = unanswered = given_up_in_sl = 0
    wait_sum = handled_sum = 0.0
    waits_n = handled_n = 0
    longest: float | None = None
    for call in calls:
        outcome = call.outcome
        if outcome is None:
            continue
        wait = call.wait_s
        in_sl = in_service_level(wait, sl_threshold_s)
        if wait is not None and (longest is None or wait > longest):
            longest = wait
        if outcome is Outcome.ANSWERED:
            answered += 1
            answered_in_sl += in_sl
            if wait is not None:
                wait_sum += wait
                waits_n += 1
            if call.handle_s is not None:
                handled_sum += call.handle_s + call.wrap_s
                handled_n += 1
            continue
        given_up_in_sl += in_sl
        if outcome is Outcome.UNANSWERED:
            unanswered += 1
        elif is_short_abandon(call, short_abandon_s):
            short += 1
        else:
            abandoned += 1
    return QueueTally(
        answered, answered_in_sl, abandoned, short, unanswered, given_up_in_sl,
        wait_sum, waits_n, handled_sum, handled_n, longest,
    )  # fmt: skip


def figures_of(t: QueueTally) -> QueueFigures:
    """SL and SL2 are the PBX's and count every call it counted, short abandons included; the
    short-abandon threshold only takes those calls out of offered, abandoned and the abandon rate."""
    given_up = t.abandoned + t.short_abandoned + t.unanswered
    return QueueFigures(
        offered=t.answered + t.abandoned + t.unanswered,
        answered=t.answered,
        abandoned=t.abandoned,
        short_abandoned=t.short_abandoned,
        unanswered=t.unanswered,
        sl_pct=_pct(t.answered_in_sl, t.answered),
        sl2_pct=_pct(t.answered_in_sl + t.given_up_in_sl, t.answered + given_up),
        asa_s=None if t.answered_waits == 0 else t.answered_wait_sum / t.answered_waits,
        aht_s=None if t.handled == 0 else t.handled_sum / t.handled,
        abandon_rate_pct=_pct(t.abandoned, t.answered + t.abandoned),
        max_wait_s=t.max_wait_s,
    )


def queue_figures(
    calls: Iterable[QueueCall],
    sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
    short_abandon_s: float | None = None,
) -> QueueFigures:
    """The figures of a set of calls (one queue, one interval or a day)."""
    return figures_of(tally_calls(calls, sl_threshold_s, short_abandon_s))


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
