"""Every dialog of the running desktop opened and closed hundreds of times under the real event
loop (qasync, DesktopApp against the real central API on loopback, a real cache file): after each
close the desk holds no reference to it (its property reads None), the dialog object is deleted
(shiboken says it is no longer valid) and the next open works. Issue 14: touching a closed wrap-up
dialog the ticket desk still held crashed in libshiboken twice."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QDialog

from calldesk_domain.call_controls import CallPhase, Control
from desktop.config import Settings
from desktop.desks.root import DesktopApp
from desktop.services.api import CentralApi

ROUNDS = 200


async def _settle() -> None:
    """Let the loop run once and deliver the deferred deletes (what the app does between events)."""
    await asyncio.sleep(0)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    await asyncio.sleep(0)


async def _wait(predicate: Callable[[], Any], timeout_s: float = 5.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not (value := predicate()):
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)
    return value


async def _runtime(central, tmp_path: Path, qtbot) -> DesktopApp:
    api = CentralApi(central.url)
    login = await api.login("1001", "demo")
    runtime = DesktopApp(
        Settings(
            central_url=central.url,
            cache_path=str(tmp_path / f"c-{uuid.uuid4().hex[:6]}.sqlite3"),
            cti_port=0,
            language="en",
        ),
        api,
        login,
        cti_token=secrets.token_urlsafe(16),
        config_file=tmp_path / "config.toml",
    )
    qtbot.addWidget(runtime.window)
    runtime.sync.start_background = lambda: None  # type: ignore[method-assign]
    await runtime.start()
    return runtime


async def _cycle(
    name: str,
    open_it: Callable[[], Any],
    held: Callable[[], QDialog | None],
    close: Callable[[QDialog], None],
) -> None:
    for round_ in range(ROUNDS):
        opened = open_it()
        if asyncio.iscoroutine(opened):
            await opened
        dialog = await _wait(held)
        assert dialog.isVisible(), f"{name}: round {round_} not shown"
        close(dialog)
        await _settle()
        assert held() is None, f"{name}: the desk still holds a closed dialog (round {round_})"
        assert not shiboken6.isValid(dialog), f"{name}: a closed dialog was never deleted (round {round_})"


async def test_each_dialog_opens_and_closes_hundreds_of_times_without_use_after_close(
    seeded_central_sqlite, tmp_path, qtbot
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    window = runtime.window
    try:
        customer = seeded_central_sqlite.sample_customer()
        runtime.customers.show_customer(customer["id"])
        await _wait(lambda: window.card.current_customer_id() == customer["id"])
        tickets = runtime.tickets

        await _cycle(
            "ticket form", window.new_ticket_action.trigger, lambda: tickets.form, lambda d: d.close()
        )
        await _cycle(
            "wrap-up", window.log_contact_action.trigger, lambda: tickets.wrapup, lambda d: d.reject()
        )
        await _cycle(
            "settings",
            window.settings_action.trigger,
            lambda: runtime.settings_desk.dialog,
            lambda d: d.reject(),
        )
        await _cycle(
            "conflicts",
            window.conflicts_action.trigger,
            lambda: runtime.sync.conflicts_dialog,
            lambda d: d.close(),
        )
        await _cycle(
            "new customer",
            lambda: window.card.createCustomerRequested.emit("13900001111"),
            lambda: runtime.customers.new_customer_dialog,
            lambda d: d.reject(),
        )

        # reused, never recreated: the knowledge base (Ctrl+K) and the transfer picker
        first = tickets.open_knowledge()
        assert first is not None
        for _ in range(ROUNDS):
            window.knowledge_action.trigger()
            assert tickets.knowledge_dialog is first and first.isVisible()
            first.reject()
            await _settle()
            assert shiboken6.isValid(first)
        bar = runtime.calls.bar
        bar.set_call(CallPhase.TALKING, "c-1")
        picker = bar.picker
        for round_ in range(ROUNDS):
            bar.actions_by_control[Control.TRANSFER if round_ % 2 else Control.CONSULT].trigger()
            await _wait(picker.isVisible)
            picker.reject()
            await _settle()
        assert bar.picker is picker and shiboken6.isValid(picker)

        # a desk still working after all that: the pending wrap-up path and stop() touch no dead dialog
        assert tickets.open_pending_wrapup() is None
    finally:
        await runtime.stop()
    assert runtime.tickets.form is None and runtime.tickets.wrapup is None


async def test_ctrl_k_opens_the_knowledge_base_from_the_main_window_and_searches_the_server(
    seeded_central_sqlite, tmp_path, qtbot
):
    runtime = await _runtime(seeded_central_sqlite, tmp_path, qtbot)
    window = runtime.window
    try:
        assert window.knowledge_action in window.call_menu.actions()  # listed, with its shortcut
        assert window.knowledge_action.shortcut().toString() == "Ctrl+K"
        window.activateWindow()
        window.card.setFocus()
        window.knowledge_action.trigger()
        dialog = runtime.tickets.knowledge_dialog
        assert dialog is not None and dialog.isVisible()
        assert not dialog.panel.link.isVisible()  # no ticket to link to from here
        panel = dialog.panel
        panel.query.setText("退货 运费")  # QTest cannot type Chinese characters
        panel._debounce.stop()
        panel.run_search()
        await asyncio.wait_for(panel._task, 5)
        assert panel.results.count() >= 1 and panel.results.item(0).text().startswith("KB008")
        dialog.reject()
    finally:
        await runtime.stop()
