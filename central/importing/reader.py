"""Stream an import file as (line number, byte offset after the row, row or error), never whole.

JSON lines: one object per line. CSV: a header line, then rows; list-valued columns (items,
phones, tags) hold JSON text. The byte offset after each row is what a resumed import seeks to.
A row that cannot be decoded comes back as a `RowError`, so one bad line never stops the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from central.importing.rows import RowError, has_lone_surrogate

MAX_LINE_BYTES = 1 << 20  # a longer line is reported and skipped, never held whole

Row = tuple[int, int, dict[str, Any] | RowError]


def detect_format(path: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def _lines(stream: BinaryIO, start: int) -> Iterator[tuple[int, bytes | None]]:
    """(offset after the line, line bytes) from `start`; None for a line over the limit."""
    stream.seek(start)
    offset = start
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        offset += len(line)
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:  # skip the rest of the oversized line without keeping it
                rest = stream.readline(MAX_LINE_BYTES)
                offset += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield offset, None
            continue
        yield offset, line


def _decode(line: bytes) -> str | RowError:
    try:
        return line.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        return RowError("", "not UTF-8 text")


def _texts_of(number: int, offset: int, line: bytes | None) -> Iterator[tuple[int, int, str | RowError]]:
    if line is None:
        yield number, offset, RowError("", f"line longer than {MAX_LINE_BYTES} bytes")
        return
    text = _decode(line)
    if isinstance(text, RowError) or text.strip():
        yield number, offset, text


def _texts(stream: BinaryIO, start: int, first_line: int) -> Iterator[tuple[int, int, str | RowError]]:
    """(line number, offset after it, its text or why it has none) for each line that is not
    blank: the framing both formats share."""
    number = first_line - 1
    for offset, line in _lines(stream, start):
        number += 1
        yield from _texts_of(number, offset, line)


def _jsonl_row(number: int, offset: int, text: str | RowError) -> Row:
    if isinstance(text, RowError):
        return number, offset, text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return number, offset, RowError("", f"not JSON ({exc.msg})")
    except ValueError as exc:  # valid JSON Python refuses: an integer over its 4300-digit limit
        return number, offset, RowError("", f"not JSON ({exc})")
    if not isinstance(value, dict):
        return number, offset, RowError("", "not a JSON object")
    if has_lone_surrogate(value):  # only this path: orjson refuses such escapes itself
        return number, offset, RowError("", "a \\u escape that is not Unicode text (lone surrogate)")
    return number, offset, value


def read_jsonl(stream: BinaryIO, start: int = 0, first_line: int = 1) -> Iterator[Row]:
    """orjson reads the well-formed lines (several times faster, straight from the bytes); a line
    it refuses (blank, a BOM, NaN, a huge integer, bad JSON) goes through the standard library,
    whose verdict and message stand, so the fast path never changes what is accepted."""
    number = first_line - 1
    for offset, line in _lines(stream, start):
        number += 1
        if line is not None:
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                pass
            else:
                yield number, offset, value if isinstance(value, dict) else RowError("", "not a JSON object")
                continue
        for row in _texts_of(number, offset, line):
            yield _jsonl_row(*row)


def csv_header(stream: BinaryIO) -> tuple[list[str], int]:
    """The header's column names and the byte offset after it."""
    for offset, line in _lines(stream, 0):
        text = _decode(line) if line is not None else RowError("", "header too long")
        if isinstance(text, RowError):
            raise ValueError(f"line 1: {text.reason}")
        return next(csv.reader([text])), offset
    raise ValueError("the file is empty: a CSV import needs a header line")


def read_csv(stream: BinaryIO, header: list[str], start: int, first_line: int) -> Iterator[Row]:
    """CSV rows after the header. A quoted field spanning lines is not supported: the OMS exports
    this is for put one record per line (a row with the wrong column count is reported)."""
    for number, offset, text in _texts(stream, start, first_line):
        if isinstance(text, RowError):
            yield number, offset, text
            continue
        try:
            cells = next(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            yield number, offset, RowError("", f"bad CSV ({exc})")
            continue
        if len(cells) != len(header):
            yield number, offset, RowError("", f"{len(cells)} columns, the header has {len(header)}")
            continue
        yield number, offset, {key: value for key, value in zip(header, cells, strict=True) if value != ""}
