from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from desktop.services.worker import release_worker_store


@pytest.fixture(autouse=True)
async def _close_worker_stores() -> AsyncIterator[None]:
    """Each test's cache file is closed on the worker thread before tmp_path goes away."""
    yield
    await release_worker_store(None)
