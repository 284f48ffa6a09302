"""Fixtures of the Customer 360 end-to-end tests (tests that need another desktop define their own)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from customer360_rig import _runtime

from desktop.desks.root import DesktopApp


@pytest.fixture
async def desktop(seeded_central_sqlite, tmp_path, qtbot) -> AsyncIterator[DesktopApp]:
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    yield runtime
    await runtime.stop()


@pytest.fixture
async def desktop_without_pull(seeded_central_sqlite, tmp_path, qtbot) -> AsyncIterator[DesktopApp]:
    """A synced desktop with no background pull: a customer written on the server afterwards stays
    unknown to its cache. (The pull would bring it through the feed, complete, whenever it happened
    to run first: under load that is after the write, and the online path under test is skipped.)"""
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot, background_sync=False)
    yield runtime
    await runtime.stop()


@pytest.fixture
async def on_demand_desktop(seeded_central_sqlite, tmp_path, qtbot) -> AsyncIterator[DesktopApp]:
    """A desktop whose cache has the pop index but no customer's detail marked as cached."""
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot, full_sync=False)
    yield runtime
    await runtime.stop()
