from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from desktop.services.worker import release_worker_store

sys.path.insert(0, str(Path(__file__).parents[1] / "cache"))  # cache_builders: sample records


@pytest.fixture(autouse=True)
async def _close_worker_stores() -> AsyncIterator[None]:
    """Each test's cache file is closed on the worker thread before tmp_path goes away."""
    yield
    await release_worker_store(None)
