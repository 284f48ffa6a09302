"""What a push's answer means for the record (docs/sync-protocol.md "Push (outbox)"): pure
decisions, no SQL. desktop/cache/push_results.py reads the outbox, asks these functions, and
carries out what they decide in one transaction.

- `applied`: the row is done; later rows of the record start from the server's result.
- `conflict`: every row still queued for the record is judged together: a field-level merge
  when the agent's and the server's changes do not overlap, else the newest local copy is
  listed for the agent and the rows before it are superseded.
- `rejected`: the row is listed with the server's message; a refused create is dropped locally.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from desktop.cache.outbox import ConflictRow, OutboxEntry, OutboxError

# Bookkeeping fields of every record: never compared, never merged
BOOKKEEPING = frozenset({"version", "updated_at"})
CONFLICT_REASON = "conflict: changed on the server"


class Outcome(StrEnum):
    """What one pushed row came to; PushReport counts each."""

    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class ServerCopy(NamedTuple):
    """A server version of a record; `data` None: deleted there (or no copy came back)."""

    version: int
    data: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class PushAnswer:
    """The server's usable answer to one pushed row."""

    status: Outcome  # APPLIED, CONFLICT or REJECTED
    version: int | None  # the record's server version after it, when given
    server: dict[str, Any] | None  # the server's copy, when given
    field: str | None = None  # a rejection's field
    message: str = "refused"  # a rejection's message


def read_answers(results: object) -> dict[str, dict[str, Any]]:
    """The push response's answers by client_id; anything without a text client_id is left out."""
    answers: dict[str, dict[str, Any]] = {}
    for result in results if isinstance(results, list) else []:
        if isinstance(result, dict) and isinstance(result.get("client_id"), str):
            answers[result["client_id"]] = result
    return answers


def read_answer(raw: dict[str, Any] | None) -> PushAnswer | None:
    """A usable answer, or None (missing, or a status other than applied/conflict/rejected)."""
    if raw is None:
        return None
    status = raw.get("status")
    if status not in (Outcome.APPLIED, Outcome.CONFLICT, Outcome.REJECTED):
        return None
    version = raw.get("version")
    server = raw.get("server")
    field = raw.get("field")
    return PushAnswer(
        status=Outcome(status),
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        server=server if isinstance(server, dict) else None,
        field=str(field) if field else None,
        message=str(raw.get("message") or "refused")[:500],
    )


def merge_fields(
    base: dict[str, Any] | None, local: dict[str, Any], server: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Field-level three-way merge, or None when it is not safe.

    Fields the agent changed (local vs base) and fields the server changed (server vs base)
    must not overlap (unless both changed a field to the same value); the result is the server
    copy with the agent's changed fields on top. No base (a create), no server copy (deleted
    there) or an overlap -> None (server wins). Bookkeeping fields are never compared."""
    if base is None or server is None:
        return None
    keys = (set(base) | set(local) | set(server)) - BOOKKEEPING
    mine = {k for k in keys if local.get(k) != base.get(k)}
    theirs = {k for k in keys if server.get(k) != base.get(k)}
    if any(local.get(k) != server.get(k) for k in mine & theirs):
        return None
    merged = {k: v for k, v in server.items() if k not in BOOKKEEPING}
    for key in mine:
        if key in local:
            merged[key] = local[key]
        else:
            merged.pop(key, None)
    return merged


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """`applied`: drop the row, raise the cached version, rebase the record's later rows on
    (`version`, `rebase_payload`), then settle the record with `settle`."""

    version: int | None
    rebase_payload: dict[str, Any]
    settle: tuple[ServerCopy, ...]


@dataclass(frozen=True, slots=True)
class Reject:
    """`rejected`: list the row with `reason` (removing it from the outbox), settle with
    `settle`; with `drop_local_if_unqueued` and no other row queued for the record, delete the
    local copy (a refused create: the server has none)."""

    reason: str
    settle: tuple[ServerCopy, ...]
    drop_local_if_unqueued: bool


@dataclass(frozen=True, slots=True)
class Merge:
    """`conflict`, merged: the answered row becomes `merged` on `version` (base: the server's
    copy) under a new client id; each row in `audited` leaves a resolved "merged into" entry,
    rows in `replaced` leave the outbox; the merged record is cached at `version`."""

    merged: dict[str, Any]
    version: int | None
    server: dict[str, Any] | None
    audited: tuple[OutboxEntry, ...]
    replaced: tuple[OutboxEntry, ...]


@dataclass(frozen=True, slots=True)
class ListConflict:
    """`conflict`, not mergeable: `listed` (the newest local copy) goes to the agent's conflict
    list with `reason` and the `server` copy; rows in `superseded` leave a resolved entry and
    the outbox; settle."""

    listed: OutboxEntry
    reason: str
    server: dict[str, Any] | None
    superseded: tuple[OutboxEntry, ...]
    settle: tuple[ServerCopy, ...]


Decision = Acknowledge | Reject | Merge | ListConflict


def on_applied(entry: OutboxEntry, answer: PushAnswer) -> Acknowledge:
    settle: tuple[ServerCopy, ...] = ()
    if answer.version is not None:
        settle = (ServerCopy(answer.version, answer.server if entry.op == "upsert" else None),)
    return Acknowledge(answer.version, answer.server or entry.payload, settle)


def on_rejected(answer: PushAnswer) -> Reject:
    reason = f"rejected: {answer.field}: {answer.message}" if answer.field else f"rejected: {answer.message}"
    has_copy = answer.server is not None or bool(answer.version)
    return Reject(
        reason=reason,
        settle=(ServerCopy(answer.version or 0, answer.server),) if has_copy else (),
        drop_local_if_unqueued=answer.server is None and answer.version is None,
    )


def on_conflict(
    entry: OutboxEntry, answer: PushAnswer, queued: Sequence[OutboxEntry]
) -> Merge | ListConflict:
    """`queued`: every row still in the outbox for the record, oldest first (`entry` among them)."""
    latest = queued[-1] if queued else entry
    merged = None
    if all(e.op == "upsert" for e in queued):
        merged = merge_fields(entry.base_payload, latest.payload, answer.server)
    if merged is not None:
        return Merge(
            merged=merged,
            version=answer.version,
            server=answer.server,
            audited=tuple(queued),
            replaced=tuple(e for e in queued if e is not entry and e.client_id != entry.client_id),
        )
    return ListConflict(
        listed=latest,
        reason=CONFLICT_REASON,
        server=answer.server,
        superseded=tuple(e for e in queued if e.client_id != latest.client_id),
        settle=(ServerCopy(answer.version or 0, answer.server),),
    )


def decide(entry: OutboxEntry, answer: PushAnswer, queued: Sequence[OutboxEntry]) -> Decision:
    """The decision for `entry` given its `answer`; `queued` is only read for a conflict."""
    if answer.status is Outcome.APPLIED:
        return on_applied(entry, answer)
    if answer.status is Outcome.REJECTED:
        return on_rejected(answer)
    return on_conflict(entry, answer, queued)


def reapply_base_version(conflict: ConflictRow, cached: int | None, has_cached_copy: bool) -> int | None:
    """The server version an agent's re-applied copy is queued on: the record's cached version,
    else the version of the server copy in the conflict; None when the cache holds no copy
    (the record is created again). OutboxError for a server copy whose version is not a whole
    number (the copy came from the network)."""
    if not has_cached_copy:
        return None
    if cached is not None:
        return cached
    version = conflict.server.get("version") if conflict.server else None
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise OutboxError(f"base_version must be an int or None, got {version!r}")
    return version
