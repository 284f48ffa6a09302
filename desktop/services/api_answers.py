"""How the desktop reads the central API's answers: `ApiError` (every failure, with a message an
agent can act on), HTTP statuses to messages, JSON bodies, Retry-After. Used by `CentralApi`
(desktop/services/api.py), which re-exports ApiError."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from desktop.services.page_decoding import loads_in_pieces

log = logging.getLogger("desktop.services.api")  # the lines are the API client's

_PARSE_OFF_LOOP_BYTES = 64 * 1024


class ApiError(Exception):
    """A failed API call. `status` is the HTTP status (None when the server was not reached);
    `code` a machine code (`unreachable`, `bad_response`, `unauthorized`, or the server's own);
    `message` human text saying what happened and what to do; `field` the offending input."""

    def __init__(self, status: int | None, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    @property
    def unreachable(self) -> bool:
        return self.code == "unreachable"

    def __repr__(self) -> str:
        return f"ApiError(status={self.status!r}, code={self.code!r}, message={self.message!r})"


def bad_answer(what: str) -> ApiError:
    return ApiError(
        None,
        "bad_response",
        f"The central server sent an answer CallDesk cannot read ({what}). "
        "Try again; if it keeps happening, tell your administrator.",
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def json_object(response: httpx.Response) -> dict[str, Any]:
    """Decode the body; big ones (change pages) off the event loop, in pieces, so a frame is
    never missed."""
    content = response.content
    try:
        if len(content) > _PARSE_OFF_LOOP_BYTES:
            body = await asyncio.to_thread(loads_in_pieces, content)
        else:
            body = orjson.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_answer("not JSON") from exc
    if not isinstance(body, dict):
        raise bad_answer("not a JSON object")
    return body


_STATUS_MESSAGES = {
    401: "The server did not accept the sign-in (wrong user name or password, or the session expired). "
    "Sign in again.",
    403: "Your role is not allowed to do this. Ask a supervisor.",
    404: "Not found on the central server.",
    429: "The central server is busy (too many requests). Try again in a moment.",
}
# by the server's error code, where one status means several things (503: busy or database down)
_CODE_MESSAGES = {
    "overloaded": "The central server is busy right now. CallDesk keeps your work locally and sends "
    "it by itself when the server has room.",
}


def error_from(response: httpx.Response) -> ApiError:
    status = response.status_code
    code, message, field = f"http_{status}", None, None
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = given if isinstance(given := error.get("code"), str) else code
        message = error.get("message") if isinstance(error.get("message"), str) else None
        field = error.get("field") if isinstance(error.get("field"), str) else None
    if status == 401:
        code = "unauthorized" if code == f"http_{status}" else code
    human = _CODE_MESSAGES.get(code) or _STATUS_MESSAGES.get(status)
    if code in _CODE_MESSAGES:
        message = None  # the server's own words add nothing an agent can act on
    if human is None:
        human = (
            f"The central server failed (HTTP {status}). Try again later; your work is kept locally."
            if status >= 500
            else f"The central server refused the request (HTTP {status})."
        )
    if message and status != 401:
        human = f"{human} {message}" if status >= 500 or status in (403, 404, 429) else message
    log.warning("api: HTTP %d %s: %s", status, code, message or "")
    return ApiError(status, code, human, field)
