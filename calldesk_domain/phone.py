"""Phone number normalisation to E.164 and display masking.

The region a number without a country code belongs to is a setting (`phone_region`, CN unless
configured); every function that parses takes it, with CN as the default.

Caller ids arrive from PBXs in every shape: 13800138000, +86 138 0013 8000, 008613800138000,
010-12345678, 01012345678, "anonymous", "" or garbage. `normalize` turns each into one E.164
string or None and never raises: a bad caller id must never crash a screen pop.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers

DEFAULT_REGION = "CN"

_WITHHELD = frozenset(
    {"", "anonymous", "unknown", "withheld", "private", "restricted", "unavailable", "<unknown>", "null"}
)
_EXTENSION_SPLIT = re.compile(r"\s*(?:ext\.?|x|#|转|分机)\s*\d+\s*$", re.IGNORECASE)
_MAX_INPUT = 64
# The shape almost every PBX sends for a mainland mobile: bare digits, optionally +86 / 86 / 0086.
# phonenumbers answers "+86" + the 11 digits for all of them; the 11x, 12x and 179 ranges are left
# out because CN's carrier-selection prefixes make it strip digits there. Skipping the full parse
# takes the largest single cost out of a screen pop (tests/domain/test_phone.py checks equality).
_PLAIN_CN_MOBILE = re.compile(r"(?:\+86|86|0086)?(1(?:[3-689]\d|7[0-8])\d{8})", re.ASCII)


def check_region(code: object) -> str:
    """A region code phonenumbers can parse for ("CN", "HK", "GB"...); ValueError otherwise."""
    if not isinstance(code, str):
        raise ValueError(f"{code!r} is not a region code")
    region = code.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{code[:20]!r} is not a region code like CN, HK or GB")
    return region


def is_withheld(raw: str | None) -> bool:
    """True for what PBXs send when the caller withheld the number (None, "", "anonymous", ...)."""
    return raw is None or raw.strip().lower() in _WITHHELD


def normalize(raw: object, region: str = DEFAULT_REGION) -> str | None:
    """Return the E.164 form of `raw`, or None for withheld, empty or unusable input."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    text = raw.strip()
    if len(text) > _MAX_INPUT or text.lower() in _WITHHELD:
        return None
    if region == DEFAULT_REGION and (plain := _PLAIN_CN_MOBILE.fullmatch(text)):
        return "+86" + plain.group(1)
    text = _EXTENSION_SPLIT.sub("", text)
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if not digits:
        return None
    if text.startswith("+"):
        candidate = "+" + digits
    elif digits.startswith("00") and len(digits) > 4:
        candidate = "+" + digits[2:]
    else:
        candidate = digits
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    except Exception:  # phonenumbers has raised odd errors on pathological input
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def national_display(e164: str | None, region: str = DEFAULT_REGION) -> str:
    """Human form the agent reads: 138 0013 8000, 010 1234 5678 (numbers of `region` in national
    form, others international); '' for None."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code == phonenumbers.country_code_for_region(region):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask(e164_or_display: str | None) -> str:
    """Mask the middle of a number as agents without the right see it: 138****8000."""
    if not e164_or_display:
        return ""
    if "*" in e164_or_display:  # masked already (the API masks numbers for some roles)
        return e164_or_display
    digits = "".join(ch for ch in e164_or_display if ch.isdigit())
    if e164_or_display.startswith("+86"):
        digits = digits[2:]
        if not re.match(r"1[3-9]|400|800", digits):
            digits = "0" + digits  # landlines are read with their trunk 0: 010****5678
    if len(digits) <= 7:
        return digits[:2] + "*" * max(len(digits) - 4, 1) + digits[-2:]
    return digits[:3] + "****" + digits[-4:]


PHONE_KEY_HEX = 32  # 128 bits of HMAC-SHA256: collisions need ~2^64 numbers


def phone_key(key: bytes, e164: str) -> str:
    """The keyed hash an agent's pop index is keyed on (central/pop_key.py explains the key and
    the threat model): HMAC-SHA256(key, E.164), hex, 128 bits."""
    return hmac.new(key, e164.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:PHONE_KEY_HEX]


def is_mobile_cn(e164: str | None) -> bool:
    return bool(e164) and re.fullmatch(r"\+861[3-9]\d{9}", e164 or "") is not None
