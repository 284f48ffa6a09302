"""Settings dialog (File > Settings…, Ctrl+,): connection, language, CTI socket, detail window,
and the local cache (where it is, how big, what it holds) with "Rebuild cache".

Thin view over desktop.services.settings_service.SettingsService: it checks the form, asks the
service to save, and shows the cache figures the service reads. "Rebuild cache" asks the agent
first and then emits `rebuildRequested`; the integrator runs the rebuild and calls
`refresh_figures()` when it is done.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.vocabulary import LANGUAGE_NAMES
from desktop.services.settings_service import (
    MAX_DETAIL_WINDOW_DAYS,
    CacheFigures,
    Settings,
    SettingsSaveError,
    SettingsService,
)
from desktop.views.cti_settings import CtiSettingsGroup
from desktop.views.work_settings import WorkSettingsGroup

log = logging.getLogger(__name__)

CTI_HOSTS = ("127.0.0.1", "::1", "localhost")  # the CTI socket listens on loopback only


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class SettingsDialog(QDialog):
    saved = Signal(object, object)  # (old Settings, new Settings)
    rebuildRequested = Signal()

    def __init__(
        self, service: SettingsService, parent: QWidget | None = None, *, online: bool = True
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self._service = service
        self._online = online
        self._figures: CacheFigures | None = None
        self.confirm_box: QMessageBox | None = None

        self.url_edit = QLineEdit()
        self.url_edit.setMaxLength(300)
        self.language_combo = QComboBox()
        for code, name in LANGUAGE_NAMES.items():
            self.language_combo.addItem(name, code)
        self.host_combo = QComboBox()
        for host in CTI_HOSTS:
            self.host_combo.addItem(host, host)
        self.port_spin = QSpinBox()
        self.port_spin.setRange(0, 65535)
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, MAX_DETAIL_WINDOW_DAYS)
        self.error_label = QLabel()
        self.error_label.setObjectName("formError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.restart_hint = QLabel()
        self.restart_hint.setObjectName("pageHint")
        self.restart_hint.setWordWrap(True)

        self.general_group = QGroupBox()
        general_layout = QVBoxLayout(self.general_group)
        self._general_form = QFormLayout()
        general_layout.addLayout(self._general_form)
        self._url_caption, self._language_caption = QLabel(), QLabel()
        self._host_caption, self._port_caption, self._days_caption = QLabel(), QLabel(), QLabel()
        self._general_form.addRow(self._url_caption, self.url_edit)
        self._general_form.addRow(self._language_caption, self.language_combo)
        cti_row = QHBoxLayout()
        cti_row.addWidget(self.host_combo, 1)
        cti_row.addWidget(self._port_caption)
        cti_row.addWidget(self.port_spin)
        self._general_form.addRow(self._host_caption, cti_row)
        self._general_form.addRow(self._days_caption, self.days_spin)
        general_layout.addWidget(self.restart_hint)

        self.cti_group = CtiSettingsGroup(service.cti_token)
        self.work_group = WorkSettingsGroup()

        self.cache_group = QGroupBox()
        cache_layout = QFormLayout(self.cache_group)
        self.path_value = QLabel()
        self.path_value.setWordWrap(True)
        self.path_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.size_value, self.customers_value, self.orders_value = QLabel(), QLabel(), QLabel()
        self.pending_value, self.conflicts_value, self.last_sync_value = QLabel(), QLabel(), QLabel()
        self._cache_captions = [QLabel() for _ in range(7)]
        for caption, value in zip(
            self._cache_captions,
            (
                self.path_value,
                self.size_value,
                self.customers_value,
                self.orders_value,
                self.pending_value,
                self.conflicts_value,
                self.last_sync_value,
            ),
            strict=True,
        ):
            value.setObjectName("cacheFigure")
            cache_layout.addRow(caption, value)
        self.rebuild_button = QPushButton()
        self.rebuild_button.setObjectName("rebuildCache")
        self.rebuild_button.clicked.connect(self._confirm_rebuild)
        self.rebuild_hint = QLabel()
        self.rebuild_hint.setObjectName("pageHint")
        self.rebuild_hint.setWordWrap(True)
        rebuild_row = QHBoxLayout()
        rebuild_row.addWidget(self.rebuild_hint, 1)
        rebuild_row.addWidget(self.rebuild_button, 0, Qt.AlignmentFlag.AlignTop)
        cache_layout.addRow(rebuild_row)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        # two columns: the dialog must fit a 1366x768 screen in both languages
        columns = QHBoxLayout()
        columns.setSpacing(12)
        left, right = QVBoxLayout(), QVBoxLayout()
        for column, groups in (
            (left, (self.general_group, self.cti_group)),
            (right, (self.work_group, self.cache_group)),
        ):
            for group in groups:
                column.addWidget(group)
            column.addStretch(1)
            columns.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(columns)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(920)

        self._load(service.settings)
        self.refresh_figures()
        self._retranslate()

    # ---- the form ---------------------------------------------------------------------------
    def _load(self, settings: Settings) -> None:
        self.url_edit.setText(settings.central_url)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(settings.language), 0))
        index = self.host_combo.findData(settings.cti_host)
        if index < 0:  # a loopback spelling not in the list (config validated it)
            self.host_combo.addItem(settings.cti_host, settings.cti_host)
            index = self.host_combo.count() - 1
        self.host_combo.setCurrentIndex(index)
        self.port_spin.setValue(settings.cti_port)
        self.days_spin.setValue(min(max(settings.detail_window_days, 1), MAX_DETAIL_WINDOW_DAYS))
        self.cti_group.load(
            settings.cti_source,
            settings.cti_bridge_address,
            settings.cti_bridge_tls,
            settings.cti_bridge_ca_file,
        )
        self.work_group.load(
            settings.phone_region,
            settings.pause_reasons,
            settings.wrapup_seconds,
            settings.wrapup_queue_seconds,
        )

    def form_values(self) -> dict[str, object]:
        return {
            "central_url": self.url_edit.text().strip(),
            "language": self.language_combo.currentData(),
            "cti_host": self.host_combo.currentData(),
            "cti_port": self.port_spin.value(),
            "detail_window_days": self.days_spin.value(),
            **self.cti_group.values(),
            **self.work_group.values(),
        }

    def _url_problem(self, url: str) -> str | None:
        parts = urlsplit(url) if url and not any(c.isspace() for c in url) else None
        try:
            port_ok = parts is not None and (parts.port is None or 0 < parts.port < 65536)
        except ValueError:
            port_ok = False
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
            return self.tr(
                "The CRM server address must be a full http:// or https:// address, "
                "for example https://crm.example.cn"
            )
        return None

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _save(self) -> None:
        values = self.form_values()
        problem = self._url_problem(str(values["central_url"]))
        if problem:
            log.info("settings: refused central_url %r", values["central_url"])
            self.show_error(problem)
            self.url_edit.setFocus()
            return
        old = self._service.settings
        changes = {key: value for key, value in values.items() if getattr(old, key) != value}
        try:
            new = self._service.save(changes)
        except SettingsSaveError as exc:
            log.warning("settings: not saved: %s", exc)
            self.show_error(self.tr("The settings were not saved: %1").replace("%1", str(exc)))
            return
        self.error_label.hide()
        if changes:
            self.saved.emit(old, new)
        self.accept()

    # ---- the cache --------------------------------------------------------------------------
    def set_online(self, online: bool) -> None:
        self._online = online

    def refresh_figures(self) -> None:
        try:
            self._figures = self._service.figures()
        except Exception as exc:  # a locked or damaged file: say so, keep the dialog usable
            log.warning("settings: cache figures unavailable: %s", exc)
            self._figures = None
        self._render_figures()

    def _render_figures(self) -> None:
        figures = self._figures
        locale = QLocale()
        if figures is None:
            for label in (self.size_value, self.customers_value, self.orders_value):
                label.setText(self.tr("unavailable"))
            return
        self.path_value.setText(str(figures.path))
        self.size_value.setText(_human_size(figures.size_bytes))
        self.customers_value.setText(locale.toString(figures.customers))
        self.orders_value.setText(locale.toString(figures.orders))
        self.pending_value.setText(locale.toString(figures.pending_writes))
        self.conflicts_value.setText(locale.toString(figures.conflicts))
        if figures.last_sync_at is None:
            self.last_sync_value.setText(self.tr("not yet in this session"))
        else:
            when: datetime = figures.last_sync_at.astimezone()
            self.last_sync_value.setText(when.strftime("%Y-%m-%d %H:%M:%S"))

    def _confirm_rebuild(self) -> None:
        """Ask first (non-blocking); offline the rebuild is refused before anything is deleted."""
        pending = self._figures.pending_writes if self._figures else 0
        text = self.tr(
            "Rebuild the local cache?\n\nEvery customer, order and history record is deleted from "
            "this computer and downloaded again from the CRM server. Your %1 unsent change(s) and "
            "the conflict list are kept and sent afterwards. Calls pop from the server only "
            "until the download is done."
        ).replace("%1", str(pending))
        if not self._online:
            text += "\n\n" + self.tr(
                "The CRM server is not reachable right now: the rebuild will be refused and the "
                "cache left as it is."
            )
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Rebuild cache"), text, parent=self)
        box.setObjectName("rebuildConfirm")
        rebuild = box.addButton(self.tr("Rebuild"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.finished.connect(lambda _code: self._rebuild_answered(box.clickedButton() is rebuild))
        self.confirm_box = box
        box.open()

    def _rebuild_answered(self, confirmed: bool) -> None:
        self.confirm_box = None
        if confirmed:
            self.rebuildRequested.emit()

    def set_rebuilding(self, running: bool) -> None:
        self.rebuild_button.setEnabled(not running)

    # ---- texts ------------------------------------------------------------------------------
    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.general_group.setTitle(self.tr("Connection"))
        self._url_caption.setText(self.tr("CRM server address"))
        self._language_caption.setText(self.tr("Language"))
        self._host_caption.setText(self.tr("CTI socket"))
        self._port_caption.setText(self.tr("Port"))
        self._days_caption.setText(self.tr("Detail records kept for"))
        self.days_spin.setSuffix(self.tr(" days"))
        hint = self.tr(
            "A new server address, CTI socket or CTI source takes effect the next time CallDesk starts; "
            "the language changes at once."
        )
        overridden = self._service.overridden()
        if overridden:
            hint += " " + self.tr("Fixed by environment variables (saving has no effect): %1").replace(
                "%1", ", ".join(overridden)
            )
        self.restart_hint.setText(hint)
        self.cache_group.setTitle(self.tr("Local cache"))
        for caption, text in zip(
            self._cache_captions,
            (
                self.tr("File"),
                self.tr("Size on disk"),
                self.tr("Customers"),
                self.tr("Orders"),
                self.tr("Unsent changes"),
                self.tr("Conflicts"),
                self.tr("Last sync"),
            ),
            strict=True,
        ):
            caption.setText(text)
        self.rebuild_button.setText(self.tr("Rebuild cache"))
        self.rebuild_hint.setText(
            self.tr("Deletes the local copy and downloads it again. Unsent changes and conflicts are kept.")
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self._render_figures()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
