"""Retry delays: doubling, capped, stretched at random. One rule for every CTI reconnect (AMI,
ESL, the bridge's desktop links) and the central server's webhook retries."""

from __future__ import annotations

import random
from typing import Protocol

MAX_DOUBLINGS = 30  # 2**30 times any sane initial delay is past every cap


class BackoffSettings(Protocol):
    @property
    def backoff_initial(self) -> float: ...
    @property
    def backoff_max(self) -> float: ...
    @property
    def backoff_jitter(self) -> float:  # each delay is stretched by up to this fraction, at random
        ...


def backoff_delay(attempt: int, settings: BackoffSettings, rng: random.Random) -> float:
    """Seconds to wait before reconnect attempt `attempt` (0-based): initial * 2**attempt, capped
    at backoff_max, then stretched by a random 0..backoff_jitter fraction so that many clients
    cut off together do not all come back in the same instant."""
    base = min(settings.backoff_initial * (2 ** min(attempt, MAX_DOUBLINGS)), settings.backoff_max)
    return base * (1.0 + settings.backoff_jitter * rng.random())
