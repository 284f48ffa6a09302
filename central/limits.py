"""Request body limits enforced before anything reads or parses a body, and an access log
without query strings.

`BodyLimitMiddleware` answers 413 at once when Content-Length is over the route's limit, and
otherwise counts the bytes as the app receives them, stopping at the limit: a 200 MB body is
never held in memory (uvicorn stops reading the socket while nobody consumes it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calldesk_domain.tickets import MAX_ATTACHMENT_BYTES

log = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB
DEFAULT_LIMIT = 1 * MIB
# (method, path prefix) -> largest body accepted; the longest matching prefix wins.
BODY_LIMITS: dict[tuple[str, str], int] = {
    ("POST", "/api/v1/auth/"): 16 * KIB,
    ("POST", "/api/v1/admin/"): 64 * KIB,
    ("PATCH", "/api/v1/admin/"): 64 * KIB,
    ("POST", "/api/v1/customers/"): 16 * KIB,
    ("POST", "/api/v1/sync/push"): 16 * MIB,  # 500 mutations of tickets with comments
    ("PUT", "/api/v1/attachments/"): MAX_ATTACHMENT_BYTES + 64 * KIB,
}


def body_limit(method: str, path: str) -> int:
    best, best_len = DEFAULT_LIMIT, -1
    for (rule_method, prefix), limit in BODY_LIMITS.items():
        if rule_method == method and path.startswith(prefix) and len(prefix) > best_len:
            best, best_len = limit, len(prefix)
    return best


class _TooLarge(HTTPException):
    """Raised from `receive` mid-body. An HTTPException so that FastAPI, which turns any other
    error while reading a body into a 400, lets it through to the app's 413 handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int] = body_limit) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, scope, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    log.warning(
                        "%s %s: body over %d bytes refused (413)", scope["method"], scope["path"], limit
                    )
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await _too_large(send, scope, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, scope: Scope, limit: int) -> None:
    log.warning("%s %s: body over %d bytes refused (413)", scope["method"], scope["path"], limit)
    await send_error(
        send, 413, "payload_too_large", f"request body larger than {limit} bytes", [(b"connection", b"close")]
    )


async def send_error(
    send: Send, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]
) -> None:
    """Answer {"error": {code, message, field: null}} with `status` straight on ASGI, for
    middleware that refuses a request before the app (and its error handlers) sees it."""
    body = json.dumps({"error": {"code": code, "message": message, "field": None}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class DropQueryStrings(logging.Filter):
    """Access log lines keep the path, never the query (phone numbers, search text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def quiet_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryStrings) for f in access.filters):
        access.addFilter(DropQueryStrings())
