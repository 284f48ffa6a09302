import gc
import threading
import weakref
from datetime import datetime

from desktop.qt_gc import DEEP_HOUR, QtThreadCollector
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


def test_interpreter_settings_are_the_apps_not_a_services(qapp):
    """desktop/interpreter.py sets them once; services/sync.py no longer flips them per pull."""
    import sys
    from pathlib import Path

    from desktop import interpreter

    was_enabled, interval = gc.isenabled(), sys.getswitchinterval()
    try:
        gc.enable()
        sys.setswitchinterval(0.005)
        interpreter.configure(automatic_gc=False)
        assert sys.getswitchinterval() == interpreter.SWITCH_INTERVAL_S and not gc.isenabled()
    finally:
        sys.setswitchinterval(interval)
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
    services = Path(interpreter.__file__).parent / "services"
    for module in services.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "setswitchinterval" not in text and "gc.disable" not in text, module.name


def _full_collection_due() -> None:
    """Make the collector's next tick a full collection, as ~100 s of ticks would."""
    for _ in range(gc.get_threshold()[2] - gc.get_count()[2]):
        gc.collect(1)


def test_survivors_of_a_full_collection_join_the_settled_heap(qapp, qtbot):
    """The day's data (made after start-up) must not be walked by every later full collection:
    once the heap is settled, what survives a full collection is frozen too; garbage made
    afterwards is still collected, and the data is given back at the end."""
    collector = QtThreadCollector(interval_ms=60_000)  # ticks driven by hand below
    collector.start()
    try:
        collector.settle()
        days_data = [_Node() for _ in range(1000)]
        frozen = gc.get_freeze_count()
        _full_collection_due()
        collector.collect()
        assert gc.get_freeze_count() >= frozen + len(days_data)
        walked = {id(o) for o in gc.get_objects()}  # what a full collection walks now
        assert not any(id(node) in walked for node in days_data)
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
        _full_collection_due()
        collector.collect()
        assert ref() is None
    finally:
        collector.stop()
    assert not heap.is_settled() and gc.get_freeze_count() == 0
    assert any(id(node) in {id(o) for o in gc.get_objects()} for node in days_data)


def test_before_the_heap_is_settled_a_full_collection_freezes_nothing(qapp):
    heap.unsettle()
    collector = QtThreadCollector(interval_ms=60_000)
    collector.start()
    try:
        _full_collection_due()
        collector.collect()
        assert gc.get_freeze_count() == 0
    finally:
        collector.stop()


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_cycle_dropped_after_it_was_settled_is_collected_at_the_next_daily_deep_hour(qapp):
    """Survivors of a full collection are frozen, so a cycle among them that is dropped later
    escapes the next full collections; the daily full collection of the whole heap (the first
    one from DEEP_HOUR local time on, once a day) takes it."""
    clock = _Clock(datetime(2026, 12, 3, 10, 0))
    collector = QtThreadCollector(interval_ms=60_000, clock=clock)
    collector.start()
    try:
        collector.settle()
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        _full_collection_due()
        collector.collect()  # the cycle is alive: settled with the survivors
        del a, b
        clock.now = datetime(2026, 12, 4, 2, 59)  # past midnight, before the deep hour
        _full_collection_due()
        collector.collect()
        assert ref() is not None
        clock.now = datetime(2026, 12, 4, DEEP_HOUR, 1)
        _full_collection_due()
        collector.collect()
        assert ref() is None
        assert heap.is_settled() and gc.get_freeze_count() > 0  # settled again afterwards
        # once that day: the next full collection settles as usual
        c, d = _Node(), _Node()
        c.other, d.other = d, c
        ref = weakref.ref(c)
        _full_collection_due()
        collector.collect()
        del c, d
        clock.now = datetime(2026, 12, 4, 23, 0)
        _full_collection_due()
        collector.collect()
        assert ref() is not None
    finally:
        collector.stop()
    assert ref() is None  # stop() gives the heap back and collects it
