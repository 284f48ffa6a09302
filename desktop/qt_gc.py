"""Run Python's garbage collector on the Qt thread only.

A cycle holding a Qt object can be collected by whichever thread triggers the collector: the
sync worker, the uvicorn thread of the demo, httpx's threads. Destroying a QObject (and its
timers) off the Qt thread corrupts Qt's timer lists and crashes the process later
(segfaults in QTimerInfoList::activateTimers were seen in the sync tests). Anki handles the same
hazard the same way: automatic collection off, a QTimer collecting on the GUI thread.
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

from desktop.services import heap

log = logging.getLogger(__name__)

_INTERVAL_MS = 1000


class QtThreadCollector(QObject):
    """Disables automatic GC and collects from a QTimer; `stop()` restores the previous state."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = _INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
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
        found = gc.collect(generation)
        if generation == 2 and heap.is_settled():
            # What survived a full collection is the day's data (calls, intervals, agent states,
            # cached records) and lives on: settle it too, so the next full collection walks
            # only what was made since the last one instead of everything since start-up (a
            # supervisor's heap grows ~1.3 objects per CTI event: 180 ms per collection after an
            # hour at 50 events/s, growing all day; bench/bench_supervisor.py --explain).
            heap.settle_survivors()
        return found

    def settle(self) -> None:
        """Call once the window is up: what is alive now (modules, Qt wrappers, pinyin and phone
        tables) lives as long as the app, so it is moved out of reach of later full collections,
        which then walk only what was made since. A full collection over the start-up heap took
        tens of milliseconds: long enough to delay a screen pop by a frame or more."""
        heap.settle()

    def stop(self) -> None:
        self._timer.stop()
        heap.unsettle()
        gc.collect()
        if self._was_enabled:
            gc.enable()
