"""Getting an attachment's bytes onto this desktop so the agent can open it.

The local layout is AttachmentService's (`attachments/<ticket id>/<sha256>-<name>` beside the
cache file). A local copy whose SHA-256 matches the record is used as is; otherwise the bytes
come from `GET /api/v1/attachments/{id}`, are checked against the record's sha256 and only then
written (through a temporary file, so a refused or interrupted download leaves nothing behind).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path

import httpx

from calldesk_domain.tickets import MAX_ATTACHMENT_BYTES, Attachment
from desktop.private_files import private_dir, write_private_bytes
from desktop.services.attachments import AttachmentService, AttachmentUploader

log = logging.getLogger(__name__)


class AttachmentFetchError(Exception):
    """The bytes could not be obtained: `code` is "offline", "not_found", "mismatch",
    "too_large", "server" or "disk"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class AttachmentDownloader:
    """`fetch(attachment) -> Path` of a verified local copy; raises AttachmentFetchError."""

    def __init__(self, api, service: AttachmentService) -> None:
        self.api = api
        self.service = service

    def local_copy(self, attachment: Attachment) -> Path | None:
        """The local file when it exists and still matches the record's sha256."""
        path = self.service.local_path(attachment)
        try:
            if path.is_file() and _sha256_of(path) == attachment.sha256:
                return path
        except OSError as exc:
            log.warning("attachment %s: local copy %s unreadable (%s)", attachment.id, path, exc)
        return None

    async def fetch(self, attachment: Attachment) -> Path:
        found = self.local_copy(attachment)
        if found is not None:
            return found
        content = await self._download(attachment)
        digest = hashlib.sha256(content).hexdigest()
        if digest != attachment.sha256:
            log.warning(
                "attachment %s: server bytes sha256 %s != record %s; not saved",
                attachment.id,
                digest,
                attachment.sha256,
            )
            raise AttachmentFetchError("mismatch", "the downloaded bytes do not match the attachment record")
        return self._save(attachment, content)

    async def _download(self, attachment: Attachment) -> bytes:
        # The API client's own connection (base URL, TLS, token), as AttachmentUploader uses it.
        client: httpx.AsyncClient = self.api._client
        url = f"/api/v1/attachments/{attachment.id}"
        refreshed = False
        while True:
            try:
                response = await client.get(url, headers={"Authorization": f"Bearer {self.api.token}"})
            except httpx.TransportError as exc:
                log.info("attachment %s: download failed (%r)", attachment.id, exc)
                raise AttachmentFetchError(
                    "offline", f"the central server cannot be reached ({exc})"
                ) from None
            if response.status_code == 401 and not refreshed and self.api.token_refresher is not None:
                refreshed = True
                try:
                    token = await self.api.token_refresher()
                except Exception as exc:  # reported below as the 401 it is
                    log.warning("attachments: token refresh failed: %s", exc)
                    token = None
                if token:
                    self.api.token = token
                    continue
            break
        if response.status_code == 404:
            log.warning("attachment %s: the server has no bytes for it", attachment.id)
            raise AttachmentFetchError("not_found", "the server does not hold this attachment")
        if response.status_code >= 300:
            log.warning(
                "attachment %s: download HTTP %s %s", attachment.id, response.status_code, response.text[:200]
            )
            raise AttachmentFetchError("server", f"the server answered HTTP {response.status_code}")
        if len(response.content) > MAX_ATTACHMENT_BYTES:
            raise AttachmentFetchError("too_large", "the server sent more bytes than an attachment may have")
        return response.content

    def _save(self, attachment: Attachment, content: bytes) -> Path:
        path = self.service.local_path(attachment)
        temp = path.parent / f".incoming-{uuid.uuid4().hex}"
        try:
            private_dir(path.parent)
            write_private_bytes(temp, content)
            temp.replace(path)
            # the server holds these bytes: the uploader must not send them back
            write_private_bytes(AttachmentUploader.marker(path), b"")
        except OSError as exc:
            temp.unlink(missing_ok=True)
            log.warning("attachment %s: cannot save %s (%s)", attachment.id, path, exc)
            raise AttachmentFetchError("disk", f"cannot save the file ({exc})") from None
        log.info("attachment %s downloaded to %s (%d bytes)", attachment.id, path, len(content))
        return path
