"""The .qss theme: resources/themes/<name>.qss applied to the whole application."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QApplication

from desktop.views.paths import themes_dir

log = logging.getLogger(__name__)


def apply_theme(app: QApplication, name: str = "light") -> bool:
    """Apply a theme; a missing or unreadable file leaves Qt's default look and logs why."""
    path = themes_dir() / f"{name}.qss"
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("theme %r not applied: %s", name, exc)
        return False
    return True
