"""The central CRM HTTP API (contract: docs/central-api.md).

`create_app(db_url)` returns a FastAPI app bound to one database. It does not migrate; `central
serve` and `central.server.start_in_thread` do that first. Endpoints are plain `def` functions
(FastAPI runs them on its thread pool) that open one connection each and return JSON built by
`central.queries`.

No `from __future__ import annotations` here: FastAPI must resolve the `Annotated` dependency
types defined inside `create_app` at import time.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import anyio.to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

import central
from calldesk_domain.phone import normalize
from central import admin, auth, history_push, policy, pop_key, queries, tokens
from central.access_log import AccessLogMiddleware
from central.admission import AdmissionGate, AdmissionMiddleware
from central.attachments import install_routes as install_attachment_routes
from central.db import make_engine, single_reads
from central.escalation import DEFAULT_INTERVAL_S as DEFAULT_ESCALATION_INTERVAL_S
from central.escalation import EscalationJob
from central.feed_epoch import feed_epoch
from central.history_routes import install_routes as install_history_routes
from central.integrations.oms import install_routes as install_oms_routes
from central.integrations.settings import IntegrationSettings
from central.integrations.ticket_sync import install_routes as install_ticket_sync_routes
from central.limits import BodyLimitMiddleware, quiet_access_log
from central.notify import DEFAULT_MIN_INTERVAL_S, NotificationHub, start_source
from central.notify_route import install_routes as install_notify_routes
from central.pool_defaults import (
    DEFAULT_MAX_OVERFLOW,
    DEFAULT_MAX_QUEUE,
    DEFAULT_POOL_SIZE,
    DEFAULT_QUEUE_WAIT_S,
    DEFAULT_THREADS,
)
from central.probes import install_routes as install_probe_routes
from central.push import DEFAULT_RETENTION_DAYS
from central.push import install_routes as install_push_routes
from central.route_deps import Caller, RouteDeps
from central.schemas import (
    BootstrapChangesResponse,
    BootstrapCountsResponse,
    BootstrapHeadResponse,
    BootstrapWindowResponse,
    ChangesResponse,
    CustomerDetailResponse,
    CustomerSummaryResponse,
    ErrorResponse,
    LookupResponse,
    PublicKeyResponse,
    SearchResponse,
    TokenResponse,
    WhoamiResponse,
)
from central.server_time import ServerTimeMiddleware, server_time
from central.serving_signals import on_shutdown_signal
from central.throttle import LoginThrottle
from central.tickets import install_routes as install_ticket_routes
from central.update_policy import install_routes as install_update_policy_routes

log = logging.getLogger(__name__)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing, invalid or expired bearer token"},
    403: {"model": ErrorResponse, "description": "the caller's role may not do this (central.policy)"},
    422: {"model": ErrorResponse, "description": "invalid parameter (the first failing field)"},
}


class ApiError(Exception):
    """An error answered as {"error": {"code", "message", "field"}} with `status`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers=None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}}, status_code=status, headers=headers
    )


def to_utc(value: datetime | None, field: str) -> datetime | None:
    """None: no bound. A time without a zone is UTC. A time that has no UTC equivalent inside
    years 1..9999 (0001-01-01T00:00:00+14:00) is a 422 naming `field`, never a 500."""
    if value is None:
        return None
    try:
        # SQLite compares the stored UTC wall time as text: bring every zone to UTC first.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ApiError(422, "validation_error", f"{field}: time out of range", field) from exc


# NUL and other C0 controls never belong in names, numbers or ids (PostgreSQL rejects NUL);
# declared in the schema so clients and contract tests know.
NO_CONTROL_CHARS = r"^[^\x00-\x1f]*$"
CustomerId = Annotated[str, Path(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=3, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")


class _State:
    """Per-app resources: the engine, the token signing key (outside the database) and the
    login throttle."""

    def __init__(self, engine: Engine, signing_key: Ed25519PrivateKey) -> None:
        self.engine = engine
        self.signing_key = signing_key
        self.public_key = signing_key.public_key()
        self.pop_key = pop_key.derive(signing_key)  # keys an agent's pop index (central/pop_key.py)
        self.throttle = LoginThrottle()

    def minimised(self, customer: dict[str, Any], role: str) -> dict[str, Any]:
        return pop_key.minimise_customer(customer, role, self.pop_key)

    def close(self) -> None:
        """Close every pooled connection (a SQLite file and its -wal/-shm stay open until then)
        and drop the compiled statements: FastAPI keeps recent endpoint functions in process-wide
        caches, and with them this engine, long after the app is gone."""
        self.engine.dispose()
        self.engine.clear_compiled_cache()


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else exc.headers
        return error_response(exc.status, exc.code, exc.message, exc.field, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, None, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [part for part in first.get("loc", ()) if part not in ("query", "path", "body", "header")]
        field = str(loc[-1]) if loc and isinstance(loc[-1], str) else None
        message = str(first.get("msg", "invalid request"))
        if first.get("type") == "json_invalid":
            message = "request body is not valid JSON"
        elif field:
            message = f"{field}: {message}"
        return error_response(422, "validation_error", message, field)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in central API")
        # Answered by Starlette's outermost error middleware, outside ServerTimeMiddleware.
        return error_response(
            500,
            "internal_error",
            "internal server error; see the server log",
            headers={"X-Server-Time": server_time()},
        )


def close_app(app: FastAPI) -> None:
    """Release what `create_app` opened. The lifespan calls this when a server shuts down; code
    that drives the app without a lifespan (httpx.ASGITransport does not run it) must call it
    itself, or each app keeps its database files open. Idempotent: a disposed engine reconnects
    only if used again."""
    state = getattr(app.state, "central", None)
    if isinstance(state, _State):
        state.close()


def create_app(
    db_url: str,
    *,
    push_retention_days: float = DEFAULT_RETENTION_DAYS,
    integrations: IntegrationSettings | None = None,
    escalation_interval_s: float = DEFAULT_ESCALATION_INTERVAL_S,
    signing_key: Ed25519PrivateKey | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    max_overflow: int = DEFAULT_MAX_OVERFLOW,
    notify_interval_s: float = DEFAULT_MIN_INTERVAL_S,
    threads: int = DEFAULT_THREADS,
    queue_wait_s: float = DEFAULT_QUEUE_WAIT_S,
    max_queue: int = DEFAULT_MAX_QUEUE,
) -> FastAPI:
    """The API bound to the (already migrated) database at `db_url`. Push idempotency records
    older than `push_retention_days` are purged (central.push.PushRetention); overdue hand-offs
    are escalated every `escalation_interval_s` (central.escalation; 0 turns the job off).
    Access tokens are signed with `signing_key` (default: central.tokens.load_signing_key(), created
    on first use). Each process (uvicorn worker) runs at most `threads` requests at once on its
    thread pool, keeps `pool_size` database connections and opens up to `max_overflow` more
    (`calldesk central serve --threads/--pool-size/--max-overflow`, central/pool_defaults.py).
    A request that gets no slot within `queue_wait_s`, or finds `max_queue` waiting, is answered
    503 with Retry-After (central/admission.py)."""
    engine = make_engine(db_url, pool_size=pool_size, max_overflow=max_overflow)
    state = _State(engine, signing_key or tokens.load_signing_key())
    hub = NotificationHub(min_interval_s=notify_interval_s)
    escalation = EscalationJob(engine, escalation_interval_s)
    epoch: list[str] = []  # in every feed page (a restore changes it); read on first use, so the
    # API starts (and /health says why) while its database is down

    def current_epoch() -> str:
        if not epoch:
            with engine.begin() as conn:
                epoch.append(feed_epoch(conn))
        return epoch[0]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        job = asyncio.create_task(escalation.run_forever()) if escalation_interval_s > 0 else None
        feed_source = start_source(hub, engine)
        on_shutdown_signal(hub.close_threadsafe)
        if ticket_sender is not None:
            ticket_sender.start()
        try:
            yield
        finally:
            hub.close()
            feed_source.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await feed_source
            if ticket_sender is not None:
                await ticket_sender.stop()
            if job is not None:
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job
            close_app(app)

    app = FastAPI(
        title="CallDesk central CRM API",
        version=central.__version__,
        description="Reference central API for CallDesk desktops (contract: docs/central-api.md).",
        lifespan=lifespan,
    )
    app.state.central = state
    app.state.escalation = escalation
    app.state.notify = hub
    app.add_middleware(BodyLimitMiddleware)  # inside ServerTimeMiddleware: a 413 carries the time too
    app.state.admission = AdmissionGate(2 * threads, queue_wait_s, max_queue)
    app.add_middleware(AdmissionMiddleware, gate=app.state.admission)  # a 503 carries the time too
    app.add_middleware(ServerTimeMiddleware)
    app.add_middleware(AccessLogMiddleware)  # outermost: sees every answer, 413s included
    quiet_access_log()
    _install_error_handlers(app)

    bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/token")
    sign_in_reads = single_reads(engine)

    def verified_claims(credentials: HTTPAuthorizationCredentials | None) -> tokens.Claims:
        if credentials is None or not credentials.credentials.strip():
            raise ApiError(401, "unauthorized", "missing bearer token; get one from POST /api/v1/auth/token")
        claims = tokens.verify(state.public_key, credentials.credentials.strip())
        if claims is None:
            raise ApiError(401, "invalid_token", "invalid or expired token; log in again")
        return claims

    def signed_in_on(conn: Connection, request: Request, claims: tokens.Claims) -> auth.Principal:
        """The caller as the database says now (sign-in not ended, account active, its role),
        allowed this route by central.policy, read on `conn`; else 401 or 403."""
        found = auth.current_principal(conn, claims)
        if found is None:
            raise ApiError(
                401, "invalid_token", "this sign-in was ended or the account disabled; log in again"
            )
        route = request.scope.get("route")
        path = getattr(route, "path", request.url.path)
        if not policy.endpoint_allowed(request.method, path, found.role):
            log.warning(
                "%s %s refused for %s (%s): forbidden", request.method, path, found.username, found.role
            )
            raise ApiError(
                403, "forbidden", f"forbidden: a {found.role} may not call {request.method} {path}"
            )
        return found

    def principal(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> auth.Principal:
        claims = verified_claims(credentials)
        with sign_in_reads.connect() as conn:
            return signed_in_on(conn, request, claims)

    async def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        """For the busiest routes (push, pull): the token checked here, on the event loop (no
        database, no thread); the route then checks the sign-in first thing on the connection it
        works on (`Caller.signed_in`), instead of a pooled connection and a thread of its own."""
        claims = verified_claims(credentials)
        return Caller(lambda conn: signed_in_on(conn, request, claims))

    Principal = Annotated[auth.Principal, Depends(principal)]
    SignedCaller = Annotated[Caller, Depends(caller)]

    @app.post(
        "/api/v1/auth/token",
        response_model=None,
        responses={
            200: {"model": TokenResponse},
            401: _ERRORS[401],
            422: _ERRORS[422],
            429: {"model": ErrorResponse, "description": "too many failed sign-ins (see Retry-After)"},
        },
    )
    def token(body: TokenRequest, request: Request) -> JSONResponse:
        address = request.client.host if request.client else "?"
        wait = state.throttle.retry_after(body.username, address)
        if wait > 0:
            log.warning("login refused for %r from %s: locked for %.0f s", body.username, address, wait)
            raise ApiError(
                429,
                "too_many_attempts",
                f"too many failed sign-ins; try again in {int(wait) + 1} seconds",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        with engine.connect() as conn:
            user = auth.authenticate(conn, body.username, body.password)
        if user is None:
            state.throttle.failed(body.username, address)
            log.info("login failed for %r from %s", body.username, address)
            raise ApiError(401, "invalid_credentials", "wrong username or password")
        state.throttle.succeeded(body.username)
        with engine.begin() as conn:
            session_id, refresh_token = auth.open_session(conn, user)
        return _token_response(replace(user, session_id=session_id), refresh_token)

    def _token_response(user: auth.Principal, refresh_token: str) -> JSONResponse:
        return JSONResponse(
            {
                "access_token": auth.issue_token(state.signing_key, user),
                "token_type": "bearer",
                "expires_in": auth.TOKEN_LIFETIME_S,
                "refresh_token": refresh_token,
                "refresh_expires_in": auth.REFRESH_TOKEN_LIFETIME_S,
                "role": user.role,
                "agent_id": user.agent_id,
                "display_name": user.display_name,
            }
        )

    @app.post(
        "/api/v1/auth/refresh",
        response_model=None,
        responses={200: {"model": TokenResponse}, 401: _ERRORS[401], 422: _ERRORS[422]},
    )
    def refresh(body: RefreshRequest) -> JSONResponse:
        with engine.begin() as conn:
            rotated = auth.rotate_refresh(conn, body.refresh_token)
        if rotated is None:
            raise ApiError(401, "invalid_refresh_token", "this sign-in has ended; log in again")
        return _token_response(*rotated)

    @app.post("/api/v1/auth/logout", status_code=204, response_model=None, responses={401: _ERRORS[401]})
    def logout(who: Principal) -> Response:
        with engine.begin() as conn:
            auth.revoke_session(conn, who.session_id)
        return Response(status_code=204)

    @app.get("/api/v1/auth/public-key", response_model=None, responses={200: {"model": PublicKeyResponse}})
    def public_key() -> JSONResponse:
        return JSONResponse(
            {
                "alg": "EdDSA",
                "crv": "Ed25519",
                "kid": tokens.key_id(state.public_key),
                "public_key_pem": tokens.public_pem(state.public_key),
            }
        )

    @app.get("/api/v1/auth/pop-key", response_model=None, responses={401: _ERRORS[401]})
    def pop_index_key(who: Principal) -> JSONResponse:
        masked = not policy.can_see_phones(who.role)  # a desktop with full numbers cached then rebuilds
        return JSONResponse({**pop_key.key_document(state.pop_key), "masked": masked})

    @app.get(
        "/api/v1/auth/whoami",
        response_model=None,
        responses={200: {"model": WhoamiResponse}, 401: _ERRORS[401]},
    )
    def whoami(who: Principal) -> JSONResponse:
        with engine.connect() as conn:
            profile = auth.user_profile(conn, who)
        if profile is None:
            raise ApiError(401, "invalid_token", "this account is disabled or gone; log in again")
        return JSONResponse(profile)

    @app.get(
        "/api/v1/customers/lookup",
        response_model=None,
        responses={200: {"model": LookupResponse}, **_ERRORS},
    )
    def lookup(who: Principal, phone: Annotated[str, Query(max_length=64)]) -> JSONResponse:
        e164 = normalize(phone)
        if e164 is None:
            raise ApiError(422, "invalid_phone", f"not a usable phone number: {phone!r}", "phone")
        with engine.connect() as conn:
            matches = [state.minimised(c, who.role) for c in queries.lookup_by_phone(conn, e164)]
        return JSONResponse({"phone": e164, "matches": matches})

    @app.get(
        "/api/v1/customers/search",
        response_model=None,
        responses={200: {"model": SearchResponse}, **_ERRORS},
    )
    def search(
        who: Principal,
        q: Annotated[str, Query(min_length=1, max_length=100, pattern=NO_CONTROL_CHARS)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> JSONResponse:
        text = q.strip()
        if not text:
            raise ApiError(422, "validation_error", "q: search text is empty", "q")
        with engine.connect() as conn:
            results = queries.search(conn, text, limit)
        return JSONResponse({"results": [state.minimised(c, who.role) for c in results]})

    @app.get(
        "/api/v1/customers/{customer_id}",
        response_model=None,
        responses={200: {"model": CustomerDetailResponse}, 404: {"model": ErrorResponse}, **_ERRORS},
    )
    def customer(
        who: Principal,
        customer_id: CustomerId,
        call_id: Annotated[str, Query(max_length=64, pattern=NO_CONTROL_CHARS)] = "",
    ) -> JSONResponse:
        with engine.begin() as conn:
            detail = queries.customer_detail(conn, customer_id)
            if detail is not None:
                admin.record_audit(conn, who, "view", customer_id, call_id)
        if detail is None:
            raise ApiError(404, "customer_not_found", f"no customer {customer_id}", "customer_id")
        return JSONResponse({**detail, "customer": state.minimised(detail["customer"], who.role)})

    @app.get(
        "/api/v1/customers/{customer_id}/summary",
        response_model=None,
        responses={200: {"model": CustomerSummaryResponse}, 404: {"model": ErrorResponse}, **_ERRORS},
    )
    def summary(who: Principal, customer_id: CustomerId) -> JSONResponse:
        with engine.connect() as conn:
            found = queries.customer_summary(conn, customer_id)
        if found is None:
            raise ApiError(404, "customer_not_found", f"no customer {customer_id}", "customer_id")
        return JSONResponse({**found, "customer": state.minimised(found["customer"], who.role)})

    @app.get(
        "/api/v1/sync/changes",
        response_model=None,
        responses={200: {"model": ChangesResponse}, **_ERRORS},
    )
    def changes(
        signed: SignedCaller,
        since: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> Response:
        with engine.connect() as conn:
            who = signed.signed_in(conn)
            encoded, next_since, remaining = queries.changes_page(
                conn, since, limit, pop_key.feed_filter(who.role, state.pop_key)
            )
        tail = json.dumps(
            {
                "next_since": next_since,
                "has_more": remaining > 0,
                "remaining": remaining,
                "server_time": server_time(),
                "epoch": current_epoch(),
            }
        )
        body = '{"changes":[' + ",".join(encoded) + "]," + tail[1:]
        return Response(body.encode("utf-8"), media_type="application/json")

    # -- bootstrap of a fresh cache (docs/sync-protocol.md "Bootstrap") ---------------------------
    Entity = Annotated[str, Query(pattern=r"^[a-z_]{1,32}$")]
    BootstrapLimit = Annotated[int, Query(ge=1, le=10000)]

    def _json_page(encoded: list[str], tail: dict[str, Any]) -> Response:
        """One change per line (still one JSON document): a client can decode a big page in
        pieces instead of one long call (docs/central-api.md "Bootstrap")."""
        text = json.dumps(
            {**tail, "server_time": server_time(), "epoch": current_epoch()}, ensure_ascii=False
        )
        body = '{"changes":[\n' + ",\n".join(encoded) + "\n]," + text[1:]
        return Response(body.encode("utf-8"), media_type="application/json")

    WindowStart = Annotated[datetime | None, Query(alias="from")]

    def _window_start(value: datetime | None) -> datetime | None:
        return to_utc(value, "from")

    @app.get(
        "/api/v1/sync/bootstrap/head",
        response_model=None,
        responses={200: {"model": BootstrapHeadResponse}, **_ERRORS},
    )
    def bootstrap_head(
        _who: Principal, entities: Annotated[str, Query(pattern=r"^[a-z_,]{0,400}$")] = ""
    ) -> JSONResponse:
        wanted = [e for e in dict.fromkeys(entities.split(",")) if e]
        with engine.connect() as conn:
            head = queries.feed_head(conn)
            counts = queries.entity_counts(conn, wanted, head)
        return JSONResponse({"seq": head, "counts": counts, "server_time": server_time()})

    @app.get(
        "/api/v1/sync/bootstrap/changes",
        response_model=None,
        responses={200: {"model": BootstrapChangesResponse}, **_ERRORS},
    )
    def bootstrap_changes(
        who: Principal,
        entity: Entity,
        since: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: BootstrapLimit = 5000,
    ) -> Response:
        with engine.connect() as conn:
            minimise = pop_key.feed_filter(who.role, state.pop_key)
            encoded, next_since, has_more = queries.entity_changes_page(conn, entity, since, limit, minimise)
        return _json_page(encoded, {"next_since": next_since, "has_more": has_more})

    @app.get(
        "/api/v1/sync/bootstrap/window",
        response_model=None,
        responses={200: {"model": BootstrapWindowResponse}, **_ERRORS},
    )
    def bootstrap_window(
        _who: Principal,
        entity: Literal["order", "points", "service", "marketing"],
        start: WindowStart = None,
        after: Annotated[str, Query(max_length=64, pattern=NO_CONTROL_CHARS)] = "",
        limit: BootstrapLimit = 5000,
    ) -> Response:
        begin = _window_start(start)
        with engine.connect() as conn:
            encoded, next_after, has_more = queries.window_page(conn, entity, begin, after, limit)
        return _json_page(encoded, {"next_after": next_after, "has_more": has_more})

    @app.get(
        "/api/v1/sync/bootstrap/window/counts",
        response_model=None,
        responses={200: {"model": BootstrapCountsResponse}, **_ERRORS},
    )
    def bootstrap_window_counts(_who: Principal, start: WindowStart = None) -> JSONResponse:
        begin = _window_start(start)
        with engine.connect() as conn:
            counts = queries.window_counts(conn, begin)
        return JSONResponse({"counts": counts, "server_time": server_time()})

    install_probe_routes(app, engine, hub)
    deps = RouteDeps(engine, Principal, ApiError, _ERRORS, auth.load_actor, to_utc, SignedCaller)
    install_notify_routes(app, deps, hub, current_epoch, lambda: state.pop_key)
    install_ticket_routes(app, deps)
    install_push_routes(app, deps, retention_days=push_retention_days, pop_index_key=state.pop_key)
    install_attachment_routes(app, deps)
    settings = integrations or IntegrationSettings.from_env()
    install_oms_routes(app, engine, settings)
    ticket_sender = install_ticket_sync_routes(app, deps, settings)
    install_update_policy_routes(app, deps)
    install_history_routes(app, deps)
    log.debug("history entities pushable: %s", sorted(history_push.HANDLED))  # registered on import
    admin.install_routes(app, deps)
    return app
