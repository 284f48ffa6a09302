"""Where a running after-call-work countdown survives a restart: one small JSON file next to the
local cache (the deadline, not the seconds left, so the time away counts too).

A file that cannot be read or does not hold a wrap-up is logged and dropped, never raised: the
worst a damaged file may cost is one countdown.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from calldesk_domain.wrapup import StoredWrapup
from desktop.private_files import private_dir, write_private_text

log = logging.getLogger(__name__)


class WrapupStateFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def beside(cls, cache_path: Path) -> WrapupStateFile:
        return cls(cache_path.with_name(cache_path.name + ".wrapup.json"))

    def load(self) -> StoredWrapup | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("stored wrap-up %s not readable: %s", self.path, exc)
            return None
        try:
            return StoredWrapup.from_dict(json.loads(text))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            log.warning("stored wrap-up %s dropped: %s", self.path, exc)
            self.clear()
            return None

    def save(self, stored: StoredWrapup) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            private_dir(self.path.parent)
            write_private_text(temporary, json.dumps(stored.to_dict()))
            os.replace(temporary, self.path)  # whole or not at all, on Windows too
        except OSError as exc:
            log.warning("wrap-up deadline not stored in %s: %s", self.path, exc)

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("stored wrap-up %s not removed: %s", self.path, exc)
