"""Run Python's garbage collector on the Qt thread only.

A cycle holding a Qt object can be collected by whichever thread triggers the collector: the
sync worker, the uvicorn thread of the demo, httpx's threads. Destroying a QObject (and its
timers) off the Qt thread corrupts Qt's timer lists and crashes the process later
(segfaults in QTimerInfoList::activateTimers were seen in the sync tests). Anki handles the same
hazard the same way: automatic collection off, a QTimer collecting on the GUI thread.

Once the app has settled its start-up heap, what survives each full collection is settled too
(desktop/services/heap.py): a full collection then walks only what was made since the previous
one, not the whole day's data. The price: a reference cycle that was alive at a settle and is
dropped later is not collected by the next full collections. Once a day, at the first full
collection from `DEEP_HOUR` local time on (a call centre's quietest hour, and a supervisor's
figures were reset at midnight), the settled heap is given back and collected in full, so such
garbage lives a day at most.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QObject, QTimer

from desktop.services import heap

log = logging.getLogger(__name__)

_INTERVAL_MS = 1000
DEEP_HOUR = 3


class QtThreadCollector(QObject):
    """Disables automatic GC and collects from a QTimer; `stop()` restores the previous state."""

    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = _INTERVAL_MS,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._clock = clock  # local wall clock: when the daily full collection is due
        self._deep_done: date | None = None  # the day of the last full collection of the whole heap
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def collect(self) -> int:
        # young generations are cheap and run each tick; a full collection only when the
        # oldest generation's threshold says it is due, as CPython itself would
        _threshold0, threshold1, threshold2 = gc.get_threshold()
        _count0, count1, count2 = gc.get_count()
        if count2 >= threshold2:
            generation = 2
        elif count1 >= threshold1:
            generation = 1
        else:
            generation = 0
        if generation == 2 and heap.is_settled() and self._deep_due():
            return self._collect_whole_heap()
        found = gc.collect(generation)
        if generation == 2 and heap.is_settled():
            # What survived a full collection is the day's data (calls, intervals, agent states,
            # cached records) and lives on: settle it too, so the next full collection walks
            # only what was made since the last one instead of everything since start-up (a
            # supervisor's heap grows ~1.3 objects per CTI event: 100-170 ms of UI thread
            # per collection after an hour at 50 events/s, growing all day; bench_supervisor
            # --explain, docs/supervisor.md).
            heap.settle_survivors()
        return found

    def _deep_due(self) -> bool:
        now = self._clock()
        if self._deep_done is None:  # the heap was settled without settle(): count from now
            self._plan_deep(now)
        return now.hour >= DEEP_HOUR and self._deep_done != now.date()

    def _plan_deep(self, now: datetime) -> None:
        """The first daily full collection of the whole heap: the next DEEP_HOUR, not at once."""
        self._deep_done = now.date() if now.hour >= DEEP_HOUR else now.date() - timedelta(days=1)

    def _collect_whole_heap(self) -> int:
        self._deep_done = self._clock().date()
        heap.unsettle()
        found = heap.settle()
        log.info("daily full collection of the settled heap: %d unreachable objects", found)
        return found

    def settle(self) -> None:
        """Call once the window is up: what is alive now (modules, Qt wrappers, pinyin and phone
        tables) lives as long as the app, so it is moved out of reach of later full collections,
        which then walk only what was made since. A full collection over the start-up heap took
        tens of milliseconds: long enough to delay a screen pop by a frame or more."""
        heap.settle()
        self._plan_deep(self._clock())

    def stop(self) -> None:
        self._timer.stop()
        heap.unsettle()
        gc.collect()
        if self._was_enabled:
            gc.enable()
