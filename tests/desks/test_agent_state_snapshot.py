"""After `core restart now` on the real Asterisk 22 lab the PBX forgot 1001's "lunch" pause; the
re-sync's QueueStatus listed 1001 with `Paused: 0` (an AgentEvent of kind STATE, a snapshot), and
the desktop's state box kept showing "lunch" because it followed only `agent.pause` events."""

from __future__ import annotations

from typing import Any

from desktop.cti.events import AgentEvent, AgentEventKind
from desktop.desks.agent_desk import AgentDesk
from desktop.desks.session import AgentSession
from desktop.views.main_window import MainWindow


def _desk(qtbot: Any) -> tuple[AgentDesk, AgentSession]:
    window = MainWindow()
    qtbot.addWidget(window)
    session = AgentSession("1001")
    desk = AgentDesk(window, session, lambda: True, lambda: None, lambda *a, **k: None)
    return desk, session


def test_a_snapshot_unpaused_member_clears_a_forgotten_pause(qtbot: Any) -> None:
    desk, session = _desk(qtbot)
    desk.on_agent_event(AgentEvent(AgentEventKind.PAUSE, "1001", 1.0, paused=True, reason="lunch"))
    assert session.agent_state == "lunch"
    snapshot = AgentEvent(
        AgentEventKind.STATE, "1001", 2.0, queue="sales", paused=False, extra={"snapshot": True}
    )
    desk.on_agent_event(snapshot)
    assert session.agent_state == ""  # Ready, as the restarted PBX says


def test_a_state_without_pause_news_or_another_agent_changes_nothing(qtbot: Any) -> None:
    desk, session = _desk(qtbot)
    desk.on_agent_event(AgentEvent(AgentEventKind.PAUSE, "1001", 1.0, paused=True, reason="lunch"))
    desk.on_agent_event(AgentEvent(AgentEventKind.STATE, "1001", 2.0, state="busy"))  # paused unknown
    desk.on_agent_event(AgentEvent(AgentEventKind.STATE, "1002", 3.0, paused=False))
    desk.on_agent_event(AgentEvent(AgentEventKind.REMOVED, "1001", 4.0, paused=False))
    assert session.agent_state == "lunch"
