"""The fixed lists the desktop and the central API share: the UI languages and the wrap-up
(disposition) codes. One home each; everything else imports them."""

from __future__ import annotations

# Each language named in its own language (never translated); the first is the default.
LANGUAGE_NAMES: dict[str, str] = {"zh_CN": "中文（简体）", "en": "English"}
LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_NAMES)

# Wrap-up (disposition) codes offered at the end of a call when the settings name none.
DISPOSITION_CODES: tuple[str, ...] = (
    "resolved",
    "ticket_created",
    "callback_needed",
    "transferred",
    "information_only",
    "complaint",
    "wrong_number",
    "dropped",
)
