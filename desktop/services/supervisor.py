"""`SupervisorBoard`: the live supervisor service. Events in (`feed`), snapshots out (a signal).

The desks layer connects the CTI stream a supervisor's desktop receives (queue, agent, call and
pbx events) to `feed()`, the bridge/API link state to `source_down()` / `source_up()`, and
`snapshot_ready` to the queue panel, agent grid and wallboard. A burst of events costs one
snapshot per `refresh_ms` (the UI never redraws per event), and a one-second tick keeps
"time in state" and "longest wait" moving when nothing happens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo

from PySide6.QtCore import QObject, QTimer, Signal

from calldesk_domain.agent_metrics import AgentInterval
from calldesk_domain.board import AgentDay, BoardSnapshot
from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S, QueueCall
from desktop.cti.events import CtiEvent
from desktop.services.supervisor_model import SupervisorModel

log = logging.getLogger(__name__)

REFRESH_MS = 250
TICK_MS = 1000


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
        self._tick.timeout.connect(self.refresh)
        self._stale: float | None = None
        self.last_snapshot: BoardSnapshot | None = None
        self.bad_events = 0

    def start(self) -> None:
        self._tick.start()
        self.refresh()

    def stop(self) -> None:
        self._tick.stop()
        self._pending.stop()

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
        return snapshot
