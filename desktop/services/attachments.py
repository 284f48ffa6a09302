"""Ticket attachments, offline first: the file is copied into the cache folder and its record
goes through `CacheStore.write_local` (record + outbox row in one transaction) on the cache worker
thread (`CacheOps`) like a ticket; the bytes are uploaded separately by `AttachmentUploader`.

Layout beside the cache file: `attachments/<ticket id>/<sha256>-<name>`; once the server holds
the bytes a marker `<that file>.uploaded` is written, so each file is uploaded once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from calldesk_domain.ticket_validation import validate_attachment
from calldesk_domain.tickets import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_NAME, Attachment
from desktop.cache.outbox import register_local_entity
from desktop.cache.store import CacheStore
from desktop.private_files import open_private, private_dir, write_private_bytes
from desktop.services.ops import CacheOps

log = logging.getLogger(__name__)

ENTITY = "attachment"
register_local_entity(ENTITY)  # records other desktops made arrive through the pull
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_CHUNK = 1024 * 1024


class AttachmentError(ValueError):
    """A file that cannot be attached: `code` is "too_large", "missing" or "invalid"."""

    def __init__(self, code: str, path: Path, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.path = path


def new_attachment_id() -> str:
    return "A" + uuid.uuid4().hex[:15].upper()


def safe_name(name: str) -> str:
    """A file name that is valid on Windows and POSIX, without folders, at most MAX_ATTACHMENT_NAME."""
    cleaned = _UNSAFE.sub("_", name).strip().rstrip(". ").strip()  # Windows drops trailing dots
    if not cleaned:
        cleaned = "file"
    if len(cleaned) > MAX_ATTACHMENT_NAME:
        suffix = Path(cleaned).suffix[:20]
        cleaned = cleaned[: MAX_ATTACHMENT_NAME - len(suffix)] + suffix
    return cleaned


def attachments_folder(cache_path: Path) -> Path:
    return Path(cache_path).parent / "attachments"


class AttachmentService:
    def __init__(
        self,
        store: CacheStore,
        folder: Path,
        agent_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_bytes: int = MAX_ATTACHMENT_BYTES,
        *,
        ops: CacheOps | None = None,
    ) -> None:
        self.store = store  # the UI thread's store: reads only
        self.ops = ops if ops is not None else CacheOps(store.path)
        self.folder = Path(folder)
        self.agent_id = agent_id
        self.clock = clock
        self.max_bytes = max_bytes

    def local_path(self, attachment: Attachment) -> Path:
        return self.folder / safe_name(attachment.ticket_id) / f"{attachment.sha256}-{attachment.name}"

    async def attach(self, ticket_id: str, source: Path | str) -> Attachment:
        """Copy `source` into the cache folder and store its record (queued for push) on the
        cache worker.

        Raises AttachmentError: "missing" (not a readable file), "too_large" (over `max_bytes`),
        "invalid" (the record breaks a rule); CacheUnavailable (the record could not be written).
        Nothing is stored then.
        """
        source = Path(source)
        try:
            size = source.stat().st_size
            if not source.is_file():
                raise IsADirectoryError(str(source))
        except OSError as exc:
            log.warning("attachment %s: cannot read (%s)", source, exc)
            raise AttachmentError("missing", source, f"{source.name}: cannot read the file ({exc})") from None
        if size > self.max_bytes:
            log.info("attachment %s refused: %d bytes > %d", source, size, self.max_bytes)
            raise AttachmentError("too_large", source, f"{source.name} is larger than {self.max_bytes} bytes")
        target_dir = self.folder / safe_name(ticket_id)
        private_dir(target_dir)
        digest, size, temp = self._copy_hashing(source, target_dir)
        record = Attachment(
            id=new_attachment_id(),
            ticket_id=ticket_id,
            name=safe_name(source.name),
            size=size,
            sha256=digest,
            mime=mimetypes.guess_type(source.name)[0] or "application/octet-stream",
            created_by=self.agent_id,
            created_at=self.clock(),
        )
        issues = validate_attachment(record.to_dict())
        if issues:
            temp.unlink(missing_ok=True)
            raise AttachmentError("invalid", source, "; ".join(i.message for i in issues))
        final = self.local_path(record)
        shared = final.exists()  # the same bytes under the same name, attached before
        temp.replace(final)
        try:
            await self.ops.run(CacheStore.write_local, ENTITY, record.to_dict())
        except Exception:
            if not shared:  # no record points at the copy: do not leave it behind
                final.unlink(missing_ok=True)
            raise
        log.info("attachment %s (%s, %d bytes) stored for ticket %s", record.id, record.name, size, ticket_id)
        return record

    async def discard_drafts(self, ticket_id: str | None = None) -> int:
        """Forget what was attached to a new ticket that was closed without Save (`ticket_id`),
        or to any such ticket (None, at start-up): the records, their queued pushes and the
        copies in the cache folder. Otherwise they would wait in the outbox for a ticket that
        will never come. Returns how many went."""
        gone = await self.ops.run(CacheStore.discard_draft_attachments, ticket_id)
        for data in gone:
            try:
                attachment = Attachment.from_dict({k: v for k, v in data.items() if k != "version"})
            except (TypeError, ValueError):
                continue
            path = self.local_path(attachment)
            path.unlink(missing_ok=True)
            AttachmentUploader.marker(path).unlink(missing_ok=True)
        if gone:
            log.info("attachments of unsaved tickets discarded: %s", [d.get("id") for d in gone])
        return len(gone)

    def _copy_hashing(self, source: Path, target_dir: Path) -> tuple[str, int, Path]:
        digest = hashlib.sha256()
        size = 0
        temp = target_dir / f".incoming-{uuid.uuid4().hex}"
        try:
            with open_private(temp, "wb") as handle, source.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:  # the file grew while we copied it
                        raise AttachmentError(
                            "too_large", source, f"{source.name} is larger than {self.max_bytes} bytes"
                        )
                    digest.update(chunk)
                    handle.write(chunk)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise AttachmentError("missing", source, f"{source.name}: cannot read the file ({exc})") from None
        except AttachmentError:
            temp.unlink(missing_ok=True)
            raise
        return digest.hexdigest(), size, temp

    def for_ticket(self, ticket_id: str) -> list[Attachment]:
        found = []
        for data in self.store.local_records(ENTITY):
            if data.get("ticket_id") != ticket_id:
                continue
            try:
                found.append(Attachment.from_dict({k: v for k, v in data.items() if k != "version"}))
            except (TypeError, ValueError) as exc:
                log.warning("unreadable local attachment %s skipped: %s", data.get("id"), exc)
        found.sort(key=lambda a: (a.created_at or datetime.min.replace(tzinfo=UTC), a.id))
        return found

    def all(self) -> list[Attachment]:
        tickets = {data.get("ticket_id") for data in self.store.local_records(ENTITY)}
        return [
            a
            for ticket_id in sorted(t for t in tickets if isinstance(t, str))
            for a in self.for_ticket(ticket_id)
        ]


@dataclass(frozen=True, slots=True)
class UploadResult:
    uploaded: int = 0  # sent now
    failed: int = 0  # still pending (network, server refused); retried on the next run
    missing: int = 0  # the local copy is gone: cannot be uploaded from this desktop


class AttachmentUploader:
    """Uploads the bytes of every local attachment not yet marked uploaded, each once.

    Each file gets `attempts` tries per run with doubling pauses; a 4xx other than 408/429 is
    not retried in the run (logged). A run never raises for one file's trouble.
    """

    def __init__(
        self,
        api,
        service: AttachmentService,
        *,
        attempts: int = 3,
        backoff_s: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api = api
        self.service = service
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.sleep = sleep

    @staticmethod
    def marker(path: Path) -> Path:
        return path.with_name(path.name + ".uploaded")

    def pending(self) -> list[Attachment]:
        """Attachments made here (or with a local copy) whose bytes are not marked uploaded;
        those other desktops made arrive by the pull without bytes and are not ours to send."""
        found = []
        for attachment in self.service.all():
            path = self.service.local_path(attachment)
            mine = attachment.created_by == self.service.agent_id or path.exists()
            if mine and not self.marker(path).exists():
                found.append(attachment)
        return found

    async def run(self) -> UploadResult:
        uploaded = failed = missing = 0
        for attachment in self.pending():
            path = self.service.local_path(attachment)
            try:
                content = path.read_bytes()
            except OSError as exc:
                log.warning("attachment %s: local copy %s unreadable (%s)", attachment.id, path, exc)
                missing += 1
                continue
            if hashlib.sha256(content).hexdigest() != attachment.sha256:
                log.warning("attachment %s: local copy %s changed on disk; not uploaded", attachment.id, path)
                missing += 1
                continue
            if await self._upload(attachment, content):
                write_private_bytes(self.marker(path), b"")
                uploaded += 1
            else:
                failed += 1
        return UploadResult(uploaded, failed, missing)

    async def _refresh_token(self) -> str | None:
        try:
            return await self.api.token_refresher()
        except Exception as exc:  # a failed refresh leaves the file pending for the next run
            log.warning("attachments: token refresh failed: %s", exc)
            return None

    async def _upload(self, attachment: Attachment, content: bytes) -> bool:
        # The API client's own connection (base URL, TLS settings, token); CentralApi has no
        # raw-body call and this module must not change it.
        client: httpx.AsyncClient = self.api._client
        refreshed = False
        for attempt in range(self.attempts):
            try:
                response = await client.put(
                    f"/api/v1/attachments/{attachment.id}",
                    content=content,
                    headers={
                        "Authorization": f"Bearer {self.api.token}",
                        "X-Content-SHA256": attachment.sha256,
                        "Content-Type": "application/octet-stream",
                    },
                )
            except httpx.TransportError as exc:
                log.info("attachment %s: upload attempt %d failed (%r)", attachment.id, attempt + 1, exc)
            else:
                if response.status_code == 401 and not refreshed and self.api.token_refresher is not None:
                    refreshed = True  # an expired token: renew it once, like CentralApi does
                    token = await self._refresh_token()
                    if token:
                        self.api.token = token
                        continue
                if response.status_code < 300:
                    log.info("attachment %s uploaded (%s)", attachment.id, response.json().get("stored"))
                    return True
                if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                    log.warning(
                        "attachment %s refused by the server: %s %s",
                        attachment.id,
                        response.status_code,
                        response.text[:200],
                    )
                    return False
                log.info("attachment %s: HTTP %s, retrying", attachment.id, response.status_code)
            if attempt + 1 < self.attempts:
                await self.sleep(self.backoff_s * 2**attempt)
        return False
