"""Logging for the desktop: a rotating file in the user log folder plus stderr.

Agents' machines are where problems happen and support reads this file, so it keeps a week of
useful lines without growing without bound.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path
from typing import cast

import platformdirs

from desktop.config import APP_NAME
from desktop.private_files import private_dir, private_opener, tighten

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files are 0600 (docs/security.md): a new one, and each one rotation starts."""

    def _open(self) -> io.TextIOWrapper:
        stream = open(  # noqa: SIM115 - the handler owns and closes it
            self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors, opener=private_opener
        )
        return cast(io.TextIOWrapper, stream)


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
        private_dir(path.parent)
        tighten(path.parent.glob("calldesk.log*"))
        handler = PrivateRotatingFileHandler(
            path, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError as exc:
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path
