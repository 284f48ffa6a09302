"""Shared test set-up: offscreen Qt, an in-memory keyring, and async tests on the Qt loop.

Area-specific fixtures live in tests/<area>/conftest.py, not here.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CALLDESK_LOG_LEVEL", "DEBUG")
# The central API's token signing key (central.tokens): one per test process, never the user's.
os.environ.setdefault(
    "CALLDESK_CENTRAL_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="calldesk-test-key-"), "key.pem")
)

import keyring
import keyring.backend
import pytest
import stall_report
from _pytest.faulthandler import fault_handler_stderr_fd_key

from desktop import interpreter
from desktop.services import heap

# Fixtures that start the real central API on loopback (tests/fixtures_central.py).
pytest_plugins = ["fixtures_central"]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps secrets in a dict (headless Linux has none)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


# As in the app (desktop/interpreter.py, desktop/qt_gc.py): the 1 ms switch interval, and no
# automatic collection, which could run in a server or worker thread and destroy QObjects there;
# collect on the main (Qt) thread before each test instead.
interpreter.configure(automatic_gc=False)


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_qt_thread() -> None:
    # What survives a full collection is long-lived (modules, Qt/pypinyin/hypothesis tables, wider
    # fixtures): freeze it so the next test's collection scans only that test's objects. Without
    # this each collection walked ~350k objects, 0.5 s a test, a third of the suite's time.
    # Frozen objects are still freed by reference counting; cycles among them wait for the final
    # collection in pytest_sessionfinish (still on this thread). As the desktop does once its
    # window is up (desktop/services/heap.py), so a sync in a test sees a settled heap too.
    heap.settle()


def pytest_sessionfinish(session: pytest.Session) -> None:
    heap.unsettle()
    gc.collect()


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def pytest_asyncio_loop_factories(config, item):
    """Run `async def` tests on a qasync loop so Qt widgets and asyncio share one thread."""
    from PySide6.QtWidgets import QApplication

    from desktop.qt_loop import QtLoop

    def make_loop():
        app = QApplication.instance() or QApplication([])
        # a dialog closing must not stop the loop under an awaiting test (the app sets this too)
        app.setQuitOnLastWindowClosed(False)
        return stall_report.remember_loop(QtLoop(app))  # the app's loop (desktop/qt_loop.py)

    return {"qt": make_loop}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """A test still running after 100 s prints what its asyncio tasks await (tests/stall_report.py);
    one that declares a longer run with `@pytest.mark.timeout(S)` (the lifecycle test's 200
    cycles take ~4 min) only after S/2."""
    watch = stall_report.start_watch(
        item.nodeid,
        item.config.stash.get(fault_handler_stderr_fd_key, None),
        max(stall_report.STALL_AFTER_S, _half_declared_run_s(item)),
    )
    try:
        return (yield)
    finally:
        if watch is not None:
            watch.cancel()


def _half_declared_run_s(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    return float(marker.args[0]) / 2 if marker is not None and marker.args else 0.0


def pytest_runtest_setup(item: pytest.Item) -> None:
    """faulthandler_timeout's thread dump, likewise pushed back for a test that declares a long
    run (pytest arms it for every test; this re-arms the one timer faulthandler has)."""
    later = _half_declared_run_s(item)
    fd = item.config.stash.get(fault_handler_stderr_fd_key, None)
    if fd is not None and later > float(item.config.getini("faulthandler_timeout") or 0) > 0:
        faulthandler.dump_traceback_later(later, file=fd)
