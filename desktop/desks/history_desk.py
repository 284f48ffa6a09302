"""The history desk (issue #14): this agent's state intervals and finished calls, recorded as they
happen and reloaded on start, so "how long was I on break today" and Calls today survive a restart.

State follows what the telephone system reports, never a click: `agent.pause` for this agent gives
Ready, Not ready with its reason, or wrap-up (the `acw` pause the calls desk asks for); an answered
call of this agent is Talking with its call id, and its end returns to the last paused/ready state
the PBX reported (the wrap-up pause follows it). `agent.state` logged_out is Logged out. Each
change is stored on the cache worker and the closed interval queued for the central API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject

from calldesk_domain.agent_intervals import AgentState
from calldesk_domain.agent_metrics import is_wrap_reason
from desktop.cti.events import AgentEvent, AgentEventKind, CallEvent
from desktop.desks.session import AgentSession, CallInfo
from desktop.services.agent_history import AgentHistory, TodayCall
from desktop.services.ops import CacheUnavailable
from desktop.services.tasks import CacheWrites
from desktop.views.main_window import MainWindow

log = logging.getLogger(__name__)


class HistoryDesk(QObject):
    def __init__(
        self,
        window: MainWindow,
        session: AgentSession,
        history: AgentHistory,
        display_number: Callable[[str | None, str | None], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.session = session
        self.history = history
        self.display_number = display_number
        self._base: tuple[AgentState, str] | None = None  # the last paused/ready state the PBX reported
        self._last_call: str | None = None  # the answered call a wrap-up pause belongs to
        self.writes = CacheWrites("history", lambda message: window.show_banner(message, "error"))
        session.callAnswered.connect(self._on_call_answered)
        session.callEnded.connect(self._on_call_ended)

    async def start(self) -> None:
        """Today's intervals and calls back from the cache; the calls into Calls today."""
        try:
            calls = await self.history.load_today()
        except CacheUnavailable as exc:
            log.error("today's history not reloaded: %s", exc)
            self.window.show_banner(str(exc), "error")
            return
        current = self.history.log.current
        if current is not None and current.state is not AgentState.TALKING:
            self._base = (current.state, current.reason)
            self._last_call = current.call_id
        for call in calls:
            self.window.add_recent_call(
                call.call_id,
                call.caller,
                call.customer_name,
                call.ended_ts,
                call.outcome,
                customer_id=call.customer_id,
            )

    async def stop(self) -> None:
        """Let queued writes finish (briefly), then drop what is left."""
        await self.writes.flush()

    # -- the PBX's word on this agent ---------------------------------------------------------
    def on_agent_event(self, event: AgentEvent) -> None:
        if self.session.agent_id and event.agent != self.session.agent_id:
            return
        if event.kind is AgentEventKind.STATE and event.state == "logged_out":
            self._base = (AgentState.LOGGED_OUT, "")
            self._change(event.ts, AgentState.LOGGED_OUT)
            return
        if event.kind is not AgentEventKind.PAUSE or event.paused is None:
            return
        if not event.paused:
            self._base = (AgentState.READY, "")
        elif is_wrap_reason(event.reason):
            self._base = (AgentState.WRAPUP, "")
        else:
            self._base = (AgentState.NOT_READY, event.reason.strip()[:64])
        current = self.history.log.current
        if (
            current is not None
            and current.state is AgentState.TALKING
            and self._base[0] is AgentState.NOT_READY
        ):
            return  # a pause during a call takes effect when the call ends (the PBX rings no one)
        state, reason = self._base
        self._change(event.ts, state, reason, self._last_call if state is AgentState.WRAPUP else None)

    def _on_call_answered(self, info: CallInfo) -> None:
        self._change(info.answered_at or self.history.clock(), AgentState.TALKING, "", info.call_id)

    def _on_call_ended(self, info: CallInfo, event: CallEvent) -> None:
        current = self.history.log.current
        if info.answered_at is not None:
            self._last_call = info.call_id
        if current is not None and current.state is AgentState.TALKING and current.call_id == info.call_id:
            state, reason = self._base or (AgentState.READY, "")
            self._change(event.ts, state, reason, info.call_id if state is AgentState.WRAPUP else None)
        direction = str(event.extra.get("direction") or "inbound")
        call = TodayCall(
            call_id=info.call_id,
            ended_ts=event.ts,
            direction=direction if direction in ("inbound", "outbound") else "inbound",
            caller="" if info.withheld else self.display_number(info.e164, info.raw_caller),
            customer_id=info.customer_id,
            customer_name=info.customer_name,
            queue=info.queue,
            answered_ts=info.answered_at,
            outcome=str(event.extra.get("outcome") or "ended")[:24],
        )
        self.writes.spawn(self.history.record_call(call))

    def _change(self, at: float, state: AgentState, reason: str = "", call_id: str | None = None) -> None:
        try:
            change = self.history.change(at, state, reason, call_id)
        except ValueError as exc:  # an event time that is not a time
            log.warning("agent state change at %r not recorded: %s", at, exc)
            return
        if change is not None:
            self.writes.spawn(self.history.store(change))
