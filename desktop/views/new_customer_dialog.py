"""The "new customer" form for an unknown caller, prefilled with the caller's number.

Flow: the agent presses Save; the dialog emits `saveRequested(name, phone)` and disables itself.
The controller creates the customer and calls `accept()`, or `show_error(field, code)` (which
re-enables the form) when the input or the cache write was refused.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

MAX_FIELD = 64


class NewCustomerDialog(QDialog):
    saveRequested = Signal(str, str)  # name, phone

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newCustomerDialog")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(MAX_FIELD)
        self.phone_edit = QLineEdit(number)
        self.phone_edit.setMaxLength(MAX_FIELD)
        self.error_label = QLabel()
        self.error_label.setObjectName("formError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self._form = QFormLayout()
        self._name_caption, self._phone_caption = QLabel(), QLabel()
        self._form.addRow(self._name_caption, self.name_edit)
        self._form.addRow(self._phone_caption, self.phone_edit)
        self._hint = QLabel()
        self._hint.setObjectName("pageHint")
        self._hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addWidget(self._hint)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._retranslate()
        self.name_edit.setFocus()

    def _save(self) -> None:
        self.error_label.hide()
        self.setEnabled(False)
        self.saveRequested.emit(self.name_edit.text(), self.phone_edit.text())

    def show_error(self, field: str, code: str, detail: str = "") -> None:
        """Say what is wrong (codes from CustomerFormError, or "not_saved" with `detail`)."""
        texts = {
            "name_missing": self.tr("Enter the customer's name."),
            "name_too_long": self.tr("The name is too long (at most %1 characters).").replace(
                "%1", str(MAX_FIELD)
            ),
            "phone_invalid": self.tr("Enter a phone number that can be dialled, e.g. 138 0013 8000."),
        }
        text = texts.get(code) or self.tr("The customer could not be saved: %1").replace("%1", detail or code)
        self.error_label.setText(text)
        self.error_label.show()
        self.setEnabled(True)
        (self.phone_edit if field == "phone" else self.name_edit).setFocus()

    def error_text(self) -> str | None:
        return None if self.error_label.isHidden() else self.error_label.text()

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("New customer"))
        self._name_caption.setText(self.tr("Name:"))
        self._phone_caption.setText(self.tr("Phone:"))
        self._hint.setText(
            self.tr("Saved on this computer at once and sent to the CRM server when it can be reached.")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
