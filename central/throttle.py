"""Login rate limiting: failed sign-ins counted per username and per client address.

After `max_user_failures` wrong passwords for one username inside `window_s`, that username is
locked for `lockout_s` (doubling with each further lockout up to `max_lockout_s`); after
`max_address_failures` from one address, that address is. A locked sign-in is refused BEFORE the
password is checked (no argon2 cost, no oracle), answered 429 with Retry-After. A success clears
the username's count. State is per process: behind a load balancer each process limits on its
own, so the effective limit is at most processes x the configured one (docs/security.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Counter:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    lockouts: int = 0


@dataclass
class LoginThrottle:
    max_user_failures: int = 5
    max_address_failures: int = 30
    window_s: float = 15 * 60
    lockout_s: float = 60.0
    max_lockout_s: float = 30 * 60
    clock: Callable[[], float] = time.monotonic
    _users: dict[str, _Counter] = field(default_factory=dict, repr=False)
    _addresses: dict[str, _Counter] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until this username/address may try again; 0 when it may try now."""
        now = self.clock()
        with self._lock:
            waits = [
                counter.locked_until - now
                for counter in (self._users.get(username.casefold()), self._addresses.get(address))
                if counter is not None
            ]
        return max([0.0, *waits])

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._count(self._users, username.casefold(), self.max_user_failures, now)
            self._count(self._addresses, address, self.max_address_failures, now)
            if len(self._users) > 100_000 or len(self._addresses) > 100_000:
                self._forget_idle(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            counter = self._users.get(username.casefold())
            if counter is not None and counter.locked_until <= self.clock():
                del self._users[username.casefold()]

    def _count(self, table: dict[str, _Counter], name: str, limit: int, now: float) -> None:
        counter = table.setdefault(name, _Counter())
        counter.failures = [t for t in counter.failures if now - t < self.window_s]
        counter.failures.append(now)
        if len(counter.failures) >= limit:
            counter.lockouts += 1
            counter.locked_until = now + min(self.lockout_s * 2 ** (counter.lockouts - 1), self.max_lockout_s)
            counter.failures.clear()

    def _forget_idle(self, now: float) -> None:
        """Bound memory under a spray of random usernames: drop counters with nothing pending."""
        for table in (self._users, self._addresses):
            for name in [
                n
                for n, c in table.items()
                if c.locked_until <= now and all(now - t >= self.window_s for t in c.failures)
            ]:
                del table[name]
