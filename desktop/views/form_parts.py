"""Pieces the record forms (ticket form, wrap-up dialog) share: a field with its error label
beside it, the Save / Cancel buttons, a file size as text and opening a local file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialogButtonBox, QHBoxLayout, QLabel, QWidget

log = logging.getLogger(__name__)


def open_with_system(path: Path) -> None:
    """Open a local file with the application the operating system associates with it."""
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        log.warning("no application opened %s", path)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def with_error_label(name: str, widget: QWidget, errors: dict[str, QLabel], *, wrap: bool = False) -> QWidget:
    """`widget` with a hidden red error label to its right, kept in `errors[name]`; `wrap`: the
    message may take two lines in a bounded width (long messages beside narrow fields)."""
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget, 1)
    error = QLabel()
    error.setObjectName(f"error_{name}")
    error.setStyleSheet("color: #b91c1c;")
    if wrap:
        error.setWordWrap(True)
        error.setMinimumWidth(170)  # a message on one or two lines, not a column of characters
        error.setMaximumWidth(260)
    error.hide()
    layout.addWidget(error)
    errors[name] = error
    return holder


def save_cancel_buttons(on_save: Callable[[], object], on_cancel: Callable[[], object]) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(on_save)
    buttons.rejected.connect(on_cancel)
    return buttons
