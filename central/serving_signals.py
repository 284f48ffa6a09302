"""Run a callback when the serving process is told to stop (SIGTERM / Ctrl+C).

uvicorn's graceful shutdown waits for open responses to finish; a notification stream never
finishes by itself, so on the signal the API ends its streams first (the pushes in flight still
complete). uvicorn installs its own handlers before the app starts; ours runs, then calls it.
Only the main thread may set handlers: an API served from a thread (tests, benchmarks) is
stopped through `central.server.RunningServer.stop`, which closes the streams itself.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, name))


def on_shutdown_signal(callback: Callable[[], None]) -> bool:
    """Chain `callback` before the current handlers of the stop signals. False (nothing done)
    off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return False
    for sig in _SIGNALS:
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: FrameType | None, previous: object = previous) -> None:
            try:
                callback()
            except Exception:
                log.exception("shutdown callback failed")
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL and signum == signal.SIGINT:
                raise KeyboardInterrupt

        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):  # not settable here (embedded interpreter)
            return False
    return True
