"""POST /api/v1/integrations/orders: the order system (OMS) pushes an order as it changes.

Body: one order in the import shape (`order_no`, `customer_id` or `customer_phone`, `created_at`,
`status`, `amount`, `items`, optional `version`: the OMS's own version of the order). Signed with
CALLDESK_OMS_SECRET (central/integrations/signing.py). Idempotent by order number + version:
a replay or an older version changes nothing and says so. The order enters the change feed, so it
shows on the customer's card after the desktops' next pull.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from central.importing.rows import RowError, has_lone_surrogate, parse_order
from central.importing.store import Outcome, store_rows
from central.integrations.settings import IntegrationSettings
from central.integrations.signing import SignatureError, verify

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, or None once it passes `limit` bytes (the rest is never read into memory)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status)


async def signed_json(request: Request, secret: str | None, what: str) -> dict[str, Any] | JSONResponse:
    """The verified JSON object of a signed webhook request, or the error response to send."""
    if not secret:
        # 404, not 503: the endpoint does not exist on a server without this integration
        return error(404, "not_configured", f"the {what} integration is not configured on this server")
    body = await read_limited(request)
    if body is None:
        return error(413, "too_large", f"request body over {MAX_BODY_BYTES} bytes")
    try:
        verify(secret, request.headers, body)
    except SignatureError as exc:
        log.warning(
            "%s webhook refused from %s: %s", what, request.client.host if request.client else "?", exc
        )
        return error(401, "bad_signature", str(exc))
    try:
        data = json.loads(body)
    except ValueError:
        return error(400, "bad_json", "body is not JSON")
    if not isinstance(data, dict):
        return error(422, "validation_error", "body must be a JSON object")
    if has_lone_surrogate(data):
        return error(400, "bad_json", "body has a \\u escape that is not Unicode text (lone surrogate)")
    return data


def _described(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": WEBHOOK_STATUS[code]} for code in codes}


WEBHOOK_STATUS = {
    200: "applied, or already applied (replay, older version)",
    400: "body is not JSON",
    401: "missing, wrong or stale signature",
    403: "the caller's role may not do this",
    404: "no such record, or the integration is not configured on this server",
    409: "the action is not allowed in the record's state",
    413: "body too large",
    422: "a field is missing or invalid, or the customer is unknown",
}
SIGNED_RESPONSES = _described(200, 400, 401, 404, 409, 413, 422)


def install_routes(app: FastAPI, engine: Engine, settings: IntegrationSettings) -> None:
    @app.post(
        "/api/v1/integrations/orders", response_model=None, tags=["integrations"], responses=SIGNED_RESPONSES
    )
    async def oms_order(request: Request) -> JSONResponse:
        data = await signed_json(request, settings.oms_secret, "OMS")
        if isinstance(data, JSONResponse):
            return data
        try:
            parsed = parse_order(data)
        except RowError as exc:
            return error(422, "validation_error", exc.reason, exc.field)
        with engine.begin() as conn:
            result = store_rows(conn, "order", [(1, parsed)])[0]
        if result.outcome is Outcome.REVIEW:
            return error(422, "unknown_customer", result.reason, result.field)
        return JSONResponse(
            {"status": result.outcome.value, "order_no": parsed.natural_key, "order_id": result.record_id}
        )
