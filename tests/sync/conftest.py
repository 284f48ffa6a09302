from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from central_world import CentralWorld

from desktop.services.worker import release_worker_store


@pytest.fixture(autouse=True)
async def _close_worker_stores() -> AsyncIterator[None]:
    """Each test's cache file is closed on the worker thread before tmp_path goes away."""
    yield
    await release_worker_store(None)


@pytest.fixture(scope="module")
def central_300(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralWorld]:
    """A central API seeded with 300 customers, shared by read-only tests of a module."""
    world = CentralWorld(tmp_path_factory.mktemp("central300"), customers=300)
    yield world
    world.stop()


@pytest.fixture
def central_small(tmp_path: Path) -> Iterator[CentralWorld]:
    """A fresh central API with 40 customers that the test may change."""
    world = CentralWorld(tmp_path / "central", customers=40, seed=5)
    yield world
    world.stop()
