"""Supervisor > Export day to CSV…: pick a day (today at most) and a file; the desk downloads the
day's queue statistics into that file and the agents' intervals beside it (`<name>-agents.csv`).

Emits `exportRequested(date, path)` on OK with a file named; shows the desk's outcome with
`show_result(text, ok)`. One dialog, owned by the page's desk and reused.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ExportDayDialog(QDialog):
    exportRequested = Signal(object, object)  # datetime.date, pathlib.Path

    def __init__(self, today: date, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDayDialog")
        self.folder = folder
        self.day_edit = QDateEdit()
        self.day_edit.setObjectName("exportDay")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("exportPath")
        self.browse_button = QPushButton()
        self.browse_button.clicked.connect(self.browse)
        self.day_edit.dateChanged.connect(self._suggest_name)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.day_label, self.file_label = QLabel(), QLabel()
        form = QFormLayout()
        form.addRow(self.day_label, self.day_edit)
        form.addRow(self.file_label, path_row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setObjectName("exportResult")
        self.result_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close
        )
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._retranslate()
        self._suggest_name()

    def chosen_day(self) -> date:
        chosen = self.day_edit.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def _suggest_name(self) -> None:
        self.path_edit.setText(str(self.folder / f"calldesk-{self.chosen_day().isoformat()}.csv"))

    def browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export day to CSV"), self.path_edit.text(), self.tr("CSV files (*.csv)")
        )
        if chosen:
            self.path_edit.setText(chosen)

    def _on_ok(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self.show_result(self.tr("Choose a file to export to."), ok=False)
            return
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.result_label.setText(self.tr("Exporting…"))
        self.exportRequested.emit(self.chosen_day(), Path(text))

    def show_result(self, text: str, ok: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.result_label.setStyleSheet("" if ok else "color: #c62828;")
        self.result_label.setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Export day to CSV"))
        self.day_label.setText(self.tr("Day:"))
        self.file_label.setText(self.tr("File:"))
        self.browse_button.setText(self.tr("Browse…"))
        self.note.setText(
            self.tr(
                "Queue statistics per 15 minutes go to this file; the agents' state intervals to a "
                "second file beside it, ending in -agents.csv."
            )
        )
