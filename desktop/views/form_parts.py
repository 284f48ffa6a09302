"""Pieces the record forms (ticket form, wrap-up dialog) share: a field with its error label
beside it, and the Save / Cancel buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialogButtonBox, QHBoxLayout, QLabel, QWidget


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


def save_cancel_buttons(on_save: Callable[[], None], on_cancel: Callable[[], None]) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(on_save)
    buttons.rejected.connect(on_cancel)
    return buttons
