"""A GUI-subsystem executable (the frozen Windows build) starts with sys.stdout and sys.stderr set
to None, so `calldesk --version` or an error message from `calldesk dial` (the tel: handler) would
crash on print. Give them the handle the caller passed (a pipe or file), else the console of the
command prompt that started us, else a sink that discards."""

from __future__ import annotations

import os
import sys
from typing import TextIO

_STD_HANDLES = {"stdout": -11, "stderr": -12}  # STD_OUTPUT_HANDLE, STD_ERROR_HANDLE


def _inherited_stream(name: str) -> TextIO | None:
    if sys.platform != "win32":
        return None
    import ctypes
    import msvcrt

    kernel32 = ctypes.windll.kernel32
    handle = kernel32.GetStdHandle(_STD_HANDLES[name])
    if handle in (0, -1, None):
        if not kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS: the prompt we were typed in
            return None
        try:
            return open("CONOUT$", "w", encoding="utf-8", errors="replace")
        except OSError:
            return None
    try:
        fd = msvcrt.open_osfhandle(handle, os.O_WRONLY)
        return open(fd, "w", encoding="utf-8", errors="replace", closefd=False)
    except OSError:
        return None


def ensure_std_streams() -> None:
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            stream = _inherited_stream(name) or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
            setattr(sys, name, stream)
