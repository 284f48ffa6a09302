"""The structured access log: one JSON line per request on logger `central.access`.

Each request gets an id (the client's X-Request-Id when it is a sane token, else a new one),
answered in the X-Request-Id header, so a desktop's error report and the server log meet. The
line has method, path (never the query string: phone numbers and search text stay out of logs,
as with uvicorn's log before), status, duration in ms, bytes sent, client address, worker pid.
A notification stream is logged when it ends (its duration is the stream's life).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("central.access")

_GOOD_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id" and _GOOD_ID.match(value):
            return value.decode("ascii")
    return uuid.uuid4().hex


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pid = os.getpid()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500
        sent = 0

        async def send_logged(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())],
                }
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            client = scope.get("client")
            log.info(
                json.dumps(
                    {
                        "request_id": rid,
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "bytes": sent,
                        "client": client[0] if client else None,
                        "pid": self.pid,
                    },
                    separators=(",", ":"),
                )
            )
