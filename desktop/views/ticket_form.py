"""The ticket form (工单): opened from the customer card or a call, customer and call pre-linked.

Thin view: it edits a `Ticket`, computes the warranty and the SLA countdown with the domain
rules, offers only the workflow actions the domain allows, and awaits the `save` it is handed
(normally TicketService.save, which writes on the cache worker): TicketInvalid comes back with
per-field issues, each shown in red next to its field in the agent's language; any other failure
(the cache could not be written) is shown above the buttons and the form stays open with the
agent's input. Attaching awaits `attach` the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calldesk_domain.ticket_validation import Issue
from calldesk_domain.tickets import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Category,
    Priority,
    ServiceMode,
    Ticket,
    TicketComment,
    TransitionError,
    allowed_actions,
    format_countdown,
    sla_state,
    warranty_for,
)
from desktop.views.form_parts import open_with_system, save_cancel_buttons, size_text, with_error_label
from desktop.views.knowledge_panel import KnowledgePanel
from desktop.views.ticket_labels import ticket_label

log = logging.getLogger(__name__)


ASSIGNEE_GROUPS = ("", "L2-hotline", "complaints", "field-service", "returns")
FIELDS = (
    "customer_id",
    "category",
    "priority",
    "product_model",
    "purchase_date",
    "fault_description",
    "service_mode",
    "assignee_group",
)


class TicketForm(QDialog):
    saved = Signal(object)  # Ticket

    def __init__(
        self,
        ticket: Ticket,
        save: Callable[[Ticket, str, str], Awaitable[Ticket]],
        *,
        customer_label: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        knowledge: KnowledgePanel | None = None,
        author: str = "",
        attach: Callable[[Path], Awaitable[Attachment]] | None = None,
        attachments: list[Attachment] | None = None,
        fetch: Callable[[Attachment], Awaitable[Path]] | None = None,
        open_file: Callable[[Path], None] = open_with_system,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ticketForm")
        self.ticket = ticket
        self.author = author or ticket.created_by
        self._attach = attach
        self.attached: list[Attachment] = list(attachments or [])
        self._fetch = fetch
        self._open_file = open_file
        self._opening: asyncio.Future | None = None
        self._saving: asyncio.Future | None = None
        self.attaching: asyncio.Future | None = None
        self._save = save
        self._clock = clock
        self.errors: dict[str, QLabel] = {}

        self.customer = QLabel(customer_label or ticket.customer_id)
        self.call = QLabel(ticket.call_id or "—")
        self.category = self._combo([c.value for c in Category], ticket.category)
        self.priority = self._combo([p.value for p in Priority], ticket.priority)
        self.product_model = QLineEdit(ticket.product_model)
        self.product_serial = QLineEdit(ticket.product_serial)
        self.purchase_date = QLineEdit(ticket.purchase_date)
        self.purchase_date.setPlaceholderText("YYYY-MM-DD")
        self.warranty = QLabel()
        self.warranty.setObjectName("warranty")
        self.fault_description = QPlainTextEdit(ticket.fault_description)
        self.fault_description.setMinimumHeight(90)  # takes the form's spare height: room to write
        self.service_mode = self._combo([m.value for m in ServiceMode], ticket.service_mode)
        self.assignee_group = self._combo(list(ASSIGNEE_GROUPS), ticket.assignee_group)
        self.assignee_agent = QLineEdit(ticket.assignee_agent)
        self.sla = QLabel()
        self.sla.setObjectName("slaCountdown")
        self.status = QLabel()
        self.action = QComboBox()
        self.note = QLineEdit()
        self.history = QListWidget()
        self.history.setObjectName("history")
        self.linked = QLabel()
        self.linked.setWordWrap(True)
        self.comments = QListWidget()
        self.comments.setObjectName("comments")
        self.comments.setWordWrap(True)
        self.comment_input = QLineEdit()
        self.comment_input.setObjectName("commentInput")
        self.add_comment_button = QPushButton()
        self.add_comment_button.setObjectName("addComment")
        self.add_comment_button.clicked.connect(self.add_comment)
        self.comment_input.returnPressed.connect(self.add_comment)
        self.attachments = QListWidget()
        self.attachments.setObjectName("attachments")
        self.attachments.setMaximumHeight(90)
        self.attach_button = QPushButton()
        self.attach_button.setObjectName("attachFiles")
        self.attach_button.setEnabled(attach is not None)
        self.attach_button.clicked.connect(self.choose_files)
        self.open_attachment_button = QPushButton()
        self.open_attachment_button.setObjectName("openAttachment")
        self.open_attachment_button.setEnabled(fetch is not None)
        self.open_attachment_button.clicked.connect(self.open_selected_attachment)
        self.attachments.itemDoubleClicked.connect(lambda _item: self.open_selected_attachment())

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._labels: dict[str, QLabel] = {}
        rows = (
            ("customer_id", self.customer),
            ("call_id", self.call),
            ("category", self.category),
            ("priority", self.priority),
            ("product_model", self.product_model),
            ("product_serial", self.product_serial),
            ("purchase_date", self.purchase_date),
            ("warranty_status", self.warranty),
            ("fault_description", self.fault_description),
            ("service_mode", self.service_mode),
            ("assignee_group", self.assignee_group),
            ("assignee_agent", self.assignee_agent),
            ("sla", self.sla),
            ("status", self.status),
            ("action", self.action),
            ("note", self.note),
        )
        for name, widget in rows:
            label = QLabel()
            self._labels[name] = label
            form.addRow(label, self._with_error(name, widget))

        self.buttons = save_cancel_buttons(self.submit, self.reject)
        self.save_error = QLabel()
        self.save_error.setObjectName("saveError")
        self.save_error.setWordWrap(True)
        self.save_error.setStyleSheet("color: #b91c1c;")
        self.save_error.hide()

        self.header = QLabel()
        self.header.setObjectName("ticketHeader")
        self.header.setStyleSheet("font-size: 15px; font-weight: bold;")
        left = QVBoxLayout()
        left.addWidget(self.header)
        left.addLayout(form, 1)
        left.addWidget(self.save_error)
        left.addWidget(self.buttons)
        right = QVBoxLayout()
        self.history_title = QLabel()
        right.addWidget(self.history_title)
        right.addWidget(self.history, 1)
        self.comments_title = QLabel()
        right.addWidget(self.comments_title)
        right.addWidget(self.comments, 1)
        comment_row = QHBoxLayout()
        comment_row.addWidget(self._with_error("comments", self.comment_input), 1)
        comment_row.addWidget(self.add_comment_button)
        right.addLayout(comment_row)
        attach_row = QHBoxLayout()
        self.attachments_title = QLabel()
        attach_row.addWidget(self.attachments_title, 1)
        attach_row.addWidget(self.open_attachment_button)
        attach_row.addWidget(self.attach_button)
        right.addLayout(attach_row)
        right.addWidget(self._with_error("attachments", self.attachments))
        self.knowledge = knowledge
        if knowledge is not None:
            knowledge.linkRequested.connect(self.link_article)
            right.addWidget(knowledge, 2)
        right.addWidget(self.linked)
        outer = QHBoxLayout(self)
        outer.addLayout(left, 3)
        outer.addLayout(right, 2)

        self.category.currentIndexChanged.connect(self._retranslate_actions)
        self.product_model.textChanged.connect(self._update_warranty)
        self.purchase_date.textChanged.connect(self._update_warranty)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._update_sla)
        self._timer.start(1000)
        self._retranslate()
        self._refresh()

    # -- building ------------------------------------------------------------------------------
    def _combo(self, values: list[str], current: str) -> QComboBox:
        combo = QComboBox()
        for value in values:
            combo.addItem(value, value)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        return combo

    def _with_error(self, name: str, widget: QWidget) -> QWidget:
        return with_error_label(name, widget, self.errors, wrap=True)

    # -- texts ---------------------------------------------------------------------------------
    def value_text(self, value: str) -> str:
        return self.tr("(none)") if value == "" else ticket_label(value)

    def action_text(self, action: str) -> str:
        names = {
            "": self.tr("(no change)"),
            "assign": self.tr("Hand off to second line"),
            "start": self.tr("Start work"),
            "wait_customer": self.tr("Wait for customer"),
            "resume": self.tr("Resume"),
            "resolve": self.tr("Resolve"),
            "close": self.tr("Close"),
            "reopen": self.tr("Reopen"),
            "acknowledge": self.tr("Complaint: acknowledge"),
            "investigate": self.tr("Complaint: investigate"),
            "resolve_complaint": self.tr("Complaint: resolve"),
            "call_back": self.tr("Complaint: call back"),
            "satisfaction_check": self.tr("Complaint: satisfaction check"),
            "create": self.tr("Created"),
            "escalate": self.tr("Escalated to supervisor"),
        }
        return names.get(action, action)

    def issue_text(self, issue: Issue) -> str:
        required = {
            "customer_id": self.tr("Link a customer first."),
            "category": self.tr("Choose a category."),
            "priority": self.tr("Choose a priority."),
            "fault_description": self.tr("Describe the problem."),
            "service_mode": self.tr("Choose a service mode."),
            "product_model": self.tr("A fault ticket needs the product model."),
            "assignee_group": self.tr("Choose the group to hand off to."),
        }
        if issue.field == "comments":
            if issue.code == "too_long":
                return self.tr("A comment is at most 2000 characters.")
            return self.tr("Write the comment first.")
        if issue.code == "required":
            return required.get(issue.field, self.tr("Required."))
        if issue.code == "future":
            return self.tr("The purchase date is in the future.")
        if issue.code == "too_long":
            return self.tr("Too long.")
        if issue.field == "purchase_date":
            return self.tr("Write the date as YYYY-MM-DD.")
        return self.tr("Not a valid value.")

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Ticket %1").replace("%1", self.ticket.id))
        self.header.setText(self.windowTitle())
        labels = {
            "customer_id": self.tr("Customer"),
            "call_id": self.tr("Call"),
            "category": self.tr("Category"),
            "priority": self.tr("Priority"),
            "product_model": self.tr("Product model"),
            "product_serial": self.tr("Serial number"),
            "purchase_date": self.tr("Purchase date"),
            "warranty_status": self.tr("Warranty"),
            "fault_description": self.tr("Fault description"),
            "service_mode": self.tr("Service mode"),
            "assignee_group": self.tr("Assignee group"),
            "assignee_agent": self.tr("Assignee agent"),
            "sla": self.tr("Hand-off SLA"),
            "status": self.tr("Status"),
            "action": self.tr("Next step"),
            "note": self.tr("Note"),
        }
        for name, label in self._labels.items():
            label.setText(labels[name])
        for combo in (self.category, self.priority, self.service_mode, self.assignee_group):
            for index in range(combo.count()):
                combo.setItemText(index, self.value_text(combo.itemData(index)))
        self.fault_description.setPlaceholderText(self.tr("What happens, since when, what was tried"))
        self.note.setPlaceholderText(self.tr("Optional note for the history"))
        self.history_title.setText(self.tr("History"))
        self.comments_title.setText(self.tr("Comments"))
        self.comment_input.setPlaceholderText(self.tr("Add a comment (saved with the ticket)"))
        self.add_comment_button.setText(self.tr("Add comment"))
        self.attachments_title.setText(self.tr("Attachments"))
        self.attach_button.setText(self.tr("Attach files…"))
        self.open_attachment_button.setText(self.tr("Open"))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self._refresh()

    # -- state -> widgets ----------------------------------------------------------------------
    def _refresh(self) -> None:
        self.status.setText(self._status_text())
        self._retranslate_actions()
        self._update_warranty()
        self._update_sla()
        self.history.clear()
        for entry in self.ticket.history:
            when = entry.ts.astimezone().strftime("%Y-%m-%d %H:%M") if entry.ts else ""
            change = self.value_text(entry.to_status) if entry.to_status else ""
            line = f"{when}  {entry.who}  {self.action_text(entry.action)}"
            if change and entry.action not in ("escalate",):
                line += f" → {change}"
            if entry.note:
                line += f"  ({entry.note})"
            self.history.addItem(line)
        self._refresh_comments()
        self._refresh_attachments()
        articles = ", ".join(self.ticket.kb_article_ids)
        self.linked.setText(self.tr("Linked articles: %1").replace("%1", articles) if articles else "")

    def _refresh_comments(self) -> None:
        self.comments.clear()
        for comment in self.ticket.comments:
            when = comment.ts.astimezone().strftime("%Y-%m-%d %H:%M") if comment.ts else ""
            self.comments.addItem(f"{when}  {comment.author}\n{comment.text}")

    def _refresh_attachments(self) -> None:
        self.attachments.clear()
        for attachment in self.attached:
            self.attachments.addItem(f"{attachment.name}  ({size_text(attachment.size)})")

    def _status_text(self) -> str:
        text = self.value_text(self.ticket.status)
        if self.ticket.complaint_stage:
            text += " · " + self.value_text(self.ticket.complaint_stage)
        return text

    def _retranslate_actions(self) -> None:
        probe = Ticket.from_dict({**self.ticket.to_dict(), "category": self.category.currentData()})
        self.action.clear()
        self.action.addItem(self.action_text(""), "")
        for action in allowed_actions(probe):
            self.action.addItem(self.action_text(action), action)

    def _update_warranty(self) -> None:
        result = warranty_for(self.product_model.text(), self.purchase_date.text(), self._clock().date())
        if result.ends_on is None:
            self.warranty.setText(self.tr("Unknown (no purchase date)"))
            self.warranty.setStyleSheet("")
        elif result.status.value == "in_warranty":
            self.warranty.setText(self.tr("In warranty until %1").replace("%1", result.ends_on.isoformat()))
            self.warranty.setStyleSheet("color: #15803d;")
        else:
            self.warranty.setText(
                self.tr("Out of warranty since %1").replace("%1", result.ends_on.isoformat())
            )
            self.warranty.setStyleSheet("color: #b45309;")

    def _update_sla(self) -> None:
        state = sla_state(self.ticket, self._clock())
        if state.state == "met":
            text, style = self.tr("Handed off in time"), "color: #15803d;"
        elif state.state == "none":
            text, style = "—", ""
        elif state.overdue:
            text = self.tr("OVERDUE by %1 — escalated to supervisor").replace(
                "%1", format_countdown(-state.remaining)
            )
            style = "color: white; background: #b91c1c; padding: 2px 6px; font-weight: bold;"
        else:
            text = self.tr("%1 left to hand off").replace("%1", format_countdown(state.remaining))
            style = "color: #b45309; font-weight: bold;" if state.state == "due_soon" else ""
        self.sla.setText(text)
        self.sla.setStyleSheet(style)

    # -- widgets -> state ----------------------------------------------------------------------
    def collect(self) -> Ticket:
        t = self.ticket
        t.category = self.category.currentData()
        if t.category == Category.COMPLAINT.value and not t.complaint_stage:
            t.complaint_stage = "recorded"
        t.priority = self.priority.currentData()
        t.product_model = self.product_model.text().strip()
        t.product_serial = self.product_serial.text().strip()
        t.purchase_date = self.purchase_date.text().strip()
        result = warranty_for(t.product_model, t.purchase_date, self._clock().date())
        t.warranty_status = result.status.value
        t.fault_description = self.fault_description.toPlainText().strip()
        t.service_mode = self.service_mode.currentData()
        t.assignee_group = self.assignee_group.currentData()
        t.assignee_agent = self.assignee_agent.text().strip()
        return t

    def add_comment(self) -> bool:
        """Append the typed comment (author, now) to the ticket; it is stored with the next Save.

        Card numbers are redacted by the save path (TicketService.save, and the server again).
        """
        text = self.comment_input.text().strip()
        if not text:
            self.show_issues([Issue("comments", "required", "a comment cannot be empty")])
            return False
        self.ticket.comments.append(TicketComment(self._clock(), self.author, text))
        self.comment_input.clear()
        self.errors["comments"].hide()
        self._refresh_comments()
        return True

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, self.tr("Attach files"))
        if paths:
            self.attaching = asyncio.ensure_future(self.attach_files([Path(p) for p in paths]))

    async def attach_files(self, paths: list[Path]) -> list[Attachment]:
        """Attach each file (copied into the cache, queued for sync); problems shown per file."""
        if self._attach is None:
            return []
        added: list[Attachment] = []
        problems: list[str] = []
        self.attach_button.setEnabled(False)
        try:
            for path in paths:
                problem = await self._attach_one(path, added)
                if problem:
                    problems.append(problem)
        finally:
            with contextlib.suppress(RuntimeError):  # the form was closed meanwhile
                self.attach_button.setEnabled(True)
        try:
            self.attached.extend(added)
            self._refresh_attachments()
            error = self.errors["attachments"]
            error.setText("\n".join(problems))
            error.setVisible(bool(problems))
        except RuntimeError:  # closed (and deleted) while the files were written: they are stored
            log.info("ticket %s: form closed while attaching", self.ticket.id)
        return added

    async def _attach_one(self, path: Path, added: list[Attachment]) -> str:
        """Attach `path` (appended to `added`); the problem to show, or ""."""
        assert self._attach is not None
        try:
            added.append(await self._attach(path))
        except ValueError as exc:
            code = getattr(exc, "code", "invalid")
            log.warning("ticket %s: cannot attach %s: %s", self.ticket.id, path, exc)
            if code == "too_large":
                limit = str(MAX_ATTACHMENT_BYTES // (1024 * 1024))
                return (
                    self.tr("%1 is larger than %2 MB and was not attached.")
                    .replace("%1", path.name)
                    .replace("%2", limit)
                )
            if code == "missing":
                return self.tr("%1 could not be read (missing or locked) and was not attached.").replace(
                    "%1", path.name
                )
            return self.tr("%1 cannot be attached.").replace("%1", path.name)
        except Exception as exc:  # the cache could not be written: the file is not attached
            log.warning("ticket %s: %s not attached: %s", self.ticket.id, path, exc)
            return self.tr("%1 was not attached: %2").replace("%1", path.name).replace("%2", str(exc))
        return ""

    def open_selected_attachment(self) -> asyncio.Future | None:
        """Open the selected attachment (downloaded first when not on this desktop) without
        blocking the window; the returned future finishes when it is opened or refused."""
        row = self.attachments.currentRow()
        if self._fetch is None or not 0 <= row < len(self.attached):
            return None
        if self._opening is not None and not self._opening.done():
            return self._opening
        self._opening = asyncio.ensure_future(self.open_attachment(self.attached[row]))
        return self._opening

    async def open_attachment(self, attachment: Attachment) -> Path | None:
        error = self.errors["attachments"]
        error.hide()
        if self._fetch is None:
            return None
        self.open_attachment_button.setEnabled(False)
        try:
            path = await self._fetch(attachment)
        except Exception as exc:  # any failure becomes a message next to the list
            log.warning("ticket %s: cannot open attachment %s: %s", self.ticket.id, attachment.id, exc)
            error.setText(self._open_problem(attachment, getattr(exc, "code", "")))
            error.show()
            return None
        finally:
            self.open_attachment_button.setEnabled(True)
        self._open_file(path)
        return path

    def _open_problem(self, attachment: Attachment, code: str) -> str:
        texts = {
            "offline": self.tr(
                "%1 is not on this computer and the server cannot be reached. Try again later."
            ),
            "not_found": self.tr("%1 has not been uploaded to the server yet."),
            "mismatch": self.tr("%1 was damaged on the way (checksum mismatch) and was not saved."),
        }
        text = texts.get(code, self.tr("%1 could not be opened."))
        return text.replace("%1", attachment.name)

    def link_article(self, article_id: str) -> None:
        if article_id and article_id not in self.ticket.kb_article_ids:
            self.ticket.kb_article_ids.append(article_id)
            self._refresh()

    def show_issues(self, issues: list[Issue]) -> None:
        for shown in self.errors.values():
            shown.hide()
        for issue in issues:
            error = self.errors.get(issue.field) or self.errors.get("fault_description")
            if error is not None and error.isHidden():
                error.setText(self.issue_text(issue))
                error.show()

    def submit(self) -> asyncio.Future:
        """Save (Save button): the returned future finishes when the ticket is stored (the form
        closes) or refused (the form shows why and keeps the input). One save at a time."""
        if self._saving is None or self._saving.done():
            self._saving = asyncio.ensure_future(self._submit())
        return self._saving

    async def _submit(self) -> None:
        if self.comment_input.text().strip():
            self.add_comment()  # a comment typed but not yet added is not lost on Save
        ticket = self.collect()
        action = self.action.currentData() or ""
        snapshot = ticket.to_dict()
        self.save_error.hide()
        self.buttons.setEnabled(False)
        try:
            saved = await self._save(ticket, action, self.note.text().strip())
        except TransitionError as exc:
            log.warning("ticket %s: %s", ticket.id, exc)
            self._refused(snapshot, [Issue("status", "invalid", str(exc))])
            return
        except ValueError as exc:
            issues = getattr(exc, "issues", None) or [Issue("fault_description", "invalid", str(exc))]
            self._refused(snapshot, issues)
            return
        except Exception as exc:  # the cache could not be written: say so, keep the input
            log.warning("ticket %s not saved: %s", ticket.id, exc)
            with contextlib.suppress(RuntimeError):  # closed meanwhile: nothing to show it on
                self._refused(snapshot, [])
                self.save_error.setText(self.tr("The ticket was not saved: %1").replace("%1", str(exc)))
                self.save_error.show()
            return
        with contextlib.suppress(RuntimeError):  # closed while it was written: it is stored
            self.ticket = saved
            self.show_issues([])
            self.buttons.setEnabled(True)
            self.saved.emit(saved)
            self.accept()

    def _refused(self, snapshot: dict, issues: list[Issue]) -> None:
        self.ticket = Ticket.from_dict(snapshot)
        self.show_issues(issues)
        self.buttons.setEnabled(True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
