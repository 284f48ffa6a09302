"""Whatever starts something stops it completely: a central server and a desktop runtime started
and stopped 200 times leave the process's open files and memory flat.

Open files are compared with their count after a few warm-up cycles; memory with the second half's
start. FastAPI keeps its last 4,096 endpoint functions in LRU caches (fastapi.dependencies.models),
and with them each app's closures: memory climbs over the first ~65 apps, then stays. Both bounds
have headroom for allocator noise and still fail on a leaked database (3 files) per cycle or
~0.4 MB per cycle."""

from __future__ import annotations

import gc
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa
from desktop_cycle import run_desktop_once
from fixtures_central import mint_token
from PySide6.QtWidgets import QApplication

from central import auth
from central.db import make_engine
from central.seed import seed_database
from central.server import start_in_thread

CYCLES = int(os.environ.get("CALLDESK_LIFECYCLE_CYCLES", 200))
WARM_UP = 10  # first cycles fill one-off caches (imports, Qt, SQLAlchemy, translations)
CUSTOMERS = 5
FD_HEADROOM = 8
RSS_HEADROOM_MB = 40.0


def open_files(process: psutil.Process) -> int:
    """Open file descriptors (POSIX) or handles (Windows) of this process."""
    return int(process.num_handles()) if os.name == "nt" else int(process.num_fds())


def rss_mb(process: psutil.Process) -> float:
    return float(process.memory_info().rss) / 1e6


@pytest.fixture(scope="module")
def central_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A seeded (hence migrated) central database to copy per cycle, and an agent's token."""
    path = tmp_path_factory.mktemp("lifecycle-template") / "central.sqlite3"
    seed_database(f"sqlite:///{path}", CUSTOMERS, 3)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            user_id = conn.execute(sa.text("SELECT id FROM users WHERE username = '1001'")).scalar_one()
        # a session row in the template, so every copy of it accepts the token
        token = mint_token(engine, auth.Principal(user_id, "1001", "agent", "1001", "test", 0))
    finally:
        engine.dispose()
    yield path, token


async def _cycle(template: Path, token: str, work: Path) -> int:
    work.mkdir()
    shutil.copyfile(template, work / "central.sqlite3")
    server = start_in_thread(f"sqlite:///{work / 'central.sqlite3'}", migrate=False)
    try:
        customers = await run_desktop_once(server.url, token, work / "cache.sqlite3")
    finally:
        server.stop()
    # Nothing may hold the files any more (on Windows an open file cannot even be deleted).
    shutil.rmtree(work)
    gc.collect()  # as the app's collector does on the Qt thread (automatic collection is off)
    return customers


@pytest.mark.timeout(1800)  # ~3 min idle; 12 min seen on a 2-core box running 8 other jobs
async def test_central_and_desktop_start_and_stop_without_leaking(
    central_template: tuple[Path, str], tmp_path: Path
) -> None:
    template, token = central_template
    process = psutil.Process()
    widgets_before = set(QApplication.allWidgets())  # earlier tests on this worker may leave some
    files: list[int] = []
    rss: list[float] = []
    for cycle in range(CYCLES):
        assert await _cycle(template, token, tmp_path / f"cycle-{cycle}") == CUSTOMERS
        files.append(open_files(process))
        rss.append(rss_mb(process))
        if cycle % 20 == 19:
            print(f"cycle {cycle + 1}: {files[-1]} open files, {rss[-1]:.0f} MB", file=sys.stderr)
    assert list(tmp_path.iterdir()) == [], "a cycle's files are still there"
    left = [w for w in QApplication.allWidgets() if w not in widgets_before]
    assert left == [], "a stopped desktop's widgets are still alive"
    half = CYCLES // 2
    trend = (
        f"open files {files[WARM_UP - 1]}..{files[-1]} (max {max(files[WARM_UP:])}), "
        f"RSS {rss[WARM_UP - 1]:.0f}..{rss[half - 1]:.0f}..{rss[-1]:.0f} MB"
    )
    assert max(files[WARM_UP:]) <= files[WARM_UP - 1] + FD_HEADROOM, trend
    assert max(rss[half:]) <= rss[half - 1] + RSS_HEADROOM_MB, trend
