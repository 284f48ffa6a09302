"""Ticket attachments on the central API.

The attachment record (id, ticket_id, name, size, sha256, mime) arrives through
POST /api/v1/sync/push like tickets do (registered here). The bytes come separately:

- `PUT /api/v1/attachments/{id}`: raw body, at most MAX_ATTACHMENT_BYTES. The body's SHA-256 must
  equal the `X-Content-SHA256` header and, once the record is known, the record's `sha256`.
  Idempotent: the same bytes again answer 200 `{"stored": false}`; different bytes for an id that
  already has content are refused (409) — an attachment never changes.
- `GET /api/v1/attachments/{id}`: the bytes, with the record's mime type when the record is known.

No `from __future__ import annotations`: FastAPI resolves the route annotations at import time.
"""

import hashlib
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import FastAPI, Header, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from calldesk_domain.ticket_validation import validate_attachment
from calldesk_domain.tickets import MAX_ATTACHMENT_BYTES, Attachment
from central.push import register_entity
from central.route_deps import RouteDeps
from central.schemas import ErrorResponse
from central.tables import attachment_blobs, attachments

log = logging.getLogger(__name__)

AttachmentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


def validate_attachment_data(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(issue.field, issue.message) for issue in validate_attachment(data)]


def prepare_attachment(data: dict[str, Any]) -> dict[str, Any]:
    record = Attachment.from_dict(data)
    record.created_at = record.created_at or datetime.now(UTC)
    return record.to_dict()


register_entity("attachment", attachments, validate_attachment_data, prepare=prepare_attachment)


def _record(engine: Engine, attachment_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(attachments.c.data).where(attachments.c.id == attachment_id)).first()
    return dict(row.data) if row is not None else None


def store_blob(engine: Engine, attachment_id: str, content: bytes, digest: str) -> bool:
    """Store the bytes once; True when stored now, False when the same bytes were already there.

    Raises ValueError("different") when the id already holds other bytes.
    """
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(attachment_blobs.c.sha256).where(attachment_blobs.c.id == attachment_id)
        ).first()
        if row is not None:
            if row.sha256 != digest:
                raise ValueError("different")
            return False
        conn.execute(
            attachment_blobs.insert().values(
                id=attachment_id,
                sha256=digest,
                size=len(content),
                content=content,
                stored_at=datetime.now(UTC),
            )
        )
    return True


def install_routes(app: FastAPI, deps: RouteDeps) -> None:
    """Add PUT/GET /api/v1/attachments/{id} to the central API."""
    Principal = deps.principal
    documented: dict[int | str, dict[str, Any]] = {
        **deps.errors,
        404: {"model": ErrorResponse},
        409: {"model": ErrorResponse},
    }

    uploaded = {**documented, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}
    binary = {**documented, 200: {"content": {"application/octet-stream": {}}, "description": "the bytes"}}

    @app.put("/api/v1/attachments/{attachment_id}", response_model=None, responses=uploaded)
    async def attachment_put(
        who: Principal,  # type: ignore[valid-type]
        attachment_id: AttachmentId,
        request: Request,
        content_sha256: Annotated[str, Header(alias="X-Content-SHA256", pattern="^[0-9a-fA-F]{64}$")],
    ) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_ATTACHMENT_BYTES:
            raise deps.api_error(413, "too_large", f"an attachment is at most {MAX_ATTACHMENT_BYTES} bytes")
        content = bytearray()
        async for chunk in request.stream():
            content += chunk
            if len(content) > MAX_ATTACHMENT_BYTES:
                raise deps.api_error(
                    413, "too_large", f"an attachment is at most {MAX_ATTACHMENT_BYTES} bytes"
                )
        digest = hashlib.sha256(content).hexdigest()
        if content_sha256.lower() != digest:
            log.warning("attachment %s: body sha256 %s != header %s", attachment_id, digest, content_sha256)
            raise deps.api_error(422, "sha256_mismatch", "the body does not match X-Content-SHA256", "sha256")
        record = await run_in_threadpool(_record, deps.engine, attachment_id)
        if record is not None and record.get("sha256") != digest:
            raise deps.api_error(
                422, "sha256_mismatch", "the body does not match the attachment record", "sha256"
            )
        try:
            stored = await run_in_threadpool(store_blob, deps.engine, attachment_id, bytes(content), digest)
        except ValueError:
            raise deps.api_error(
                409, "attachment_exists", "this attachment already holds other content"
            ) from None
        log.info(
            "attachment %s: %d bytes %s by %s",
            attachment_id,
            len(content),
            "stored" if stored else "kept",
            who,
        )
        return JSONResponse({"id": attachment_id, "sha256": digest, "size": len(content), "stored": stored})

    @app.get("/api/v1/attachments/{attachment_id}", response_model=None, responses=binary)
    def attachment_get(_who: Principal, attachment_id: AttachmentId) -> Response:  # type: ignore[valid-type]
        with deps.engine.connect() as conn:
            row = conn.execute(
                sa.select(attachment_blobs.c.content, attachment_blobs.c.sha256).where(
                    attachment_blobs.c.id == attachment_id
                )
            ).first()
        if row is None:
            raise deps.api_error(404, "attachment_not_found", f"no content for attachment {attachment_id}")
        record = _record(deps.engine, attachment_id) or {}
        return Response(
            bytes(row.content),
            media_type=str(record.get("mime") or "application/octet-stream"),
            headers={"X-Content-SHA256": row.sha256},
        )
