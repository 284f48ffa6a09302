"""Caller ids come from the PBX: whatever arrives, the pop paints a page and never raises; any
written form of a customer's number pops that customer. Real widgets over a real cache file."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calldesk_domain.models import Phone
from desktop.cache.store import CacheStore
from desktop.config import Settings
from desktop.cti.events import CallEvent, CallEventKind
from desktop.desks.customer_desk import CustomerDesk
from desktop.desks.session import AgentSession
from desktop.services.customers import CustomerService
from desktop.services.lookup import LookupService
from desktop.services.screenpop import ScreenPopService
from desktop.views.main_window import MainWindow
from desktop.views.sample_data import sample_detail

MOBILE = "+8613812345678"  # 王秀英's mobile in sample_detail
LANDLINE = "+861062345678"
PAGES = {"card", "matches", "new_caller", "withheld"}


@pytest.fixture
def world(qtbot, tmp_path):
    store = CacheStore(tmp_path / "cache.sqlite3")
    detail = sample_detail("C1")
    customer = dataclasses.replace(
        detail.customer, phones=[Phone(MOBILE, "mobile", ""), Phone(LANDLINE, "landline", "")]
    )
    store.store_detail(dataclasses.replace(detail, customer=customer))
    lookup = LookupService(store, None)
    screenpop = ScreenPopService(lookup, None)
    window = MainWindow()
    qtbot.addWidget(window)
    session = AgentSession("1001")
    session.follow(screenpop)
    settings = Settings(dnis_names={"4008123456": "热线"})
    controller = CustomerDesk(window, screenpop, lookup, settings, "agent", session, CustomerService(store))
    window.show()
    yield screenpop, window, controller
    store.close()


def _ring(screenpop: ScreenPopService, caller, dnis=None, queue=None):
    return screenpop.pop(CallEvent(CallEventKind.RINGING, "f-1", 0.0, caller, dnis=dnis, queue=queue))


def test_any_caller_id_dnis_and_queue_paint_a_page(world):
    screenpop, window, _controller = world

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        caller=st.one_of(
            st.none(), st.text(max_size=40), st.from_regex(r"[+0-9 ()\-]{0,24}", fullmatch=True)
        ),
        dnis=st.one_of(st.none(), st.text(max_size=30)),
        queue=st.one_of(st.none(), st.text(max_size=30)),
    )
    def check(caller, dnis, queue):
        pop = _ring(screenpop, caller, dnis, queue)
        assert window.card.page() in PAGES
        assert window.card.current_customer_id() == pop.customer_id
        if pop.match.kind == "withheld":
            assert window.card.page() == "withheld"
        assert window.call_bar.in_call()

    check()


@st.composite
def written_forms(draw, e164: str) -> str:
    """How people and PBXs write a Chinese number: +86 / 0086 / 86 / trunk 0, spaces, dashes, brackets."""
    national = e164[3:]
    if national.startswith("1") and not national.startswith("10"):
        body = national
        prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "86", "+86-"]))
    else:
        body = "0" + national
        prefix = ""
        if draw(st.booleans()):
            prefix, body = draw(st.sampled_from(["+86 ", "0086", "+86-"])), national
    if body.startswith("010"):
        separator = draw(st.sampled_from(["", " ", "-", ")"]))
        body = ("(" if separator == ")" else "") + body[:3] + separator + body[3:]
    else:
        cuts = sorted(draw(st.lists(st.integers(1, len(body) - 1), max_size=3, unique=True)))
        sep = draw(st.sampled_from([" ", "-"]))
        parts, last = [], 0
        for cut in cuts:
            parts.append(body[last:cut])
            last = cut
        body = sep.join([*parts, body[last:]])
    return prefix + body


def test_any_written_form_of_the_number_pops_the_customer(world):
    screenpop, window, _controller = world

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.one_of(written_forms(MOBILE), written_forms(LANDLINE)))
    def check(caller):
        window.card.show_empty()
        pop = _ring(screenpop, caller)
        assert pop.match.kind == "single", caller
        assert window.card.current_customer_id() == "C1"
        assert window.card.orders_count() == 12  # the cached detail painted with the header

    check()


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=80), phone=st.text(max_size=30))
def test_new_customer_form_input_is_cleaned_or_refused_with_a_field(name, phone):
    from calldesk_domain.phone import normalize
    from desktop.services.customers import MAX_NAME, CustomerFormError, validate_new_customer

    try:
        new = validate_new_customer(name, phone)
    except CustomerFormError as exc:
        assert exc.field in ("name", "phone")
        assert exc.code in ("name_missing", "name_too_long", "phone_invalid")
        return
    assert new.name == " ".join(name.split()) and 0 < len(new.name) <= MAX_NAME
    assert new.e164 == normalize(phone)
