"""CentralApi: the desktop's async client for the central CRM API (docs/central-api.md).

Every failure surfaces as `ApiError` with a message an agent can act on: network down, server
error, bad credentials, a malformed answer. Transient failures (connection errors, 5xx, 429) are
retried a bounded number of times with exponential backoff and jitter, honouring Retry-After.
Access tokens are short-lived (minutes): the token refresher (desktop.services.auth, with the
refresh token) is called shortly BEFORE the token expires and once on a 401, then the request is
retried once. Plain http:// is refused to any host but loopback unless `allow_insecure_http`
(an admin setting) says otherwise: tokens and customer data must not cross a network in clear.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import quote

import httpx

from calldesk_domain.models import (
    Customer,
    CustomerDetail,
    MarketingTouch,
    Order,
    PointsEntry,
    ServiceRecord,
    parse_ts,
)
from desktop.cache import rows
from desktop.services.api_answers import ApiError
from desktop.services.api_answers import bad_answer as _bad
from desktop.services.api_answers import error_from as _error_from
from desktop.services.api_answers import json_object as _json_object
from desktop.services.api_answers import retry_after_seconds as _retry_after_seconds
from desktop.services.secure_transport import insecure_transport_problem

log = logging.getLogger(__name__)

ROLES = ("agent", "supervisor", "admin")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_TOKEN_LIFETIME_S = 366 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    role: str
    agent_id: str
    display_name: str
    expires_at: datetime
    refresh_token: str = ""  # empty: the server gave none (re-login when the token expires)
    refresh_expires_at: datetime | None = None


# Refresh the access token this long before it expires, so no request goes out with a dying one.
REFRESH_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class BootstrapHead:
    seq: int  # H0: the feed's newest seq when the bootstrap started
    counts: dict[str, int]  # changes per entity up to seq
    server_time: datetime


@dataclass(frozen=True, slots=True)
class WindowPage:
    changes: list[Any]  # change-shaped detail records (seq 0); validated by the cache
    next_after: str
    has_more: bool


@dataclass(frozen=True, slots=True)
class ChangePage:
    changes: list[Any]  # raw change dicts; the cache validates each row and skips bad ones
    next_since: int
    has_more: bool
    remaining: int
    server_time: datetime | None
    epoch: str | None = None  # the feed's epoch: changes when the server is restored from a backup


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    customer: Customer
    last_order: Order | None
    open_service: int


def _lifetime(body: dict[str, Any], key: str, default: float) -> float:
    value = _require(body.get(key, default), (int, float), f"'{key}'")
    if not 0 < value <= _MAX_TOKEN_LIFETIME_S:  # also rejects NaN and Infinity
        raise _bad(f"'{key}' {value!r} is not a sensible token lifetime")
    return float(value)


def _require(value: object, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind is not bool:  # True is an int to Python, not to JSON
        raise _bad(f"{what} has the wrong type")
    if not isinstance(value, kind):
        raise _bad(f"{what} has the wrong type")
    return value


def _customer(data: object) -> Customer:
    try:
        rows.customer_rows(data)
        return Customer.from_dict(data)  # type: ignore[arg-type]
    except (rows.BadRecord, TypeError, ValueError, AttributeError) as exc:
        raise _bad(f"customer record: {exc}") from exc


_DETAIL_PARSERS: dict[
    str, tuple[Callable[[object], object], type[Order | PointsEntry | ServiceRecord | MarketingTouch]]
] = {
    "orders": (rows.order_row, Order),
    "points": (rows.points_row, PointsEntry),
    "service": (rows.service_row, ServiceRecord),
    "marketing": (rows.marketing_row, MarketingTouch),
}


def _record(key: str, data: object) -> Any:
    check, record_type = _DETAIL_PARSERS[key]
    try:
        check(data)  # refuses anything but a JSON object with the record's fields
        return record_type.from_dict(cast("dict[str, Any]", data))
    except (rows.BadRecord, TypeError, ValueError, AttributeError) as exc:
        raise _bad(f"{key} record: {exc}") from exc


def _records(body: dict[str, Any], key: str) -> list[Any]:
    items = body.get(key) or []
    _require(items, list, f"'{key}'")
    return [_record(key, item) for item in items]


# An idle connection to the API is kept this long (httpx's default is 5 s): a desktop pushing
# or polling every few tens of seconds reuses it rather than opening a TCP and TLS connection
# each time. Shorter than the server keeps one (central/serving.py IDLE_KEEPALIVE_S, and the
# 60 s idle timeout common to load balancers), so the desktop always closes first and never
# sends a request on a connection the server is closing.
KEEPALIVE_S = 50.0

TokenRefresher = Callable[[], Awaitable[str | None]]


class CentralApi:
    """Async client; one per server. `verify` is True (system CAs) or a CA bundle path."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        verify: bool | str = True,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
        token_refresher: TokenRefresher | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        allow_insecure_http: bool = False,
        deadline_s: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # called with each new access token (refresh, re-login): the CTI bridge link pushes it
        self.token_listeners: list[Callable[[str], None]] = []
        self._token = token
        self.token_refresher = token_refresher
        # When the current token expires (None: unknown); a refresh is due REFRESH_MARGIN before.
        self.token_expires_at: datetime | None = None
        self._insecure_problem = insecure_transport_problem(self.base_url, allow_insecure_http)
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._retry_after_cap = retry_after_cap
        self._sleep = sleep
        # httpx's timeout bounds each phase (connect, each read); this bounds a whole request, so
        # nothing (a wedged connection pool, a server trickling bytes) can hold a pull for ever.
        self.deadline_s = deadline_s if deadline_s is not None else max(30.0, 6 * timeout)
        ssl_verify: bool | ssl.SSLContext = (
            ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        )
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            verify=ssl_verify,
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_S
            ),
            transport=transport,
            headers={"User-Agent": "CallDesk/0.1", "Accept": "application/json"},
        )

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        changed = bool(value) and value != self._token
        self._token = value
        if changed:
            assert value is not None
            for listener in list(self.token_listeners):
                try:
                    listener(value)
                except Exception:  # a listener's bug must not break the request that refreshed
                    log.exception("api: token listener failed")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> CentralApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- endpoints -------------------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        body = await self._request("GET", "/health", auth=False)
        _require(body.get("status"), str, "'status'")
        return body

    async def update_policy(self) -> dict[str, Any]:
        """The admin's update policy (GET /api/v1/update-policy); desktop/services/update_check.py
        checks its fields."""
        return await self._request("GET", "/api/v1/update-policy")

    async def login(self, username: str, password: str) -> Session:
        body = await self._request(
            "POST",
            "/api/v1/auth/token",
            json_body={"username": username, "password": password},
            auth=False,
            retry_statuses=_RETRY_STATUS - {429},  # a locked account says how long; do not hammer it
        )
        return self._session_from(body, username)

    async def refresh_session(self, refresh_token: str) -> Session:
        """A new access/refresh pair for a live refresh token (ApiError 401 once it has ended)."""
        body = await self._request(
            "POST", "/api/v1/auth/refresh", json_body={"refresh_token": refresh_token}, auth=False
        )
        return self._session_from(body, "")

    async def logout(self) -> None:
        """End this sign-in on the server (its tokens stop working). Best effort: offline, the
        short-lived access token simply expires."""
        if not self.token:
            return
        try:
            await self._request("POST", "/api/v1/auth/logout", expect_body=False)
        except ApiError as exc:
            log.info("api: logout not confirmed by the server: %s", exc.message)
        self.token = None
        self.token_expires_at = None

    def _session_from(self, body: dict[str, Any], username: str) -> Session:
        token = _require(body.get("access_token"), str, "'access_token'")
        role = _require(body.get("role"), str, "'role'")
        if role not in ROLES:
            raise _bad(f"unknown role {role!r}")
        expires_in = _lifetime(body, "expires_in", 3600)
        agent_id = str(_require(body.get("agent_id"), (str, int), "'agent_id'"))
        display_name = _require(body.get("display_name") or username or agent_id, str, "'display_name'")
        refresh_token = _require(body.get("refresh_token") or "", str, "'refresh_token'")
        refresh_in = _lifetime(body, "refresh_expires_in", 12 * 3600) if refresh_token else 0
        now = datetime.now(UTC)
        self.token, self.token_expires_at = token, now + timedelta(seconds=expires_in)
        refresh_at = now + timedelta(seconds=refresh_in) if refresh_in else None
        return Session(
            token,
            role,
            agent_id,
            display_name,
            self.token_expires_at,
            refresh_token if refresh_at else "",
            refresh_at,
        )

    async def lookup(self, phone: str) -> list[Customer]:
        body = await self._request("GET", "/api/v1/customers/lookup", params={"phone": phone})
        matches = _require(body.get("matches"), list, "'matches'")
        return [_customer(m) for m in matches]

    async def customer_detail(self, customer_id: str) -> CustomerDetail | None:
        """The full card; None if the server does not know the customer (404)."""
        try:
            body = await self._request("GET", f"/api/v1/customers/{_path(customer_id)}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return CustomerDetail(
            customer=_customer(body.get("customer")),
            orders=_records(body, "orders"),
            points=_records(body, "points"),
            service=_records(body, "service"),
            marketing=_records(body, "marketing"),
        )

    async def customer_summary(self, customer_id: str) -> CustomerSummary | None:
        try:
            body = await self._request("GET", f"/api/v1/customers/{_path(customer_id)}/summary")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        last_order = body.get("last_order")
        open_service = _require(body.get("open_service", 0), int, "'open_service'")
        return CustomerSummary(
            customer=_customer(body.get("customer")),
            last_order=None if last_order is None else _record("orders", last_order),
            open_service=open_service,
        )

    async def reveal(self, customer_id: str, call_id: str = "", event_id: str = "") -> list[str] | None:
        """The customer's numbers in full (E.164); the server writes the audit event (under
        `event_id` if given). None if the server does not know the customer (404)."""
        ask = {"call_id": call_id, "event_id": event_id}
        try:
            body = await self._request(
                "POST", f"/api/v1/customers/{_path(customer_id)}/reveal", json_body=ask
            )
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        phones = _require(body.get("phones"), list, "'phones'")
        return [str(p.get("e164")) for p in phones if isinstance(p, dict) and p.get("e164")]

    async def search(self, q: str, limit: int = 20) -> list[Customer]:
        body = await self._request("GET", "/api/v1/customers/search", params={"q": q, "limit": limit})
        results = _require(body.get("results"), list, "'results'")
        return [_customer(r) for r in results]

    async def changes(self, since: int, limit: int = 1000) -> ChangePage:
        body = await self._request("GET", "/api/v1/sync/changes", params={"since": since, "limit": limit})
        changes = _require(body.get("changes"), list, "'changes'")
        next_since = _require(body.get("next_since"), int, "'next_since'")
        has_more = _require(body.get("has_more"), bool, "'has_more'")
        remaining = _require(body.get("remaining", 0), int, "'remaining'")
        if next_since < since:
            raise _bad(f"'next_since' {next_since} went back before {since}")
        server_time = body.get("server_time")
        try:
            parsed_time = parse_ts(server_time) if isinstance(server_time, str) else None
        except ValueError:
            parsed_time = None
        epoch = body.get("epoch")
        if not (isinstance(epoch, str) and 0 < len(epoch) <= 64):
            epoch = None  # an older server, or a value CallDesk cannot use: no epoch check
        return ChangePage(changes, next_since, has_more, max(0, remaining), parsed_time, epoch)

    async def bootstrap_head(self, entities: list[str]) -> BootstrapHead:
        """The feed head (H0) now and how many changes each of `entities` has up to it."""
        body = await self._request(
            "GET", "/api/v1/sync/bootstrap/head", params={"entities": ",".join(entities)}
        )
        seq = _require(body.get("seq"), int, "'seq'")
        counts = _require(body.get("counts", {}), dict, "'counts'")
        server_time = _require(body.get("server_time"), str, "'server_time'")
        try:
            parsed_time = parse_ts(server_time)
        except ValueError:
            parsed_time = None
        if seq < 0 or parsed_time is None:
            raise _bad(f"bad feed head seq={seq!r} server_time={server_time!r}")
        return BootstrapHead(seq, _counts(counts), parsed_time)

    async def bootstrap_changes(self, entity: str, since: int, limit: int) -> ChangePage:
        """One page of one entity's changes after `since` (no `remaining`: see bootstrap_head)."""
        body = await self._request(
            "GET",
            "/api/v1/sync/bootstrap/changes",
            params={"entity": entity, "since": since, "limit": limit},
        )
        changes = _require(body.get("changes"), list, "'changes'")
        next_since = _require(body.get("next_since"), int, "'next_since'")
        has_more = _require(body.get("has_more"), bool, "'has_more'")
        if next_since < since:
            raise _bad(f"'next_since' {next_since} went back before {since}")
        return ChangePage(changes, next_since, has_more, 0, None)

    async def bootstrap_window(self, entity: str, start: str, after: str, limit: int) -> WindowPage:
        """One page of `entity` detail records dated at or after `start`, ids after `after`."""
        body = await self._request(
            "GET",
            "/api/v1/sync/bootstrap/window",
            params={"entity": entity, "after": after, "limit": limit, **({"from": start} if start else {})},
        )
        changes = _require(body.get("changes"), list, "'changes'")
        next_after = _require(body.get("next_after"), str, "'next_after'")
        has_more = _require(body.get("has_more"), bool, "'has_more'")
        if has_more and (next_after == after or not changes):  # the server's collation orders ids
            raise _bad(f"'next_after' {next_after!r} did not move past {after!r}")
        return WindowPage(changes, next_after, has_more)

    async def bootstrap_window_counts(self, start: str) -> dict[str, int]:
        params = {"from": start} if start else {}
        body = await self._request("GET", "/api/v1/sync/bootstrap/window/counts", params=params)
        return _counts(_require(body.get("counts"), dict, "'counts'"))

    async def push(self, mutations: list[dict[str, Any]], idempotency_key: str) -> dict[str, Any]:
        """POST /sync/push (docs/central-api.md "Push"). Retries reuse `idempotency_key`, so a
        retried request whose first attempt did land is answered from the server's store."""
        body = await self._request(
            "POST",
            "/api/v1/sync/push",
            json_body={"mutations": mutations},
            extra_headers={"Idempotency-Key": idempotency_key},
        )
        _require(body.get("results"), list, "'results'")
        return body

    async def stream_request(
        self, path: str, read_timeout_s: float, params: dict[str, str] | None = None
    ) -> httpx.Request:
        """A GET for a long-lived stream (feed notifications) with a fresh token, for `send_stream`."""
        if self._insecure_problem:
            raise ApiError(None, "insecure_transport", self._insecure_problem)
        if self._token_due():
            new_token = await self._refresh()
            if new_token:
                self.token = new_token
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        timeout = httpx.Timeout(10.0, read=read_timeout_s)
        return self._client.build_request("GET", path, headers=headers, timeout=timeout, params=params)

    async def send_stream(self, request: httpx.Request) -> httpx.Response:
        """Send `request` without reading its body (close the response when done)."""
        return await self._within_deadline(
            self._client.send(request, stream=True), "GET", str(request.url.path)
        )

    async def renew_token(self) -> bool:
        """After a 401 on a stream: refresh the token once. True when there is a new one."""
        if self.token_refresher is None:
            return False
        new_token = await self._refresh()
        if new_token:
            self.token = new_token
        return bool(new_token)

    # ---- transport -------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        auth: bool = True,
        extra_headers: dict[str, str] | None = None,
        retry_statuses: frozenset[int] = _RETRY_STATUS,
        expect_body: bool = True,
        as_text: bool = False,
    ) -> dict[str, Any]:
        """The JSON object answered; `as_text`: {"text": the body as text} (a CSV download)."""
        if self._insecure_problem:
            raise ApiError(None, "insecure_transport", self._insecure_problem)
        attempt = 0
        refreshed = False
        if auth and self._token_due():
            refreshed = True
            new_token = await self._refresh()
            if new_token:
                self.token = new_token
        while True:
            headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
            if extra_headers:
                headers.update(extra_headers)
            try:
                response = await self._within_deadline(
                    self._client.request(method, path, params=params, json=json_body, headers=headers),
                    method,
                    path,
                )
            except httpx.TransportError as exc:
                if attempt < self._max_retries:
                    await self._pause(attempt, None, f"{method} {path}: {exc!r}")
                    attempt += 1
                    continue
                log.warning("api: %s %s unreachable: %r", method, path, exc)
                raise ApiError(
                    None,
                    "unreachable",
                    f"Cannot reach the central server at {self.base_url} ({type(exc).__name__}). "
                    "Check the network; CallDesk keeps working from its local cache.",
                ) from exc
            status = response.status_code
            if status in retry_statuses and attempt < self._max_retries:
                await self._pause(attempt, _retry_after_seconds(response), f"{method} {path}: HTTP {status}")
                attempt += 1
                continue
            if status == 401 and auth and self.token_refresher is not None and not refreshed:
                refreshed = True
                new_token = await self._refresh()
                if new_token:
                    self.token = new_token
                    continue
            if status >= 400:
                raise _error_from(response)
            if not expect_body:
                return {}
            if as_text:
                return {"text": response.text}
            return await _json_object(response)

    async def _within_deadline(
        self, sent: Awaitable[httpx.Response], method: str, path: str
    ) -> httpx.Response:
        """`sent` within `deadline_s`; past it a TimeoutException (retried, then "unreachable")."""
        try:
            async with asyncio.timeout(self.deadline_s):
                return await sent
        except TimeoutError:
            log.warning("api: %s %s: no answer within %g s; request abandoned", method, path, self.deadline_s)
            raise httpx.TimeoutException(f"no answer within {self.deadline_s:g} s") from None

    def _token_due(self) -> bool:
        """The token expires within REFRESH_MARGIN and a refresher can renew it."""
        return (
            self.token_refresher is not None
            and self.token_expires_at is not None
            and datetime.now(UTC) >= self.token_expires_at - REFRESH_MARGIN
        )

    async def _refresh(self) -> str | None:
        assert self.token_refresher is not None
        try:
            return await self.token_refresher()
        except ApiError as exc:
            log.warning("api: token refresh failed: %s", exc.message)
            return None

    async def _pause(self, attempt: int, retry_after: float | None, what: str) -> None:
        if retry_after is not None:
            delay = min(retry_after, self._retry_after_cap)
        else:
            delay = min(self._backoff_cap, self._backoff_base * 2**attempt) * (0.5 + random.random() / 2)
        log.info("api: %s; retry %d in %.2fs", what, attempt + 1, delay)
        await self._sleep(delay)


def _counts(raw: dict) -> dict[str, int]:
    """Progress counts from the server: anything not a non-negative whole number counts as 0."""
    return {
        str(k): v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else 0 for k, v in raw.items()
    }


def _path(segment: str) -> str:
    """Percent-encode an id for use as one path segment (an id never changes the route)."""
    return quote(segment, safe="")
