"""Process-wide interpreter settings, set once at start-up by whoever owns the process (the
desktop, the demo, a benchmark that stands in for them), never by a service.

- The GIL switch interval: 1 ms instead of CPython's 5 ms. The cache worker and JSON decoding
  hold the GIL in long stretches during a sync; a shorter interval hands it back to the event
  loop (the UI) sooner. Until #12 services/sync.py set this around every pull.
- Automatic garbage collection off: a collection could run on a worker or server thread and
  destroy QObjects there (desktop/qt_gc.py collects on the Qt thread instead). Headless
  processes pass `automatic_gc=False` to measure the same regime; the long-lived heap is then
  frozen with `desktop.services.heap.settle()` once it is built, as the desktop does when its
  window is up.
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL_S = 0.001


def configure(*, automatic_gc: bool = True) -> None:
    """Apply the desktop's interpreter settings to this process (idempotent)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if not automatic_gc:
        gc.disable()
