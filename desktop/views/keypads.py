"""The DTMF keypad (each key is sent at once) and the dial pad (type or click a number, then Call)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal, SignalInstance
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from calldesk_domain.call_controls import DTMF_KEYS, dial_digits


def _key_grid(parent: QWidget, pressed: SignalInstance) -> tuple[QGridLayout, dict[str, QPushButton]]:
    grid = QGridLayout()
    grid.setSpacing(4)
    keys: dict[str, QPushButton] = {}
    for index, key in enumerate(DTMF_KEYS):
        button = QPushButton(key, parent)
        button.setObjectName(f"key_{key}")
        button.setFixedSize(40, 32)
        button.clicked.connect(lambda _=False, k=key: pressed.emit(k))
        grid.addWidget(button, index // 3, index % 3)
        keys[key] = button
    return grid, keys


class DtmfPad(QWidget):
    digitPressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dtmfPad")
        grid, self.keys = _key_grid(self, self.digitPressed)
        self.setLayout(grid)
        self._retranslate()

    def _retranslate(self) -> None:
        self.setToolTip(self.tr("Keypad: each key is sent to the call at once"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)


class DialPad(QWidget):
    dialRequested = Signal(str)  # the digits to dial
    _pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialPad")
        self.number = QLineEdit(self)
        self.number.setObjectName("dialNumber")
        self.number.setMaxLength(40)
        self.call_button = QPushButton(self)
        self.call_button.setObjectName("dialCall")
        grid, self.keys = _key_grid(self, self._pressed)
        self._pressed.connect(lambda key: self.number.insert(key))
        row = QHBoxLayout()
        row.addWidget(self.number, 1)
        row.addWidget(self.call_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(grid)
        self.number.textChanged.connect(self._update)
        self.number.returnPressed.connect(self._dial)
        self.call_button.clicked.connect(self._dial)
        self._retranslate()
        self._update()

    def set_number(self, text: str) -> None:
        self.number.setText(text)

    def _update(self) -> None:
        self.call_button.setEnabled(dial_digits(self.number.text()) is not None)

    def _dial(self) -> None:
        digits = dial_digits(self.number.text())
        if digits is not None:
            self.dialRequested.emit(digits)

    def _retranslate(self) -> None:
        self.number.setPlaceholderText(self.tr("Number to call"))
        self.call_button.setText(self.tr("Call"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
