"""The desktop's long-lived heap, kept out of the garbage collector's way.

Once the window is up, what is alive (modules, Qt wrappers, pinyin and phone tables) lives as
long as the app: `settle()` moves it to the permanent generation, so later full collections walk
only what was made since. Whether that happened is remembered here because asking the runtime
(gc.get_freeze_count) walks the whole frozen heap: ~100 ms at each pull on a big heap.
"""

from __future__ import annotations

import gc

_settled = False


def settle() -> int:
    """Collect in full, then freeze what survived; returns the unreachable objects found."""
    global _settled
    found = gc.collect()
    gc.freeze()
    _settled = True
    return found


def settle_survivors() -> None:
    """Right after a full collection: what survived it joins the settled heap (no second
    collection). Frozen objects are still freed by reference counting; only a reference cycle
    among them that is dropped later waits for `unsettle()` to be collected (the collector's
    daily full collection, desktop/qt_gc.py, or the app's end)."""
    if _settled:
        gc.freeze()


def unsettle() -> None:
    """Give the frozen heap back to the collector (the app or a test session is ending)."""
    global _settled
    gc.unfreeze()
    _settled = False


def is_settled() -> bool:
    return _settled
