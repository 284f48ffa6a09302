"""Integration settings of the central API, from the environment (secrets never on a command line).

| variable | meaning |
|---|---|
| CALLDESK_OMS_SECRET | shared secret of the order system's webhook; unset: the endpoint answers 404 |
| CALLDESK_TICKET_WEBHOOK_URL | where ticket creates/updates are sent; unset: nothing is sent |
| CALLDESK_TICKET_WEBHOOK_SECRET | secret of that webhook and of the status updates coming back |
| CALLDESK_TICKET_WEBHOOK_ATTEMPTS | attempts before a delivery goes to the dead-letter list (8) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IntegrationSettings:
    oms_secret: str | None = None
    ticket_webhook_url: str | None = None
    ticket_webhook_secret: str | None = None
    max_attempts: int = 8
    backoff_initial: float = 2.0
    backoff_max: float = 600.0
    backoff_jitter: float = 0.5

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> IntegrationSettings:
        attempts = env.get("CALLDESK_TICKET_WEBHOOK_ATTEMPTS", "8")
        return cls(
            oms_secret=env.get("CALLDESK_OMS_SECRET") or None,
            ticket_webhook_url=env.get("CALLDESK_TICKET_WEBHOOK_URL") or None,
            ticket_webhook_secret=env.get("CALLDESK_TICKET_WEBHOOK_SECRET") or None,
            max_attempts=max(1, int(attempts)) if attempts.isdigit() else 8,
        )

    @property
    def sends_tickets(self) -> bool:
        return bool(self.ticket_webhook_url and self.ticket_webhook_secret)
