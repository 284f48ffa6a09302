"""The running desktop pushes a local write in the background and shows state and outbox count;
its conflict dialog opens over the main window."""

from __future__ import annotations

import asyncio
import secrets

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from desktop.cache.outbox import new_id
from desktop.config import Settings
from desktop.desks.root import DesktopApp
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
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    shown_states: list[str] = []
    shown_counts: list[int] = []
    runtime.session.connectivityChanged.connect(shown_states.append)
    runtime.session.outboxCountChanged.connect(shown_counts.append)
    await runtime.start(initial_sync=True)
    try:
        note_id = new_id()
        runtime.store.write_local("note", {"id": note_id, "customer_id": "C0000001", "text": "后台推送"})
        runtime.sync.connectivity.kick()
        assert 1 in shown_counts
        await _eventually(lambda: runtime.store.outbox_count() == 0)
        await _eventually(lambda: shown_counts[-1] == 0 and shown_states[-1] == "online")
        # the status bar shows what the session says
        assert runtime.window.connection_state() == "online" == runtime.session.connectivity
        rows = central._rows(
            "SELECT version FROM change_log WHERE entity = 'note' AND entity_id = :i", i=note_id
        )
        assert [r[0] for r in rows] == [1]

        await runtime.sync.open_conflicts()
        dialogs = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, ConflictsDialog) and w.isVisible()
        ]
        assert dialogs and dialogs[0].list.rowCount() == 0
        dialogs[0].close()
    finally:
        await runtime.stop()


class _ClickWhenShown(QObject):
    """Clicks a button the moment the app shows it, as an agent watching for it would."""

    def __init__(self, button: QPushButton, qtbot) -> None:
        super().__init__()
        self.button, self.qtbot, self.clicks = button, qtbot, 0
        button.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.clicks == 0:
            self.clicks += 1
            QTimer.singleShot(0, lambda: self.qtbot.mouseClick(self.button, Qt.MouseButton.LeftButton))
        return False


async def test_the_status_bar_cancel_stops_a_running_pull(seeded_central_sqlite, tmp_path, qtbot):
    api = CentralApi(seeded_central_sqlite.url)
    session = await api.login("1001", "demo")
    settings = Settings(
        central_url=seeded_central_sqlite.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0
    )
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=False)
    await runtime.sync.pause_background()  # only the pull under test runs
    try:
        cancel = runtime.window.findChild(QPushButton, "syncCancel")
        clicker = _ClickWhenShown(cancel, qtbot)
        result = await runtime.sync.pull()  # the first pull: a bootstrap of many pages
        assert clicker.clicks == 1
        assert result is not None and result.cancelled and not result.complete
        assert not cancel.isVisible()  # the progress and its button go when the pull stops
        assert "cancelled" in runtime.window.statusBar().currentMessage()
        assert runtime.store.bootstrap_state().get("bootstrap_phase") in ("pop", "window")
        # the next pull resumes where the cancelled one stopped and completes
        clicker.clicks = 1  # no more clicks
        again = await runtime.sync.pull()
        assert again is not None and again.complete and not again.cancelled
    finally:
        await runtime.stop()
        await runtime.stop()  # idempotent


async def test_a_customer_shown_in_the_running_desktop_reaches_the_audit_log(
    seeded_central_sqlite, tmp_path, qtbot
):
    central = seeded_central_sqlite
    api = CentralApi(central.url)
    session = await api.login("1002", "demo")
    settings = Settings(central_url=central.url, cache_path=str(tmp_path / "cache.sqlite3"), cti_port=0)
    runtime = DesktopApp(settings, api, session, cti_token=secrets.token_urlsafe(16))
    qtbot.addWidget(runtime.window)
    await runtime.start(initial_sync=True)
    try:
        customer_id = central.sample_customer()["id"]
        runtime.customers.show_customer(customer_id)  # as the search list or `calldesk pop` does
        assert runtime.window.card.current_customer_id() == customer_id
        await _eventually(lambda: runtime.store.outbox_count() == 1)
        runtime.sync.connectivity.kick()
        await _eventually(lambda: runtime.store.outbox_count() == 0)
        rows = central._rows(
            "SELECT username, action, source FROM audit_events WHERE customer_id = :c", c=customer_id
        )
        assert ("1002", "view", "desktop") in [tuple(r) for r in rows]
    finally:
        await runtime.stop()
