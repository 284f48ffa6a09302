"""Ticket tests: a real cache file and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop.cache.store import CacheStore

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path):
    with CacheStore(tmp_path / "cache.sqlite3") as cache:
        yield cache
