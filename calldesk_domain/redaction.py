"""Card-number redaction for free text (notes, fault descriptions, comments).

A customer reading a bank card number out loud ends up in the agent's notes; it must never be
stored. `redact_cards` replaces every Luhn-valid run of 13-19 digits (single spaces or dashes
allowed between digits) with a marker keeping only the last four digits. A run of digits longer
than 19 (two numbers typed next to each other) is scanned window by window, so a card number
glued to a phone number is still caught; over-redacting a random digit string is the safe side.
Pure: no I/O.
"""

from __future__ import annotations

import re

MIN_PAN_DIGITS = 13
MAX_PAN_DIGITS = 19

# Maximal runs of digits joined by at most one space or dash between two digits.
_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d)*")


def luhn_valid(digits: str) -> bool:
    """True when `digits` (only 0-9) passes the Luhn checksum."""
    if not digits or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _marker(digits: str) -> str:
    return f"[card ****{digits[-4:]}]"


def _card_spans(digits: str) -> list[tuple[int, int]]:
    """Spans (digit indexes, end exclusive) of Luhn-valid 13-19 digit windows, longest first,
    non-overlapping."""
    if MIN_PAN_DIGITS <= len(digits) <= MAX_PAN_DIGITS and luhn_valid(digits):
        return [(0, len(digits))]
    if len(digits) <= MAX_PAN_DIGITS:
        return []
    taken = [False] * len(digits)
    spans: list[tuple[int, int]] = []
    for length in range(MAX_PAN_DIGITS, MIN_PAN_DIGITS - 1, -1):
        for start in range(0, len(digits) - length + 1):
            end = start + length
            if any(taken[start:end]):
                continue
            if luhn_valid(digits[start:end]):
                spans.append((start, end))
                for i in range(start, end):
                    taken[i] = True
    return sorted(spans)


def _redact_run(run: str) -> str:
    positions = [i for i, char in enumerate(run) if char.isdigit()]
    digits = "".join(run[i] for i in positions)
    spans = _card_spans(digits)
    if not spans:
        return run
    out: list[str] = []
    cursor = 0  # index into run
    for start, end in spans:
        first, last = positions[start], positions[end - 1]
        out.append(run[cursor:first])
        out.append(_marker(digits[start:end]))
        cursor = last + 1
    out.append(run[cursor:])
    return "".join(out)


def redact_cards(text: str | None) -> str:
    """`text` with every Luhn-valid card number replaced by "[card ****1234]"; "" for None."""
    if not text:
        return ""
    return _DIGIT_RUN.sub(lambda match: _redact_run(match.group(0)), text)


def contains_card(text: str | None) -> bool:
    return bool(text) and redact_cards(text) != text
