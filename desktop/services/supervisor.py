"""`SupervisorBoard`: the live supervisor service. Events in (`feed`), snapshots out (a signal).

The desks layer connects the CTI stream a supervisor's desktop receives (queue, agent, call and
pbx events) to `feed()`, the bridge/API link state to `source_down()` / `source_up()`, and
each view (queue panel, agent grid, wallboard) to `add_view()`. A burst of events costs one
snapshot per `refresh_ms` (the UI never redraws per event), and a one-second tick keeps
"time in state" and "longest wait" moving when nothing happens.

Views get a snapshot one loop turn apart, in the order they were added: the first once the loop
has run after the snapshot's turn, each next one once it has run again (the previous view's
repaint and other timers included). All of it in one turn (snapshot, panel, grid, wallboard,
then their repaints and the charts' scene update) was the supervisor bench's busiest frame,
~30 ms of UI thread; split, no turn holds more than the snapshot or one view's update and
repaint. `snapshot_ready` is still emitted at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from calldesk_domain.agent_metrics import AgentInterval
from calldesk_domain.board import AgentDay, BoardSnapshot
from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S, QueueCall
from desktop.cti.events import CtiEvent
from desktop.services.supervisor_model import SupervisorModel

log = logging.getLogger(__name__)

REFRESH_MS = 250
TICK_MS = 1000
TICK_PHASE_S = 0.125  # where in each second of the monotonic clock the tick falls (see start())


class _View(QObject):
    show = Signal(object)  # BoardSnapshot, to one view


class SupervisorBoard(QObject):
    snapshot_ready = Signal(object)  # BoardSnapshot
    stale_changed = Signal(object)  # float | None: stale since (epoch s), None when live again

    def __init__(
        self,
        zone: tzinfo,
        sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S,
        teams: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        refresh_ms: int = REFRESH_MS,
        tick_ms: int = TICK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = SupervisorModel(zone, sl_threshold_s, teams)
        self._clock = clock
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(refresh_ms)
        self._pending.timeout.connect(self.refresh)
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)  # keeps the phase start() gives it
        self._tick.timeout.connect(self.refresh)
        self._tick_phase = QTimer(self)
        self._tick_phase.setSingleShot(True)
        self._tick_phase.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick_phase.timeout.connect(self._tick.start)
        self._stale: float | None = None
        self.last_snapshot: BoardSnapshot | None = None
        self.bad_events = 0
        self._views: list[tuple[Callable[[BoardSnapshot], object], _View]] = []
        self._next_view = 0  # the view the pending turn hands `last_snapshot` to
        self._view_turn = QTimer(self)
        self._view_turn.setSingleShot(True)
        self._view_turn.setInterval(0)
        self._view_turn.timeout.connect(self._show_next)

    def start(self) -> None:
        # Qt moves coarse timers (the default) onto preferred fractions of the monotonic clock's
        # seconds, .0 first, then .5, .25/.75, .2/.4/.6/.8...: the Qt-thread collector, the desk's
        # link poll and the wallboard's cycle end up firing in one loop pass. The tick, the
        # board's largest slice, is a precise timer at .125, a fraction they do not settle on.
        self._tick.stop()
        self._tick_phase.start(round((TICK_PHASE_S - time.monotonic()) % 1.0 * 1000))
        self.refresh()

    def stop(self) -> None:
        self._tick_phase.stop()
        self._tick.stop()
        self._pending.stop()
        self._view_turn.stop()

    def add_view(self, show: Callable[[BoardSnapshot], object]) -> None:
        """`show(snapshot)` for every snapshot from now on, one loop turn after the view added
        before it (the first: one turn after the snapshot; see the module's docstring); the last
        snapshot at once if there is one."""
        view = _View(self)
        view.show.connect(show)  # a signal: Qt forgets a widget's slot when the widget is deleted
        self._views.append((show, view))
        if self.last_snapshot is not None:
            view.show.emit(self.last_snapshot)

    def remove_view(self, show: Callable[[BoardSnapshot], object]) -> None:
        for position, (added, view) in enumerate(self._views):
            if added == show:
                del self._views[position]
                view.show.disconnect()
                view.deleteLater()
                if position < self._next_view:
                    self._next_view -= 1
                return

    def feed(self, event: CtiEvent) -> None:
        """One normalised event. A bad one is logged and counted, never raised into the caller."""
        try:
            changed = self.model.apply(event)
        except Exception:  # a hostile or malformed event must not stop the board
            self.bad_events += 1
            log.exception(
                "supervisor board: event %r could not be applied", getattr(event, "wire_type", event)
            )
            return
        if changed and not self._pending.isActive():
            self._pending.start()

    def feed_many(self, events: Iterable[CtiEvent]) -> None:
        for event in events:
            self.feed(event)

    def seed(self, calls: Iterable[QueueCall]) -> int:
        """Today's calls from the central history (see SupervisorModel.seed); shown at once."""
        added = self.model.seed(calls)
        self.refresh()
        return added

    def seed_agents(self, entries: Iterable[tuple[AgentInterval, str | None]]) -> int:
        """Today's agent intervals from the central history (SupervisorModel.seed_agents)."""
        added = self.model.seed_agents(entries, self._clock())
        self.refresh()
        return added

    def finished_calls(self) -> list[QueueCall]:
        return self.model.finished_calls()

    def source_down(self, detail: str = "") -> None:
        self.model.source_down(self._clock(), detail)
        self.refresh()

    def source_up(self) -> None:
        self.model.source_up(self._clock())
        self.refresh()

    def agent_day(self, agent: str) -> AgentDay:
        return self.model.agent_day(agent, self._clock())

    def refresh(self) -> BoardSnapshot:
        self._pending.stop()
        snapshot = self.model.snapshot(self._clock())
        self.last_snapshot = snapshot
        if snapshot.stale_since != self._stale:
            self._stale = snapshot.stale_since
            self.stale_changed.emit(snapshot.stale_since)
        self.snapshot_ready.emit(snapshot)
        # a hand-over under way that has not reached every view yet: the ones it did not reach
        # get this newer snapshot, and the ones it did get it again from the first view on
        self._next_view = 0
        if self._views:
            self._view_turn.start()
        return snapshot

    def _show_next(self) -> None:
        snapshot = self.last_snapshot
        if snapshot is None or self._next_view >= len(self._views):
            return
        view = self._views[self._next_view][1]
        self._next_view += 1
        try:
            view.show.emit(snapshot)
        finally:
            # started once the view is done: a timer that fell due meanwhile (the bench's lag
            # meter, input's, the collector's) comes first; started before, the next view would
            if self._next_view < len(self._views) and not self._view_turn.isActive():
                self._view_turn.start()
