"""Validation of ticket, contact-log and attachment records (dicts in their `to_dict()` shape):
every problem as an `Issue` (field, machine code, English message). Used by the desktop before it
saves and by the central API before it accepts a push. No Qt, no SQL, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

from calldesk_domain.models import parse_ts
from calldesk_domain.tickets import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENT_NAME,
    MAX_COMMENT,
    MAX_TEXT,
    Attachment,
    Category,
    ComplaintStage,
    ContactLog,
    Direction,
    Priority,
    ServiceMode,
    Ticket,
    TicketStatus,
    parse_purchase_date,
)


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation problem: `field` it belongs to, a machine `code`, an English message."""

    field: str
    code: str
    message: str


class InvalidRecord(ValueError):
    """A record that failed validation; `issues` says where and why."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.field}: {i.message}" for i in issues))
        self.issues = issues


def _is_time(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        parse_ts(value)
    except ValueError:
        return False
    return True


def _history_ok(value: Any) -> bool:
    # ts, who and action have no default in TicketHistoryEntry: a missing one cannot be built.
    return isinstance(value, list) and all(
        isinstance(entry, dict)
        and all(key in entry for key in ("ts", "who", "action"))
        and _is_time(entry.get("ts"))
        and all(
            isinstance(entry.get(key, ""), str)
            for key in ("who", "action", "from_status", "to_status", "note")
        )
        for entry in value
    )


def _comments_ok(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(entry, dict)
        and all(key in entry for key in ("ts", "author", "text"))
        and _is_time(entry.get("ts"))
        and all(isinstance(entry.get(key, ""), str) for key in ("author", "text"))
        for entry in value
    )


_TYPE_CHECKS: dict[str, Any] = {
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "int | None": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
    "datetime | None": _is_time,
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(item, str) for item in v),
    "list[TicketHistoryEntry]": _history_ok,
    "list[TicketComment]": _comments_ok,
}


def shape_issues(data: Any, record_type: type) -> list[Issue]:
    """Fields present in `data` whose JSON type does not fit `record_type` (input from outside)."""
    if not isinstance(data, dict):
        return [Issue("data", "invalid", "record must be a JSON object")]
    issues = []
    for f in fields(record_type):
        if f.name == "version":
            continue  # assigned by the server; a local record carries None until its first push
        if f.name in data and not _TYPE_CHECKS.get(str(f.type), lambda _v: True)(data[f.name]):
            issues.append(Issue(f.name, "invalid", f"{f.name} has the wrong type"))
    return issues


def _enum_issue(data: dict[str, Any], name: str, enum: type[StrEnum]) -> Issue | None:
    value = data.get(name)
    if value in (None, ""):
        return Issue(name, "required", f"{name} is required")
    if not isinstance(value, str) or value not in {member.value for member in enum}:
        return Issue(name, "invalid", f"{name} {value!r} is not one of {sorted(m.value for m in enum)}")
    return None


def validate_ticket(data: dict[str, Any], today: date | None = None) -> list[Issue]:
    """Problems with a ticket record (dict in `Ticket.to_dict()` shape), field by field."""
    issues = shape_issues(data, Ticket)
    if issues:
        return issues
    if not str(data.get("id") or "").strip():
        issues.append(Issue("id", "required", "id is required"))
    if not str(data.get("customer_id") or "").strip():
        issues.append(Issue("customer_id", "required", "a ticket needs a customer"))
    for name, enum in (
        ("category", Category),
        ("priority", Priority),
        ("service_mode", ServiceMode),
        ("status", TicketStatus),
    ):
        problem = _enum_issue(data, name, enum)
        if problem is not None:
            issues.append(problem)
    description = data.get("fault_description")
    if not isinstance(description, str) or not description.strip():
        issues.append(Issue("fault_description", "required", "describe the problem"))
    elif len(description) > MAX_TEXT:
        issues.append(Issue("fault_description", "too_long", f"at most {MAX_TEXT} characters"))
    purchase = data.get("purchase_date") or ""
    if purchase:
        bought = parse_purchase_date(purchase) if isinstance(purchase, str) else None
        if bought is None:
            issues.append(Issue("purchase_date", "invalid", "purchase date must be YYYY-MM-DD"))
        elif today is not None and bought > today:
            issues.append(Issue("purchase_date", "future", "purchase date is in the future"))
    if data.get("category") == Category.FAULT.value and not str(data.get("product_model") or "").strip():
        issues.append(Issue("product_model", "required", "a fault ticket needs the product model"))
    issues.extend(_comment_issues(data.get("comments") or []))
    stage = data.get("complaint_stage") or ""
    if stage and stage not in {s.value for s in ComplaintStage}:
        issues.append(Issue("complaint_stage", "invalid", f"unknown complaint stage {stage!r}"))
    has_assignee = any(str(data.get(name) or "").strip() for name in ("assignee_group", "assignee_agent"))
    if data.get("status") == TicketStatus.ASSIGNED.value and not has_assignee:
        issues.append(Issue("assignee_group", "required", "an assigned ticket needs a group or agent"))
    return issues


def _comment_issues(comments: list[dict[str, Any]]) -> list[Issue]:
    """Each comment needs an author, a time and a non-blank text of at most MAX_COMMENT."""
    for comment in comments:
        text = comment.get("text") or ""
        if not text.strip():
            return [Issue("comments", "required", "a comment cannot be empty")]
        if len(text) > MAX_COMMENT:
            return [Issue("comments", "too_long", f"a comment has at most {MAX_COMMENT} characters")]
        if not str(comment.get("author") or "").strip() or not comment.get("ts"):
            return [Issue("comments", "invalid", "a comment needs its author and time")]
    return []


def validate_contact(data: dict[str, Any]) -> list[Issue]:
    issues = shape_issues(data, ContactLog)
    if issues:
        return issues
    for name in ("id", "call_id", "agent_id"):
        if not str(data.get(name) or "").strip():
            issues.append(Issue(name, "required", f"{name} is required"))
    problem = _enum_issue(data, "direction", Direction)
    if problem is not None:
        issues.append(problem)
    if not str(data.get("disposition") or "").strip():
        issues.append(Issue("disposition", "required", "choose a disposition code"))
    satisfaction = data.get("satisfaction")
    if satisfaction is not None and (
        isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5
    ):
        issues.append(Issue("satisfaction", "invalid", "satisfaction is 1 to 5"))
    started, ended = data.get("started_at"), data.get("ended_at")
    try:
        start_ts, end_ts = parse_ts(started), parse_ts(ended)
    except (TypeError, ValueError):
        issues.append(Issue("started_at", "invalid", "times must be ISO 8601"))
    else:
        if start_ts and end_ts and end_ts < start_ts:
            issues.append(Issue("ended_at", "invalid", "the call ended before it started"))
    notes = data.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > MAX_TEXT:
        issues.append(Issue("notes", "too_long", f"at most {MAX_TEXT} characters"))
    return issues


def validate_attachment(data: dict[str, Any]) -> list[Issue]:
    """Problems with an attachment record: ids, a plain file name, size within the limit, a
    lower-case hex SHA-256."""
    issues = shape_issues(data, Attachment)
    if issues:
        return issues
    for name in ("id", "ticket_id", "name", "sha256"):
        if not str(data.get(name) or "").strip():
            issues.append(Issue(name, "required", f"{name} is required"))
    file_name = data.get("name") or ""
    if len(file_name) > MAX_ATTACHMENT_NAME:
        issues.append(Issue("name", "too_long", f"at most {MAX_ATTACHMENT_NAME} characters"))
    elif any(char in file_name for char in "/\\\x00") or file_name in (".", ".."):
        issues.append(Issue("name", "invalid", "a file name, without folders"))
    size = data.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_ATTACHMENT_BYTES:
        issues.append(Issue("size", "too_large", f"at most {MAX_ATTACHMENT_BYTES} bytes"))
    digest = data.get("sha256") or ""
    if digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
        issues.append(Issue("sha256", "invalid", "sha256 is 64 lower-case hex digits"))
    if len(str(data.get("mime") or "")) > 128:
        issues.append(Issue("mime", "too_long", "at most 128 characters"))
    return issues
