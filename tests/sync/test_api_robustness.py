"""CentralApi against a misbehaving server: 5xx, 429 + Retry-After, dropped connections, garbage.

httpx.MockTransport only injects the faults a real server rarely produces on demand; the client's
behaviour against the real central API is covered in test_api_client.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.services.api import ApiError, CentralApi

CUSTOMER = {"id": "C1", "name": "张三", "phones": [{"e164": "+8613800138000", "kind": "mobile", "label": ""}]}


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def make_api(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any
) -> tuple[CentralApi, Recorder]:
    recorder = Recorder()
    api = CentralApi(
        "http://central.invalid",
        token="t0",
        transport=httpx.MockTransport(handler),
        sleep=recorder.sleep,
        allow_insecure_http=True,  # an in-process mock transport: nothing crosses a network
        **kwargs,
    )
    return api, recorder


def lookup_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"phone": "+8613800138000", "matches": [CUSTOMER]})


async def test_5xx_is_retried_with_growing_backoff_then_succeeds() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503) if len(calls) < 3 else lookup_ok(request)

    api, recorder = make_api(handler, backoff_base=1.0)
    customers = await api.lookup("13800138000")
    await api.aclose()
    assert [c.id for c in customers] == ["C1"]
    assert len(calls) == 3
    assert len(recorder.sleeps) == 2
    assert 0.5 <= recorder.sleeps[0] <= 1.0  # base * 2^0 with jitter in [50%, 100%]
    assert 1.0 <= recorder.sleeps[1] <= 2.0


async def test_429_honours_retry_after_seconds_and_dates() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),  # in the past
            httpx.Response(429, headers={"Retry-After": "9999"}),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or lookup_ok(request)

    api, recorder = make_api(handler, retry_after_cap=30.0)
    await api.lookup("13800138000")
    await api.aclose()
    assert recorder.sleeps == [3.0, 0.0, 30.0]


async def test_a_shed_request_waits_the_servers_retry_after_and_ends_in_a_busy_message() -> None:
    """The central API's load shedding (central/admission.py) answers 503 `overloaded` with a
    Retry-After: that wait is taken instead of the client's own backoff, and when every retry is
    shed the agent reads that the server is busy and the work is kept, not that it failed."""
    from central.admission import AdmissionGate, AdmissionMiddleware

    async def full(scope, receive, send) -> None:  # never reached: the gate is full
        raise AssertionError("a shed request reached the app")

    gate = AdmissionGate(capacity=1, max_wait_s=0, max_queue=0)
    assert await gate.enter()  # the one slot is taken
    server = AdmissionMiddleware(full, gate)
    api = CentralApi(
        "http://central.invalid",
        token="t0",
        transport=httpx.ASGITransport(app=server),
        sleep=(recorder := Recorder()).sleep,
        allow_insecure_http=True,
        max_retries=2,
    )
    with pytest.raises(ApiError) as caught:
        await api.lookup("13800138000")
    await api.aclose()
    assert len(recorder.sleeps) == 2 and all(1.0 <= s <= 4.0 and s == int(s) for s in recorder.sleeps)
    assert (caught.value.status, caught.value.code) == (503, "overloaded")
    assert "busy" in caught.value.message and "locally" in caught.value.message
    assert "failed" not in caught.value.message
    assert gate.shed == 3


async def test_retries_are_bounded_and_end_in_a_clear_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(502, text="Bad Gateway")

    api, recorder = make_api(handler, max_retries=3)
    with pytest.raises(ApiError) as caught:
        await api.lookup("13800138000")
    await api.aclose()
    assert len(calls) == 4
    assert len(recorder.sleeps) == 3
    assert caught.value.status == 502
    assert "try again" in caught.value.message.lower()


async def test_connection_errors_become_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api, recorder = make_api(handler, max_retries=2)
    with pytest.raises(ApiError) as caught:
        await api.changes(0, 10)
    await api.aclose()
    assert caught.value.unreachable
    assert caught.value.status is None
    assert "central.invalid" in caught.value.message
    assert len(recorder.sleeps) == 2


async def test_401_calls_the_refresher_once_and_retries_with_the_new_token() -> None:
    seen_tokens = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_tokens.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") == "Bearer fresh":
            return lookup_ok(request)
        return httpx.Response(
            401, json={"error": {"code": "token_expired", "message": "expired", "field": None}}
        )

    refreshes = 0

    async def refresher() -> str:
        nonlocal refreshes
        refreshes += 1
        return "fresh"

    api, _ = make_api(handler, token_refresher=refresher)
    assert [c.id for c in await api.lookup("13800138000")] == ["C1"]
    assert refreshes == 1
    assert seen_tokens == ["Bearer t0", "Bearer fresh"]
    assert api.token == "fresh"
    await api.aclose()


async def test_401_after_refresh_is_an_unauthorized_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "no", "field": None}})

    refreshes = 0

    async def refresher() -> str:
        nonlocal refreshes
        refreshes += 1
        return "still-bad"

    api, _ = make_api(handler, token_refresher=refresher)
    with pytest.raises(ApiError) as caught:
        await api.search("张")
    await api.aclose()
    assert refreshes == 1
    assert caught.value.status == 401
    assert caught.value.code == "unauthorized"
    assert "sign in" in caught.value.message.lower()


async def test_server_error_body_is_carried_into_the_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "invalid_phone", "message": "号码无法识别", "field": "phone"}}
        return httpx.Response(422, json=body)

    api, _ = make_api(handler)
    with pytest.raises(ApiError) as caught:
        await api.lookup("abc")
    await api.aclose()
    assert (caught.value.status, caught.value.code, caught.value.field) == (422, "invalid_phone", "phone")
    assert caught.value.message == "号码无法识别"


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda api: api.lookup("1"), b"not json {"),
        (lambda api: api.lookup("1"), b"[1, 2]"),
        (lambda api: api.lookup("1"), b'{"matches": "C1"}'),
        (lambda api: api.lookup("1"), b'{"matches": [{"id": "C1"}]}'),
        (lambda api: api.lookup("1"), b'{"matches": [{"id": "C1", "name": "x", "phones": [{"kind": "m"}]}]}'),
        (lambda api: api.customer_detail("C1"), b'{"orders": []}'),
        (
            lambda api: api.customer_detail("C1"),
            json.dumps({"customer": CUSTOMER, "orders": [{"id": "O"}]}).encode(),
        ),
        (
            lambda api: api.customer_summary("C1"),
            json.dumps({"customer": CUSTOMER, "open_service": "2"}).encode(),
        ),
        (lambda api: api.changes(0, 10), b'{"changes": [], "next_since": "5", "has_more": false}'),
        (lambda api: api.changes(0, 10), b'{"changes": {}, "next_since": 5, "has_more": false}'),
        (lambda api: api.changes(9, 10), b'{"changes": [], "next_since": 5, "has_more": false}'),
        (lambda api: api.login("u", "p"), b'{"access_token": 5, "role": "agent", "agent_id": "1"}'),
        (lambda api: api.login("u", "p"), b'{"access_token": "t", "role": "emperor", "agent_id": "1"}'),
        (
            lambda api: api.login("u", "p"),
            b'{"access_token": "t", "role": "agent", "agent_id": "1", "expires_in": Infinity}',
        ),
        (
            lambda api: api.login("u", "p"),
            b'{"access_token": "t", "role": "agent", "agent_id": "1", "expires_in": NaN}',
        ),
        (
            lambda api: api.login("u", "p"),
            b'{"access_token": "t", "role": "agent", "agent_id": "1", "expires_in": 1e300}',
        ),
        (lambda api: api.login("u", "p"), b'{"access_token": "t", "role": "agent", "agent_id": true}'),
        (lambda api: api.health(), b'{"db": "sqlite"}'),
        (lambda api: api.search("x"), b'{"results": null}'),
        (lambda api: api.search("x"), "\udcff".encode("utf-8", "surrogatepass")),
    ],
)
async def test_malformed_answers_become_bad_response(call, body: bytes) -> None:
    api, _ = make_api(lambda request: httpx.Response(200, content=body))
    with pytest.raises(ApiError) as caught:
        await call(api)
    await api.aclose()
    assert caught.value.code == "bad_response"
    assert "cannot read" in caught.value.message


async def test_unknown_customer_is_none_not_an_error() -> None:
    api, _ = make_api(
        lambda request: httpx.Response(404, json={"error": {"code": "not_found", "message": "x"}})
    )
    assert await api.customer_detail("C404") is None
    assert await api.customer_summary("C404") is None
    await api.aclose()


async def test_ids_cannot_escape_their_path_segment() -> None:
    paths = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path)
        return httpx.Response(404)

    api, _ = make_api(handler)
    await api.customer_detail("../sync/changes?since=0")
    await api.aclose()
    assert paths == [b"/api/v1/customers/..%2Fsync%2Fchanges%3Fsince%3D0"]


json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
shaped_bodies = st.fixed_dictionaries(
    {},
    optional={
        "matches": json_bodies,
        "results": json_bodies,
        "customer": json_bodies | st.just(CUSTOMER),
        "orders": json_bodies,
        "changes": json_bodies,
        "next_since": json_bodies,
        "has_more": json_bodies,
        "remaining": json_bodies,
        "access_token": json_bodies,
        "role": json_bodies | st.just("agent"),
        "agent_id": json_bodies,
        "expires_in": json_bodies,
        "status": json_bodies,
        "error": json_bodies,
        "last_order": json_bodies,
        "open_service": json_bodies,
    },
)

CALLS = [
    lambda api: api.lookup("13800138000"),
    lambda api: api.customer_detail("C1"),
    lambda api: api.customer_summary("C1"),
    lambda api: api.search("张", 5),
    lambda api: api.changes(0, 100),
    lambda api: api.login("1001", "demo"),
    lambda api: api.health(),
]


@settings(max_examples=300, deadline=None)
@given(
    body=json_bodies | shaped_bodies,
    status=st.sampled_from([200, 200, 200, 201, 400, 401, 403, 404, 409, 422, 500, 503]),
    call=st.sampled_from(CALLS),
)
def test_random_json_bodies_only_ever_raise_api_error(body: Any, status: int, call) -> None:
    # NaN / Infinity go over the wire as Python's json writes them (a non-standard server might).
    content = json.dumps(body, allow_nan=True).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    async def scenario() -> None:
        api, _ = make_api(handler, max_retries=1)
        try:
            await call(api)
        except ApiError as exc:
            assert exc.message
        finally:
            await api.aclose()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()
