"""AgentSession: the one owner of what this agent's desktop knows about its session right now.

The current call(s), the agent's Ready / Not ready state, the central server connection
(online / offline / syncing, the last pull that went through), the CTI socket and the PBX link
behind it, and the outbox and conflict counts. Desks write it through the `note_*` / `set_*`
methods; anyone who needs a value reads it here or follows the signal that says what changed.
Nobody reads state back from a widget.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from desktop.cti.events import CallEvent, CallEventKind
from desktop.services.screenpop import Pop, ScreenPopService

CONNECTIVITY_STATES = ("online", "offline", "syncing")


def first_state(direction: str) -> str:
    """A new call rings here (inbound: the agent may answer) or at the far end (outbound)."""
    return "outbound_ringing" if direction == "outbound" else "ringing"


@dataclass(frozen=True, slots=True)
class CallInfo:
    """One call of this agent as the session knows it."""

    call_id: str
    e164: str | None = None  # the caller's number as matched (None: withheld or not a number)
    raw_caller: str | None = None  # as the CTI sent it
    withheld: bool = False
    customer_id: str | None = None
    customer_name: str | None = None
    dnis: str | None = None
    queue: str | None = None
    answered_at: float | None = None  # CTI timestamp (epoch seconds) of call.answered
    state: str = "ringing"  # ringing | outbound_ringing | answered | held | ended (the last CTI event)
    direction: str = "inbound"  # "outbound": the agent dialled; it rings at the far end


@dataclass(frozen=True, slots=True)
class LinkState:
    """The CTI socket (`up`: listening) or the PBX behind the CTI source (`up`: connected)."""

    up: bool | None  # None until known
    detail: str = ""


class AgentSession(QObject):
    """Signals say what changed; the values are on the session."""

    callRinging = Signal(object)  # CallInfo: a call popped (again, when an online lookup found the caller)
    callAnswered = Signal(object)  # CallInfo
    callUpdated = Signal(object, object)  # CallInfo, CallEvent: held / transferred / other
    callEnded = Signal(object, object)  # CallInfo (the call as it was), CallEvent (call.ended)
    currentCallChanged = Signal(str)  # call id ("" none yet)
    customerLinked = Signal(object)  # CallInfo, after a customer was attached to its call
    agentStateChanged = Signal(str)  # "ready" or the pause reason
    connectivityChanged = Signal(str)  # online | offline | syncing
    ctiListenerChanged = Signal(object)  # LinkState of the local CTI socket
    pbxLinkChanged = Signal(object)  # LinkState of the PBX behind the CTI source
    outboxCountChanged = Signal(int)
    conflictCountChanged = Signal(int)

    def __init__(self, agent_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.agent_id = agent_id
        self._calls: dict[str, CallInfo] = {}
        self._ended: dict[str, str] = {}  # call id -> customer id of the last few ended calls
        self._ringing = ""
        self._current = ""
        self._agent_state = ""
        self._connectivity = "offline"
        self.last_sync_at: datetime | None = None  # last pull or cycle that went through
        self._cti = LinkState(None)
        self._pbx = LinkState(None)
        self._outbox = 0
        self._conflicts = 0

    def follow(self, screenpop: ScreenPopService) -> None:
        """Learn of this agent's calls from the screen pop. Call it before any desk connects to
        the screen pop, so the session knows a call before a desk paints or logs it."""
        screenpop.popped.connect(self.note_pop)
        screenpop.callUpdated.connect(self.note_call_event)

    # -- calls -------------------------------------------------------------------------------
    @property
    def ringing_call_id(self) -> str:
        """The call the agent can answer ("" when none rings)."""
        return self._ringing

    @property
    def current_call_id(self) -> str:
        """The call in progress, else the last one (tickets and contacts link to it)."""
        return self._current

    def call(self, call_id: str) -> CallInfo | None:
        return self._calls.get(call_id)

    def calls(self) -> list[CallInfo]:
        """Calls that popped and have not ended, oldest first."""
        return list(self._calls.values())

    def customer_of(self, call_id: str) -> str:
        call = self._calls.get(call_id)
        return (call.customer_id or "") if call is not None else self._ended.get(call_id, "")

    def note_pop(self, pop: Pop) -> None:
        """ScreenPopService.popped: a call rings here (or the same call was matched again)."""
        if not pop.call_id:
            return
        match = pop.match
        name = match.cards[0].name if match.kind == "single" else None
        known = self._calls.get(pop.call_id)
        info = CallInfo(
            pop.call_id,
            e164=match.e164,
            raw_caller=pop.raw_caller,
            withheld=match.kind == "withheld",
            customer_id=pop.customer_id,
            customer_name=name,
            dnis=pop.dnis,
            queue=pop.queue,
            answered_at=known.answered_at if known is not None else None,
            state=known.state if known is not None else first_state(pop.direction),
            direction=pop.direction,
        )
        self._calls[pop.call_id] = info
        if info.state == "ringing":
            self._ringing = pop.call_id
        self._set_current(pop.call_id)
        self.callRinging.emit(info)

    def note_call_event(self, event: CallEvent) -> None:
        """ScreenPopService.callUpdated: this agent's call was answered, held, ended…"""
        known = self._calls.get(event.call_id)
        if event.kind is CallEventKind.ENDED:
            info = self._calls.pop(event.call_id, None) or CallInfo(event.call_id, e164=event.caller)
            if info.customer_id:
                self._remember_ended(info)
            if self._ringing == event.call_id:
                self._ringing = ""
            self.callEnded.emit(replace(info, state="ended"), event)
            return
        info = known or CallInfo(event.call_id, e164=event.caller)
        if event.kind is CallEventKind.ANSWERED:
            info = replace(info, state="answered", answered_at=info.answered_at or event.ts)
            self._calls[event.call_id] = info
            if self._ringing == event.call_id:
                self._ringing = ""
            self._set_current(event.call_id)
            self.callAnswered.emit(info)
            return
        if known is not None:
            info = replace(info, state=event.kind.value)
            self._calls[event.call_id] = info
        self.callUpdated.emit(info, event)

    def link_customer(self, call_id: str, customer_id: str, name: str) -> None:
        """A customer created at the desk is the caller of `call_id` (when it had none)."""
        call = self._calls.get(call_id)
        if call is None or call.customer_id is not None:
            return
        linked = replace(call, customer_id=customer_id, customer_name=name)
        self._calls[call_id] = linked
        self.customerLinked.emit(linked)

    def _set_current(self, call_id: str) -> None:
        if call_id != self._current:
            self._current = call_id
            self.currentCallChanged.emit(call_id)

    def _remember_ended(self, info: CallInfo) -> None:
        """A ticket opened after the call ended still links to its customer (the last few calls)."""
        self._ended[info.call_id] = info.customer_id or ""
        while len(self._ended) > 32:
            self._ended.pop(next(iter(self._ended)))

    # -- agent state ---------------------------------------------------------------------------
    @property
    def agent_state(self) -> str:
        """"ready", a pause reason, or "" until the agent or the PBX said."""
        return self._agent_state

    def set_agent_state(self, state: str) -> None:
        self._agent_state = state
        # emitted even when unchanged: a refused pick in the box is shown back as it is
        self.agentStateChanged.emit(state)

    # -- central server ------------------------------------------------------------------------
    @property
    def connectivity(self) -> str:
        return self._connectivity

    @property
    def online(self) -> bool:
        """Not known to be offline (syncing counts as online)."""
        return self._connectivity != "offline"

    def set_connectivity(self, state: str) -> None:
        state = state if state in CONNECTIVITY_STATES else "offline"
        if state == "online":
            self.last_sync_at = datetime.now(UTC)
        if state != self._connectivity:
            self._connectivity = state
        # emitted even when unchanged: the status bar re-renders, as it did when set directly
        self.connectivityChanged.emit(state)

    # -- telephony links -----------------------------------------------------------------------
    @property
    def cti_listener(self) -> LinkState:
        return self._cti

    @property
    def pbx_link(self) -> LinkState:
        return self._pbx

    @property
    def pbx_connected(self) -> bool | None:
        """None until a CTI source reports its PBX link."""
        return self._pbx.up

    def set_cti_listener(self, up: bool, detail: str) -> None:
        self._cti = LinkState(up, detail)
        self.ctiListenerChanged.emit(self._cti)

    def set_pbx_link(self, up: bool, detail: str) -> None:
        self._pbx = LinkState(up, detail)
        self.pbxLinkChanged.emit(self._pbx)

    # -- outbox and conflicts ------------------------------------------------------------------
    @property
    def outbox_count(self) -> int:
        return self._outbox

    @property
    def conflict_count(self) -> int:
        return self._conflicts

    def set_outbox_count(self, count: int) -> None:
        self._outbox = max(int(count), 0)
        self.outboxCountChanged.emit(self._outbox)

    def set_conflict_count(self, count: int) -> None:
        self._conflicts = max(int(count), 0)
        self.conflictCountChanged.emit(self._conflicts)
