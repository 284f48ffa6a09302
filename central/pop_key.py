"""Data minimisation of phone numbers (docs/security.md "Data minimisation and audit").

A role without the right to see numbers (`policy.PHONE_VISIBLE_ROLES`) gets each phone as
`{"e164": "139****5670", "kind", "label", "key": <keyed hash>}`: the masked number to show and
`key` = HMAC-SHA256(pop key, full E.164), hex, truncated to 128 bits. The desktop keys its pop
index on `key`, so a ringing number (hashed with the same key) still finds its customer offline,
and the cache holds no full number.

The pop key is per deployment, derived from the token signing key (HKDF-SHA256, its own label):
every API process behind a load balancer has the same one, it lives outside the database like
the signing key, and knowing it tells nothing about the signing key. Signed-in desktops fetch it
from `GET /api/v1/auth/pop-key`.

Threat model, honestly: the key protects the numbers only from someone who has a cache file
but not the key. Whoever holds the key (any signed-in desktop, the OS keyring of a desktop that
stored it) can hash every candidate number: with the masked digits known, that is 10,000
candidates per number, microseconds; even without them, the ~1e9 mainland mobile numbers are
minutes of work. So the key is never written to the cache file (the desktop keeps it in the OS
keyring), and masking is a control against casual exposure and stolen cache files, not against
a signed-in user who wants to enumerate. The real control for a signed-in agent is the server:
full numbers only through the audited reveal.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from calldesk_domain.phone import PHONE_KEY_HEX, mask, phone_key
from central import policy

KEY_BYTES = 32
HASH_HEX = PHONE_KEY_HEX
_INFO = b"calldesk pop index key v1"


def derive(signing_key: Ed25519PrivateKey) -> bytes:
    raw = signing_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_INFO).derive(raw)


def key_id(key: bytes) -> str:
    """Short public name of a key: a desktop holding another deployment's (or an old) key sees
    it differ and rebuilds its pop index."""
    return hashlib.sha256(b"kid" + key).hexdigest()[:16]


def key_document(key: bytes) -> dict[str, Any]:
    """GET /api/v1/auth/pop-key: what a signed-in desktop needs to hash a ringing number."""
    return {
        "alg": "HMAC-SHA256",
        "kid": key_id(key),
        "key": base64.b64encode(key).decode("ascii"),
        "hash_hex_chars": HASH_HEX,
    }


def minimise_phones(phones: list[dict[str, Any]], key: bytes) -> list[dict[str, Any]]:
    return [
        {**phone, "e164": mask(phone.get("e164")), "key": phone_key(key, str(phone.get("e164") or ""))}
        for phone in phones
    ]


def minimise_customer(customer: dict[str, Any], role: str, key: bytes) -> dict[str, Any]:
    """The customer as `role` may see it: numbers masked and keyed unless the policy lets the
    role see them; POST .../reveal shows them (audited)."""
    if policy.can_see_phones(role):
        return customer
    return {**customer, "phones": minimise_phones(list(customer.get("phones") or []), key)}


def feed_filter(role: str, key: bytes) -> Callable[[str, str | None], str | None] | None:
    """For a role that may not see numbers: customer records of a feed page minimised (staff
    keep the fast path, the stored JSON spliced in as is)."""
    if policy.can_see_phones(role):
        return None

    def minimise(entity: str, data: str | None) -> str | None:
        if entity != "customer" or data is None:
            return data
        record = minimise_customer(json.loads(data), role, key)
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"))

    return minimise


def unmask_phones(
    data: dict[str, Any], server: dict[str, Any] | None, key: bytes
) -> tuple[dict[str, Any], str | None]:
    """A customer pushed by a role that sees masked numbers: each masked phone is put back to
    the server's full number with the same key (an agent editing the e-mail sends the phones
    as they were given). Returns (record, None), or (record, message) when a masked phone
    matches none of the server's numbers."""
    phones = data.get("phones")
    if not isinstance(phones, list):
        return data, None
    known = {phone_key(key, str(p.get("e164"))): p.get("e164") for p in (server or {}).get("phones") or []}
    out = []
    for phone in phones:
        if isinstance(phone, dict) and "*" in str(phone.get("e164") or ""):
            full = known.get(str(phone.get("key") or ""))
            if full is None:
                return data, "a masked number that is not one of this customer's numbers"
            phone = {**phone, "e164": full}
        if isinstance(phone, dict):
            phone = {k: v for k, v in phone.items() if k != "key"}
        out.append(phone)
    return {**data, "phones": out}, None
