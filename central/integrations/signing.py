"""HMAC signatures of integration webhooks, both directions (OMS -> CRM, CRM <-> ticket system).

Headers: `X-CallDesk-Timestamp` (Unix seconds) and `X-CallDesk-Signature: sha256=<hex>`, the
HMAC-SHA256 of `<timestamp>.<raw body>` with the shared secret. A request is refused when the
signature is wrong, or its timestamp is outside the replay window (default 5 minutes) either way:
a captured request cannot be replayed later, and inside the window replays are harmless because
every receiver is idempotent (order number + version; ticket action + version).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-CallDesk-Timestamp"
SIGNATURE_HEADER = "X-CallDesk-Signature"
REPLAY_WINDOW_S = 300


class SignatureError(ValueError):
    """Why a webhook request was refused (said to the caller with a 401)."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    window_s: int = REPLAY_WINDOW_S,
) -> None:
    """Raise SignatureError unless `body` carries a valid, fresh signature."""
    timestamp = headers.get(TIMESTAMP_HEADER) or headers.get(TIMESTAMP_HEADER.lower())
    given = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower())
    if not timestamp or not given:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be Unix seconds")
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > window_s:
        raise SignatureError(f"timestamp outside the {window_s} s replay window")
    if not hmac.compare_digest(given.encode(), signature(secret, timestamp, body).encode()):
        raise SignatureError("signature does not match")
