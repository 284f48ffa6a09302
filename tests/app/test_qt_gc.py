import gc
import threading
import weakref

from desktop.qt_gc import QtThreadCollector
from desktop.services import heap


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


def test_settle_keeps_the_start_up_heap_out_of_later_collections(qapp, qtbot):
    collector = QtThreadCollector(interval_ms=20)
    collector.start()
    try:
        long_lived = [_Node() for _ in range(1000)]
        collector.settle()
        assert heap.is_settled() and gc.get_freeze_count() >= len(long_lived)
        # a full collection now walks only what was made since; new cycles still go
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
        qtbot.waitUntil(lambda: ref() is None, timeout=3000)
    finally:
        collector.stop()
    assert not heap.is_settled() and gc.get_freeze_count() == 0
    assert long_lived[0].other is None


def test_a_sync_keeps_the_settled_heap_frozen(qapp):
    from desktop.services.sync import _heap_frozen

    collector = QtThreadCollector()
    collector.start()
    try:
        collector.settle()
        settled = gc.get_freeze_count()
        alive_at_the_pull = [_Node() for _ in range(100)]
        with _heap_frozen():
            assert gc.get_freeze_count() == settled  # nothing more frozen: it could never be freed
        assert gc.get_freeze_count() == settled > 0
        del alive_at_the_pull
    finally:
        collector.stop()
    with _heap_frozen():  # without a settled heap the sync unfreezes what it froze
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
