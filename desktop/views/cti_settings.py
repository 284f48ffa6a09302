"""Settings > CTI: where PBX events come from (this PC's CTI socket, or the CTI bridge this desktop
connects out to) and the local socket's token, shown read-only with a Copy button for the tools
that connect to the socket. Fed and read by the Settings dialog; validation is desktop.config's."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

SOURCES = ("local", "bridge")


class CtiSettingsGroup(QGroupBox):
    def __init__(self, local_token: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ctiSettings")
        self.source_combo = QComboBox()
        for source in SOURCES:
            self.source_combo.addItem(source, source)
        self.bridge_edit = QLineEdit()
        self.bridge_edit.setObjectName("ctiBridgeAddress")
        self.bridge_edit.setMaxLength(260)
        self.tls_check = QCheckBox()
        self.ca_edit = QLineEdit()
        self.ca_edit.setMaxLength(1000)
        self.token_edit = QLineEdit(local_token)
        self.token_edit.setObjectName("ctiLocalToken")
        self.token_edit.setReadOnly(True)
        self.copy_button = QPushButton()
        self.copy_button.setObjectName("copyCtiToken")
        self.copy_button.clicked.connect(self.copy_token)
        self.copy_button.setEnabled(bool(local_token))

        self._captions = [QLabel() for _ in range(4)]
        form = QFormLayout(self)
        form.addRow(self._captions[0], self.source_combo)
        form.addRow(self._captions[1], self.bridge_edit)
        form.addRow("", self.tls_check)
        form.addRow(self._captions[2], self.ca_edit)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_edit, 1)
        token_row.addWidget(self.copy_button)
        form.addRow(self._captions[3], token_row)
        self.source_combo.currentIndexChanged.connect(self._enable_bridge_fields)
        self.retranslate()

    def load(self, source: str, address: str, tls: bool, ca_file: str) -> None:
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(source), 0))
        self.bridge_edit.setText(address)
        self.tls_check.setChecked(tls)
        self.ca_edit.setText(ca_file)
        self._enable_bridge_fields()

    def values(self) -> dict[str, object]:
        return {
            "cti_source": self.source_combo.currentData(),
            "cti_bridge_address": self.bridge_edit.text().strip(),
            "cti_bridge_tls": self.tls_check.isChecked(),
            "cti_bridge_ca_file": self.ca_edit.text().strip(),
        }

    def copy_token(self) -> None:
        QGuiApplication.clipboard().setText(self.token_edit.text())

    def _enable_bridge_fields(self) -> None:
        bridge = self.source_combo.currentData() == "bridge"
        for widget in (self.bridge_edit, self.tls_check, self.ca_edit):
            widget.setEnabled(bridge)

    def retranslate(self) -> None:
        self.setTitle(self.tr("CTI"))
        self.source_combo.setItemText(0, self.tr("This PC's CTI socket"))
        self.source_combo.setItemText(1, self.tr("CTI bridge"))
        for caption, text in zip(
            self._captions,
            (
                self.tr("Calls come from"),
                self.tr("Bridge address"),
                self.tr("CA file"),
                self.tr("Socket token"),
            ),
            strict=True,
        ):
            caption.setText(text)
        self.bridge_edit.setPlaceholderText(self.tr("host:port (port 5013 if left out)"))
        self.tls_check.setText(self.tr("Encrypt the bridge connection (TLS)"))
        self.ca_edit.setPlaceholderText(self.tr("empty: the system's certificates"))
        self.copy_button.setText(self.tr("Copy"))
        self.token_edit.setToolTip(self.tr("What local tools must send to this PC's CTI socket"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
