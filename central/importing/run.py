"""`calldesk central import customers|orders|points FILE`: stream a file into the change feed.

- Batches of rows go through `central.writes.apply_changes`, so imported records get versions
  and change-feed rows like every other write, and desktops receive them by sync.
- Idempotent: a row whose record is already stored exactly as the file says it (same natural
  key, same content) writes nothing; a changed row writes the next version.
- Resumable: after each committed batch the byte offset and line number are written to a state
  file beside the input (`FILE.import-state.json`, or `--state`); a re-run with the same file
  continues after the last committed batch. The state names the file's size and the hash of its
  first 64 KiB, so a different file never resumes at a stale offset.
- Orders and points that name their customer by phone (`customer_phone`) are matched to the one
  customer with that number; no match or several matches go to the review list, not the feed.
- Bad rows are reported with line number, field and reason and never stop the import.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import Connection, Engine

from central.importing.reader import Row, csv_header, detect_format, read_csv, read_jsonl
from central.importing.rows import PARSERS, ParsedRow, RowError
from central.importing.store import Outcome, store_rows

# One transaction, one checkpoint and one set of lookups per batch; a few MB of rows in memory.
BATCH_ROWS = 5000
_FINGERPRINT_BYTES = 64 * 1024


@dataclass(slots=True)
class Rejected:
    line: int
    field: str
    reason: str

    def text(self) -> str:
        return f"line {self.line}: {self.field + ': ' if self.field else ''}{self.reason}"


# Rejected and review rows the report keeps (the rest are only counted, and handed to the
# callbacks as they occur): a file of a million bad lines must not fill the memory.
KEPT_ROWS = 1000


@dataclass(slots=True)
class ImportReport:
    kind: str
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)  # the first KEPT_ROWS
    review: list[Rejected] = field(default_factory=list)  # the first KEPT_ROWS
    rejected_count: int = 0
    review_count: int = 0
    resumed_from_line: int = 0
    seconds: float = 0.0

    def add_rejected(self, row: Rejected) -> None:
        self.rejected_count += 1
        if len(self.rejected) < KEPT_ROWS:
            self.rejected.append(row)

    def add_review(self, row: Rejected) -> None:
        self.review_count += 1
        if len(self.review) < KEPT_ROWS:
            self.review.append(row)

    def summary(self) -> str:
        resumed = f", resumed after line {self.resumed_from_line}" if self.resumed_from_line else ""
        return (
            f"imported {self.kind}: {self.rows} rows read{resumed}, {self.written} written, "
            f"{self.unchanged} unchanged, {self.rejected_count} rejected, {self.review_count} for review "
            f"in {self.seconds:.1f} s"
        )


def fingerprint(path: Path) -> dict[str, Any]:
    with path.open("rb") as stream:
        head = stream.read(_FINGERPRINT_BYTES)
    return {"size": path.stat().st_size, "head_sha256": hashlib.sha256(head).hexdigest()}


def _same_file_prefix(state: dict[str, Any], path: Path) -> bool:
    """The state was written for this file, or for a shorter version of it that has grown (an
    export appended to): same first bytes, and at least as long as the resume offset."""
    now = fingerprint(path)
    return (
        state.get("head_sha256") == now["head_sha256"] or state.get("size", 0) < _FINGERPRINT_BYTES
    ) and now["size"] >= int(state.get("offset", 0))


class ResumeState:
    """The checkpoint file of one import: written atomically after each committed batch."""

    def __init__(self, path: Path, kind: str, source: Path) -> None:
        self.path = path
        self.kind = kind
        self.source = source
        self._fingerprint: dict[str, Any] | None = None  # taken once: the file is not rewritten mid-import

    def load(self) -> tuple[int, int]:
        """(byte offset, last line number) to resume from; (0, 0) for a fresh start."""
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0, 0
        if not isinstance(state, dict) or state.get("kind") != self.kind:
            return 0, 0
        if not _same_file_prefix(state, self.source):
            return 0, 0
        return int(state.get("offset", 0)), int(state.get("line", 0))

    def save(self, offset: int, line: int) -> None:
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self.source)
        state = {"kind": self.kind, "offset": offset, "line": line, **self._fingerprint}
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class Progress:
    """A progress line on stderr: bytes read of the file, rows/s; redrawn on a terminal, a plain
    line every few seconds otherwise."""

    def __init__(
        self, total_bytes: int, out: TextIO = sys.stderr, clock: Callable[[], float] = time.monotonic
    ):
        self.total = max(total_bytes, 1)
        self.out = out
        self.clock = clock
        self.started = clock()
        self.last = 0.0
        self.tty = out.isatty()

    def show(self, offset: int, rows: int, *, final: bool = False) -> None:
        now = self.clock()
        if not final and now - self.last < (0.5 if self.tty else 5.0):
            return
        self.last = now
        rate = rows / max(now - self.started, 1e-6)
        text = f"{100 * offset / self.total:5.1f}%  {rows} rows  {rate:,.0f} rows/s"
        self.out.write(("\r" + text + ("\n" if final else "")) if self.tty else text + "\n")
        self.out.flush()


def _rows(path: Path, file_format: str, start: int, first_line: int) -> Iterator[Row]:
    with path.open("rb") as stream:
        if file_format == "csv":
            header, after_header = csv_header(stream)
            yield from read_csv(stream, header, max(start, after_header), max(first_line, 2))
        else:
            yield from read_jsonl(stream, start, first_line)


def _write_batch(
    conn: Connection, entity: str, batch: list[tuple[int, ParsedRow]]
) -> tuple[int, int, list[Rejected]]:
    """(written, unchanged, rows for review) of one batch, in the caller's transaction."""
    written = unchanged = 0
    review = []
    for result in store_rows(conn, entity, batch):
        if result.outcome is Outcome.WRITTEN:
            written += 1
        elif result.outcome is Outcome.REVIEW:
            review.append(Rejected(result.line, result.field, result.reason))
        else:
            unchanged += 1
    return written, unchanged, sorted(review, key=lambda row: row.line)


def run_import(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    file_format: str | None = None,
    state_path: Path | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_review: Callable[[Rejected], None] | None = None,
) -> ImportReport:
    """Import `path` (see the module docstring). Raises ValueError for a file that cannot be read
    at all (missing, no CSV header); bad rows are in the report, not raised."""
    if kind not in PARSERS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(PARSERS)}")
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    entity, parse = PARSERS[kind]
    started = time.monotonic()
    state = ResumeState(state_path or path.with_name(path.name + ".import-state.json"), kind, path)
    start, last_line = state.load()
    report = ImportReport(kind, resumed_from_line=last_line)
    batch: list[tuple[int, ParsedRow]] = []
    offset = start

    def commit(offset_after: int, line: int) -> None:
        if batch:
            with engine.begin() as conn:
                written, unchanged, review = _write_batch(conn, entity, batch)
            # Counted only once committed: a batch that rolled back is written again on resume.
            report.written += written
            report.unchanged += unchanged
            for row in review:
                report.add_review(row)
                if on_review is not None:
                    on_review(row)
            batch.clear()
        state.save(offset_after, line)

    line = last_line
    for line, offset, row in _rows(path, detect_format(path, file_format), start, last_line + 1):
        report.rows += 1
        if isinstance(row, RowError):
            parsed: ParsedRow | RowError = row
        else:
            try:
                parsed = parse(row)
            except RowError as exc:
                parsed = exc
        if isinstance(parsed, RowError):
            rejected = Rejected(line, parsed.field, parsed.reason)
            report.add_rejected(rejected)
            if on_rejected is not None:
                on_rejected(rejected)
        else:
            batch.append((line, parsed))
        if len(batch) >= batch_rows:
            commit(offset, line)
        if progress is not None:
            progress.show(offset, report.rows)
    commit(offset, line)
    state.clear()
    if progress is not None:
        progress.show(path.stat().st_size, report.rows, final=True)
    report.seconds = time.monotonic() - started
    return report
