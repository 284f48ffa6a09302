"""AgentSession follows a real ScreenPopService over a real cache: the signals say what changed
(ring, answer, hold, end, a customer linked), and connectivity, links and counts are its own."""

from __future__ import annotations

import time

import pytest

from desktop.cache.store import CacheStore
from desktop.cti.events import CallEvent, CallEventKind
from desktop.desks.session import AgentSession, CallInfo, LinkState
from desktop.services.customers import customer_record, validate_new_customer
from desktop.services.lookup import LookupService
from desktop.services.screenpop import ScreenPopService

KNOWN = "+8613812345678"


@pytest.fixture
def wired(tmp_path):
    store = CacheStore(tmp_path / "cache.sqlite3")
    record = customer_record(validate_new_customer("王秀英", KNOWN))
    store.write_local("customer", record)
    screenpop = ScreenPopService(LookupService(store, None), "1001")
    session = AgentSession("1001")
    session.follow(screenpop)
    yield session, screenpop, record["id"]
    store.close()


def _event(kind: CallEventKind, call_id: str, caller: str | None = KNOWN, **extra) -> CallEvent:
    return CallEvent(kind, call_id, time.time(), caller=caller, agent="1001", dnis="4008123456", extra=extra)


def _record(session: AgentSession) -> list[tuple]:
    seen: list[tuple] = []
    session.callRinging.connect(lambda c: seen.append(("ringing", c)))
    session.callAnswered.connect(lambda c: seen.append(("answered", c)))
    session.callUpdated.connect(lambda c, e: seen.append(("updated", c)))
    session.callEnded.connect(lambda c, e: seen.append(("ended", c)))
    session.currentCallChanged.connect(lambda call_id: seen.append(("current", call_id)))
    return seen


def test_ring_answer_hold_end_each_say_what_changed(wired):
    session, screenpop, customer_id = wired
    seen = _record(session)
    screenpop.handle_event(_event(CallEventKind.RINGING, "c1"))
    assert [s[0] for s in seen] == ["current", "ringing"]
    ringing: CallInfo = seen[1][1]
    assert (ringing.customer_id, ringing.customer_name, ringing.e164) == (customer_id, "王秀英", KNOWN)
    assert session.ringing_call_id == "c1" == session.current_call_id
    assert session.calls() == [ringing]

    answered_at = time.time()
    screenpop.handle_event(CallEvent(CallEventKind.ANSWERED, "c1", answered_at, caller=KNOWN, agent="1001"))
    assert seen[-1][0] == "answered" and seen[-1][1].answered_at == answered_at
    assert session.ringing_call_id == "" and session.current_call_id == "c1"

    screenpop.handle_event(_event(CallEventKind.HELD, "c1"))
    assert seen[-1][0] == "updated" and seen[-1][1].state == "held"

    screenpop.handle_event(_event(CallEventKind.ENDED, "c1", outcome="answered"))
    kind, ended = seen[-1]
    assert kind == "ended" and ended.state == "ended"
    assert (ended.customer_id, ended.answered_at) == (customer_id, answered_at)
    assert session.calls() == []
    # the last call stays current: a ticket opened after the call still links to it and its customer
    assert session.current_call_id == "c1" and session.customer_of("c1") == customer_id


def test_a_call_of_another_agent_changes_nothing(wired):
    session, screenpop, _customer_id = wired
    seen = _record(session)
    screenpop.handle_event(
        CallEvent(CallEventKind.RINGING, "x9", time.time(), caller=KNOWN, agent="2002")
    )
    assert seen == [] and session.calls() == [] and session.ringing_call_id == ""


def test_withheld_and_unknown_callers_and_a_customer_linked_later(wired):
    session, screenpop, _customer_id = wired
    linked: list[CallInfo] = []
    session.customerLinked.connect(linked.append)
    screenpop.handle_event(_event(CallEventKind.RINGING, "w1", caller=None))
    assert session.call("w1") is not None and session.call("w1").withheld
    screenpop.handle_event(_event(CallEventKind.RINGING, "u1", caller="+8613900001111"))
    unknown = session.call("u1")
    assert unknown is not None and unknown.customer_id is None and session.current_call_id == "u1"
    session.link_customer("u1", "C-NEW", "新客户")
    assert linked[-1].customer_id == "C-NEW" and session.customer_of("u1") == "C-NEW"
    session.link_customer("u1", "C-OTHER", "别人")  # a call keeps the customer it has
    assert session.customer_of("u1") == "C-NEW" and len(linked) == 1


def test_an_end_without_a_ring_still_ends_once(wired):
    session, screenpop, _customer_id = wired
    seen = _record(session)
    screenpop.handle_event(_event(CallEventKind.ENDED, "never-rang"))
    assert [s[0] for s in seen] == ["ended"] and seen[0][1].e164 == KNOWN


def test_connectivity_links_and_counts_are_the_sessions(qtbot):
    session = AgentSession("1001")
    states: list[str] = []
    links: list[LinkState] = []
    counts: list[tuple[str, int]] = []
    session.connectivityChanged.connect(states.append)
    session.pbxLinkChanged.connect(links.append)
    session.ctiListenerChanged.connect(links.append)
    session.outboxCountChanged.connect(lambda n: counts.append(("outbox", n)))
    session.conflictCountChanged.connect(lambda n: counts.append(("conflicts", n)))
    assert session.connectivity == "offline" and not session.online and session.last_sync_at is None
    session.set_connectivity("syncing")
    assert session.online and session.last_sync_at is None
    session.set_connectivity("online")
    assert session.last_sync_at is not None
    session.set_connectivity("bogus")  # anything else is offline, never a crash
    assert states == ["syncing", "online", "offline"] and session.connectivity == "offline"

    assert session.pbx_connected is None  # until a source says
    session.set_cti_listener(True, "127.0.0.1:7390")
    session.set_pbx_link(False, "AMI login failed")
    assert links == [LinkState(True, "127.0.0.1:7390"), LinkState(False, "AMI login failed")]
    assert session.pbx_connected is False and session.cti_listener.up is True

    session.set_outbox_count(3)
    session.set_conflict_count(-1)  # clamped
    assert counts == [("outbox", 3), ("conflicts", 0)]
    assert (session.outbox_count, session.conflict_count) == (3, 0)

    session.set_agent_state("lunch")
    assert session.agent_state == "lunch"
