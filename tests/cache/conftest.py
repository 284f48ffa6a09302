from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_builders import sample_page

from desktop.cache.store import CacheStore


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "cache.sqlite3"


@pytest.fixture
def store(cache_path: Path) -> Iterator[CacheStore]:
    opened = CacheStore(cache_path)
    yield opened
    opened.close()


@pytest.fixture
def filled_store(store: CacheStore) -> CacheStore:
    report = store.apply_changes_report(sample_page(), next_since=12)
    assert report.skipped == 0
    return store
