"""Who a desktop is: the central API's answer to `GET /api/v1/auth/whoami` for the access token
the desktop sends in its hello, cached for the token's lifetime.

The bridge trusts nothing a desktop says about itself: agent id, role, PBX interface and queues
all come from the central API's user record.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

WHOAMI_PATH = "/api/v1/auth/whoami"
HEALTH_PATH = "/health"
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
MAX_CACHED_TOKENS = 50_000


@dataclass(frozen=True, slots=True)
class Identity:
    username: str
    agent_id: str
    role: str
    display_name: str = ""
    pbx_interface: str = ""  # "PJSIP/1001" (Asterisk), "1001@default" (FreeSWITCH)
    queues: tuple[str, ...] = ()
    team: str = ""
    expires_at: float = 0.0
    expiry_known: bool = True  # False: whoami gave no expiry; the bridge re-checks, never closes

    @property
    def supervisor(self) -> bool:
        return self.role in SUPERVISOR_ROLES


class HelloRefused(Exception):
    """The hello cannot be accepted; `code` goes on the error line, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def identity_from_whoami(body: Any) -> Identity:
    """The Identity in a whoami answer; raises ValueError when the answer is not one."""
    if not isinstance(body, dict):
        raise ValueError("whoami answer is not a JSON object")
    agent_id = body.get("agent_id")
    role = body.get("role")
    if not isinstance(agent_id, str) or not agent_id or not isinstance(role, str) or not role:
        raise ValueError("whoami answer lacks agent_id or role")
    queues = body.get("queues") or []
    if isinstance(queues, str):
        queues = [q.strip() for q in queues.split(",") if q.strip()]
    if not isinstance(queues, list) or not all(isinstance(q, str) for q in queues):
        raise ValueError("whoami answer has a bad queues list")
    expires = body.get("expires_at")
    return Identity(
        username=str(body.get("username") or agent_id),
        agent_id=agent_id,
        role=role,
        display_name=str(body.get("display_name") or ""),
        pbx_interface=str(body.get("pbx_interface") or ""),
        queues=tuple(queues),
        team=str(body.get("team") or ""),
        expires_at=_epoch(expires),
    )


def _epoch(value: Any) -> float:
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value:
        from datetime import datetime

        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0


def token_expired_locally(token: str, now: float) -> bool:
    """Read (not verify) the `exp` claim of a central API token: only to tell "expired" from
    "invalid" in the error the desktop gets; the central API alone decides validity."""
    parts = token.split(".")
    body = parts[1] if len(parts) == 3 else parts[0]  # a JWT's claims are its middle part
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return bool(float(claims["exp"]) <= now)
    except (ValueError, KeyError, TypeError, UnicodeError):
        return False


class CentralIdentities:
    """Checks hello tokens with the central API; answers are cached until the token expires."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | str = True,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url, verify=verify, timeout=timeout_s, transport=transport
        )
        self._clock = clock
        self._cache: dict[str, Identity] = {}
        self.lookups = 0
        self.cache_hits = 0
        self.unreachable = 0

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()

    async def identify(self, token: str) -> Identity:
        now = self._clock()
        key = self._key(token)
        cached = self._cache.get(key)
        if cached is not None:
            if cached.expires_at > now:
                self.cache_hits += 1
                return cached
            del self._cache[key]
            raise HelloRefused("token_expired", "the access token has expired: log in again")
        self.lookups += 1
        try:
            response = await self._client.get(WHOAMI_PATH, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            self.unreachable += 1
            raise HelloRefused(
                "central_unavailable",
                f"the bridge cannot reach the central API at {self.base_url} ({type(exc).__name__}); "
                "try again shortly",
            ) from None
        if response.status_code == 401:
            if token_expired_locally(token, now):
                raise HelloRefused("token_expired", "the access token has expired: log in again")
            raise HelloRefused("bad_token", "the central API does not accept this access token: log in again")
        if response.status_code == 403:
            raise HelloRefused("forbidden", "this user may not use the CTI bridge (inactive account?)")
        if response.status_code != 200:
            self.unreachable += 1
            raise HelloRefused(
                "central_unavailable",
                f"the central API answered {response.status_code} to whoami; try again shortly",
            )
        try:
            identity = identity_from_whoami(response.json())
        except ValueError as exc:
            self.unreachable += 1
            raise HelloRefused(
                "central_unavailable", f"the central API's whoami answer is unusable: {exc}"
            ) from None
        if identity.expires_at <= 0:
            identity = _with_expiry(identity, now + 300.0)  # no expiry given: re-check in 5 minutes
        if identity.expires_at <= now:
            raise HelloRefused("token_expired", "the access token has expired: log in again")
        self._remember(key, identity, now)
        return identity

    async def reachable(self) -> bool:
        """Does the central API answer (GET /health)? Before expired sessions are closed: while it
        is down no desktop could renew, and closing them would only stop every pop."""
        try:
            response = await self._client.get(HEALTH_PATH, timeout=3.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def _remember(self, key: str, identity: Identity, now: float) -> None:
        if len(self._cache) >= MAX_CACHED_TOKENS:
            for old in [k for k, v in self._cache.items() if v.expires_at <= now]:
                del self._cache[old]
            while len(self._cache) >= MAX_CACHED_TOKENS:
                del self._cache[next(iter(self._cache))]
        self._cache[key] = identity

    async def close(self) -> None:
        await self._client.aclose()


def _with_expiry(identity: Identity, expires_at: float) -> Identity:
    from dataclasses import replace

    return replace(identity, expires_at=expires_at, expiry_known=False)
