"""Settings > Calls: the default phone region (numbers without a country code), the pause reasons
the agent can pick, and the wrap-up time (default and per queue). Fed and read by the Settings
dialog; it hands back only what the agent changed, as typed: desktop.config validates it and the
dialog shows its refusal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QSpinBox, QWidget

# The regions offered in the list; any other code phonenumbers knows can be typed.
REGIONS = ("CN", "HK", "MO", "TW", "SG", "MY", "JP", "KR", "US", "GB", "DE", "FR", "AU")
MAX_WRAPUP_S = 3600


def _reasons_text(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def _queues_text(seconds: Mapping[str, int]) -> str:
    return ", ".join(f"{queue}={value}" for queue, value in seconds.items())


class WorkSettingsGroup(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workSettings")
        self.region_combo = QComboBox()
        self.region_combo.setObjectName("phoneRegion")
        self.region_combo.setEditable(True)
        self.region_combo.setMaxCount(300)
        for code in REGIONS:
            self.region_combo.addItem(code, code)
        editor = self.region_combo.lineEdit()
        if editor is not None:
            editor.setMaxLength(4)
        self.reasons_edit = QLineEdit()
        self.reasons_edit.setObjectName("pauseReasons")
        self.reasons_edit.setMaxLength(600)
        self.wrapup_spin = QSpinBox()
        self.wrapup_spin.setObjectName("wrapupSeconds")
        self.wrapup_spin.setRange(0, MAX_WRAPUP_S)
        self.queues_edit = QLineEdit()
        self.queues_edit.setObjectName("wrapupQueueSeconds")
        self.queues_edit.setMaxLength(600)
        self._captions = [QLabel() for _ in range(4)]
        form = QFormLayout(self)
        for caption, field in zip(
            self._captions,
            (self.region_combo, self.reasons_edit, self.wrapup_spin, self.queues_edit),
            strict=True,
        ):
            form.addRow(caption, field)
        self._loaded: dict[str, object] = {}
        self.retranslate()

    def load(self, region: str, reasons: Sequence[str], wrapup_s: int, per_queue: Mapping[str, int]) -> None:
        index = self.region_combo.findData(region)
        if index < 0:
            self.region_combo.addItem(region, region)
            index = self.region_combo.count() - 1
        self.region_combo.setCurrentIndex(index)
        self.reasons_edit.setText(_reasons_text(reasons))
        self.wrapup_spin.setValue(min(max(wrapup_s, 0), MAX_WRAPUP_S))
        self.queues_edit.setText(_queues_text(per_queue))
        self._loaded = self._current()

    def values(self) -> dict[str, object]:
        """The settings the agent changed here, as typed (unchanged ones are left out)."""
        return {key: value for key, value in self._current().items() if self._loaded.get(key) != value}

    def _current(self) -> dict[str, object]:
        return {
            "phone_region": self.region_combo.currentText().strip().upper(),
            "pause_reasons": self.reasons_edit.text().strip(),
            "wrapup_seconds": self.wrapup_spin.value(),
            "wrapup_queue_seconds": self.queues_edit.text().strip(),
        }

    def retranslate(self) -> None:
        self.setTitle(self.tr("Calls"))
        for caption, text in zip(
            self._captions,
            (
                self.tr("Default phone region"),
                self.tr("Not-ready reasons"),
                self.tr("Wrap-up time"),
                self.tr("Wrap-up per queue"),
            ),
            strict=True,
        ):
            caption.setText(text)
        self.region_combo.setToolTip(
            self.tr("Numbers without a country code are read as numbers of this region (CN: +86).")
        )
        self.reasons_edit.setPlaceholderText(self.tr("codes separated by commas, e.g. break, lunch"))
        self.reasons_edit.setToolTip(
            self.tr(
                "Lower-case codes; sent to the phone system as the pause reason. acw is added for wrap-up."
            )
        )
        self.wrapup_spin.setSuffix(self.tr(" s"))
        self.queues_edit.setPlaceholderText(self.tr("queue=seconds, e.g. vip=60, support=45"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
