"""The error shown when the local cache file is damaged: what happened, that unsent work is
kept, and two ways on: "Rebuild cache" or "Quit". Emits nothing but the dialog's result."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget


class DamagedCacheDialog(QMessageBox):
    def __init__(self, problem: str, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("damagedCacheDialog")
        self.setIcon(QMessageBox.Icon.Critical)
        self.setWindowTitle(self.tr("The local cache is damaged"))
        self.setText(
            self.tr(
                "CallDesk cannot use its local cache: the file is damaged (%1). Rebuild cache deletes "
                "it and downloads the customers again; your unsent tickets, contact logs and other "
                "changes are kept and sent to the CRM server."
            ).replace("%1", problem[:300])
        )
        self.setInformativeText(self.tr("Cache file: %1").replace("%1", path))
        self.rebuild_button: QPushButton = self.addButton(
            self.tr("Rebuild cache"), QMessageBox.ButtonRole.AcceptRole
        )
        self.rebuild_button.setObjectName("rebuildCacheButton")
        self.quit_button: QPushButton = self.addButton(self.tr("Quit"), QMessageBox.ButtonRole.RejectRole)
        self.quit_button.setObjectName("quitButton")
        self.setDefaultButton(self.rebuild_button)

    def rebuild_chosen(self) -> bool:
        return self.clickedButton() is self.rebuild_button

    def show_failure(self, detail: str, unsent_file: str) -> None:
        """The rebuild itself failed (disk full, permissions): say so; only Quit is left."""
        self.setText(
            self.tr("The cache could not be rebuilt (%1). Your unsent changes are kept in %2.")
            .replace("%1", detail[:300])
            .replace("%2", unsent_file)
        )
        self.removeButton(self.rebuild_button)
