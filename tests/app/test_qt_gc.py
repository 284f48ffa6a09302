import gc
import threading
import weakref

from desktop.qt_gc import QtThreadCollector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_collector_collects_cycles_on_its_own_thread_only(qapp, qtbot):
    was_enabled = gc.isenabled()
    gc.enable()
    collector = QtThreadCollector(interval_ms=20)
    collector.start()
    try:
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
        # garbage made in another thread is not collected there (automatic GC is off)...
        worker = threading.Thread(target=lambda: [_Node() for _ in range(50_000)])
        worker.start()
        worker.join()
        assert ref() is not None
        # ...but on the Qt thread by the timer
        qtbot.waitUntil(lambda: ref() is None, timeout=3000)
    finally:
        collector.stop()
    assert gc.isenabled()
    if not was_enabled:
        gc.disable()
