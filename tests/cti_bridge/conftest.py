"""The bridge rig most bridge tests share: the real central API, the real bridge and the two
agents' desktop-side clients (1001 and 1002) on loopback. Tests that need other limits or no
desks define their own `rig`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from .bridge_rig import Rig, start_rig


@pytest.fixture
async def rig(seeded_central_sqlite: Any) -> AsyncIterator[Rig]:
    the_rig = await start_rig(seeded_central_sqlite.url)
    the_rig.central = seeded_central_sqlite  # type: ignore[attr-defined]
    await the_rig.desk("1001", seeded_central_sqlite.token_for("1001"))
    await the_rig.desk("1002", seeded_central_sqlite.token_for("1002"))
    yield the_rig
    await the_rig.close()
