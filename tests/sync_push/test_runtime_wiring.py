"""The running desktop pushes a local write in the background and shows state and outbox count;
its conflict dialog opens over the main window."""

from __future__ import annotations

import asyncio
import secrets

from PySide6.QtWidgets import QApplication

from desktop.cache.outbox import new_id
from desktop.config import Settings
from desktop.runtime import DesktopRuntime
from desktop.services.api import CentralApi
from desktop.views.conflicts_dialog import ConflictsDialog


async def _eventually(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_runtime_pushes_a_local_write_and_reports_it(seeded_central_sqlite, tmp_path, qtbot):
    central = seeded_central_sqlite
    api = CentralApi(central.url)
    session = await api.login("1001", "demo")
    settings = Settings(central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0)
    runtime = DesktopRuntime(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    shown_states: list[str] = []
    shown_counts: list[int] = []
    original_state, original_count = runtime.window.set_connection_state, runtime.window.set_outbox_count
    runtime.window.set_connection_state = lambda s: (shown_states.append(s), original_state(s))[1]  # type: ignore[method-assign]
    runtime.window.set_outbox_count = lambda n: (shown_counts.append(n), original_count(n))[1]  # type: ignore[method-assign]
    await runtime.start(initial_sync=True)
    try:
        note_id = new_id()
        runtime.store.write_local("note", {"id": note_id, "customer_id": "C0000001", "text": "后台推送"})  # type: ignore[union-attr]
        runtime.connectivity.kick()  # type: ignore[union-attr]
        assert 1 in shown_counts
        await _eventually(lambda: runtime.store.outbox_count() == 0)  # type: ignore[union-attr]
        await _eventually(lambda: shown_counts[-1] == 0 and shown_states[-1] == "online")
        rows = central._rows(
            "SELECT version FROM change_log WHERE entity = 'note' AND entity_id = :i", i=note_id
        )
        assert [r[0] for r in rows] == [1]

        runtime.open_conflicts()
        dialogs = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, ConflictsDialog) and w.isVisible()
        ]
        assert dialogs and dialogs[0].list.rowCount() == 0
        dialogs[0].close()
    finally:
        await runtime.stop()
