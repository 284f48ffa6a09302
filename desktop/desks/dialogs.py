"""One owner for each kind of dialog a desk opens: `DialogSlot` holds the open dialogs, drops its
reference the moment a dialog finishes (accepted, rejected or closed) and deletes it then, so no
desk can reach a closed or deleted dialog (issue 14: two libshiboken crashes came from touching a
closed wrap-up dialog the ticket desk still held)."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Generic, TypeVar

from PySide6.QtWidgets import QDialog

D = TypeVar("D", bound=QDialog)


class DialogSlot(Generic[D]):
    def __init__(self) -> None:
        self._open: list[D] = []

    @property
    def current(self) -> D | None:
        """The newest dialog still open; None when every one has finished."""
        return self._open[-1] if self._open else None

    def open_count(self) -> int:
        return len(self._open)

    def hold(self, dialog: D) -> D:
        """Own `dialog` until it finishes (others held stay open: an unsaved form is not lost)."""
        self._open.append(dialog)
        dialog.finished.connect(partial(self._finished, dialog))
        return dialog

    def _finished(self, dialog: D, _result: int = 0) -> None:
        if dialog in self._open:
            self._open.remove(dialog)
            with contextlib.suppress(RuntimeError):  # already deleted with its parent window
                dialog.deleteLater()

    def close(self) -> None:
        """Close every dialog held (at stop)."""
        for dialog in list(self._open):
            with contextlib.suppress(RuntimeError):
                dialog.done(0)  # emits finished: released and deleted there
            self._finished(dialog)
