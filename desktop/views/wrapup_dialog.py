"""The wrap-up screen: shown when a call ends, it completes the call's contact log.

Direction, channel and start/end come from the CTI and are read-only; the agent picks a
disposition code (configurable list), writes notes, links a ticket and records the survey
result (1-5) when there was one. `save` (normally ContactService.save) raises ContactInvalid
with per-field issues, shown next to the fields. When `required` is set the dialog cannot be
dismissed without saving: the agent cannot go ready with an unsaved contact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.ticket_validation import Issue
from calldesk_domain.tickets import ContactLog
from desktop.views.form_parts import save_cancel_buttons, with_error_label

log = logging.getLogger(__name__)


class WrapUpDialog(QDialog):
    saved = Signal(object)  # ContactLog

    def __init__(
        self,
        contact: ContactLog,
        save: Callable[[ContactLog], ContactLog],
        dispositions: tuple[str, ...],
        *,
        tickets: list[tuple[str, str]] | None = None,  # (ticket id, short label) to link
        customer_label: str = "",
        required: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wrapUpDialog")
        self.contact = contact
        self._save = save
        self.required = required
        self.errors: dict[str, QLabel] = {}
        self._labels: dict[str, QLabel] = {}

        self.customer = QLabel(customer_label or contact.customer_id or "—")
        self.direction = QLabel()
        self.channel = QLabel()
        self.started = QLabel(self._time(contact.started_at))
        self.ended = QLabel(self._time(contact.ended_at))
        self.duration = QLabel(self._duration())
        self.disposition = QComboBox()
        self.disposition.addItem("", "")
        for code in dispositions:
            self.disposition.addItem(code, code)
        self.notes = QPlainTextEdit(contact.notes)
        self.notes.setFixedHeight(110)
        self.ticket = QComboBox()
        self.ticket.addItem("", "")
        for ticket_id, label in tickets or []:
            self.ticket.addItem(f"{ticket_id}  {label}", ticket_id)
        if contact.ticket_id:
            if self.ticket.findData(contact.ticket_id) < 0:
                self.ticket.addItem(contact.ticket_id, contact.ticket_id)
            self.ticket.setCurrentIndex(self.ticket.findData(contact.ticket_id))
        self.satisfaction = QComboBox()
        self.satisfaction.addItem("", None)
        for score in range(1, 6):
            self.satisfaction.addItem(str(score), score)
        self.message = QLabel()
        self.message.setWordWrap(True)

        form = QFormLayout()
        for name, widget in (
            ("customer", self.customer),
            ("direction", self.direction),
            ("channel", self.channel),
            ("started_at", self.started),
            ("ended_at", self.ended),
            ("duration", self.duration),
            ("disposition", self.disposition),
            ("notes", self.notes),
            ("ticket_id", self.ticket),
            ("satisfaction", self.satisfaction),
        ):
            label = QLabel()
            self._labels[name] = label
            form.addRow(label, self._with_error(name, widget))
        self.buttons = save_cancel_buttons(self.submit, self.reject)
        outer = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        outer.addWidget(self.title)
        outer.addLayout(form)
        outer.addWidget(self.message)
        outer.addWidget(self.buttons)
        self._retranslate()

    def _with_error(self, name: str, widget: QWidget) -> QWidget:
        return with_error_label(name, widget, self.errors)

    @staticmethod
    def _time(value: datetime | None) -> str:
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "—"

    def _duration(self) -> str:
        if not (self.contact.started_at and self.contact.ended_at):
            return "—"
        seconds = max(0, int((self.contact.ended_at - self.contact.started_at).total_seconds()))
        return f"{seconds // 60:02d}:{seconds % 60:02d}"

    def disposition_text(self, code: str) -> str:
        names = {
            "": self.tr("(choose)"),
            "resolved": self.tr("Resolved on the call"),
            "ticket_created": self.tr("Ticket created"),
            "callback_needed": self.tr("Call back needed"),
            "transferred": self.tr("Transferred"),
            "information_only": self.tr("Information only"),
            "complaint": self.tr("Complaint recorded"),
            "wrong_number": self.tr("Wrong number"),
            "dropped": self.tr("Call dropped"),
        }
        return names.get(code, code)

    def issue_text(self, issue: Issue) -> str:
        if issue.field == "disposition":
            return self.tr("Choose a disposition code.")
        if issue.field == "satisfaction":
            return self.tr("Satisfaction is 1 to 5.")
        if issue.field == "notes":
            return self.tr("Notes are too long.")
        if issue.field == "ended_at":
            return self.tr("The call ended before it started.")
        return self.tr("Not a valid value.")

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Wrap-up"))
        self.title.setText(self.tr("Call ended — log the contact"))
        labels = {
            "customer": self.tr("Customer"),
            "direction": self.tr("Direction"),
            "channel": self.tr("Channel"),
            "started_at": self.tr("Started"),
            "ended_at": self.tr("Ended"),
            "duration": self.tr("Duration"),
            "disposition": self.tr("Disposition"),
            "notes": self.tr("Notes"),
            "ticket_id": self.tr("Linked ticket"),
            "satisfaction": self.tr("Satisfaction (1-5)"),
        }
        for name, label in self._labels.items():
            label.setText(labels[name])
        self.direction.setText(
            self.tr("Inbound") if self.contact.direction == "inbound" else self.tr("Outbound")
        )
        channels = {"phone": self.tr("Phone"), "chat": self.tr("Online chat")}
        self.channel.setText(channels.get(self.contact.channel, self.contact.channel))
        for index in range(self.disposition.count()):
            self.disposition.setItemText(index, self.disposition_text(self.disposition.itemData(index)))
        self.ticket.setItemText(0, self.tr("(none)"))
        self.satisfaction.setItemText(0, self.tr("(no survey)"))
        self.notes.setPlaceholderText(self.tr("What the customer wanted and what was done"))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save contact"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Later"))

    def collect(self) -> ContactLog:
        c = self.contact
        c.disposition = self.disposition.currentData() or ""
        c.notes = self.notes.toPlainText().strip()
        c.ticket_id = self.ticket.currentData() or ""
        c.satisfaction = self.satisfaction.currentData()
        return c

    def show_issues(self, issues: list[Issue]) -> None:
        for error in self.errors.values():
            error.hide()
        for issue in issues:
            error = self.errors.get(issue.field) or self.errors["notes"]
            error.setText(self.issue_text(issue))
            error.show()

    def submit(self) -> None:
        contact = self.collect()
        try:
            saved = self._save(contact)
        except ValueError as exc:
            self.show_issues(getattr(exc, "issues", None) or [Issue("notes", "invalid", str(exc))])
            return
        self.contact = saved
        self.show_issues([])
        self.saved.emit(saved)
        self.accept()

    def reject(self) -> None:
        if self.required:
            self.message.setText(self.tr("Save the contact before you go ready for the next call."))
            self.message.setStyleSheet("color: #b91c1c; font-weight: bold;")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.required and self.result() != QDialog.DialogCode.Accepted:
            self.reject()
            event.ignore()
            return
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
