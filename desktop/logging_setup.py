"""Logging for the desktop: a rotating file in the user log folder plus stderr.

Agents' machines are where problems happen and support reads this file, so it keeps a week of
useful lines without growing without bound.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from desktop.config import APP_NAME

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_file_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "calldesk.log"


def setup_logging(level: str | None = None, to_file: bool = True) -> Path | None:
    level = (level or os.environ.get("CALLDESK_LOG_LEVEL") or "INFO").upper()
    root = logging.getLogger()
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    if not any(isinstance(h, logging.StreamHandler) for h in root.handlers):
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(stream)
    if not to_file:
        return None
    path = log_file_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError as exc:
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path
