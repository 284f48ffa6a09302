"""When an async test has not finished after STALL_AFTER_S, print what its asyncio tasks await.

faulthandler (pytest's `faulthandler_timeout`) shows thread stacks only: a test stuck on the Qt
loop shows as `app.exec()` with nothing above it. This prints every pending task's coroutine
stack of the test's loop to the same stderr faulthandler writes to, so a CI log says which await
never returned. Read-only from a side thread: it may race the loop, which is fine for a report.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import traceback

STALL_AFTER_S = float(os.environ.get("CALLDESK_STALL_REPORT_S", "100"))

_current_loop: asyncio.AbstractEventLoop | None = None


def remember_loop(loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
    global _current_loop
    _current_loop = loop
    return loop


def _describe(loop: asyncio.AbstractEventLoop, nodeid: str, after_s: float) -> str:
    lines = [f"\n=== stall report: {nodeid} still running after {after_s:.0f} s; pending tasks ==="]
    try:
        tasks = list(asyncio.all_tasks(loop))
    except RuntimeError as exc:  # the task set changed under us
        return "\n".join([*lines, f"(could not list tasks: {exc})"])
    for task in tasks:
        lines.append(f"--- {task!r}")
        for frame in _await_chain(task.get_coro(), limit=16):
            lines.extend(traceback.format_stack(frame, limit=1))
    return "\n".join(lines) + "\n"


def _await_chain(coro: object, limit: int) -> list:
    """The frames of a suspended coroutine and of everything it awaits, outermost first
    (Task.get_stack shows a suspended coroutine's own frame only, not where it really waits)."""
    frames = []
    while coro is not None and len(frames) < limit:
        frame = (
            getattr(coro, "cr_frame", None)
            or getattr(coro, "ag_frame", None)
            or getattr(coro, "gi_frame", None)
        )
        if frame is not None:
            frames.append(frame)
        coro = (
            getattr(coro, "cr_await", None)
            or getattr(coro, "ag_await", None)
            or getattr(coro, "gi_yieldfrom", None)
        )
    return frames


def start_watch(nodeid: str, fd: int | None, after_s: float = STALL_AFTER_S) -> threading.Timer | None:
    if fd is None:
        return None

    def report() -> None:
        loop = _current_loop  # the test's loop may be made after the watch starts
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(OSError):
            os.write(fd, _describe(loop, nodeid, after_s).encode("utf-8", "replace"))

    timer = threading.Timer(after_s, report)
    timer.daemon = True
    timer.start()
    return timer
