"""What the Settings dialog shows and saves: the editable settings, the local cache's figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.cache.store import CacheStore
from desktop.config import (
    MAX_DETAIL_WINDOW_DAYS,
    Settings,
    SettingsSaveError,
    environment_overrides,
    save_user_settings,
    user_config_path,
    validated_changes,
)

# The dialog takes these from here (views talk to services, not to desktop.config).
__all__ = ["MAX_DETAIL_WINDOW_DAYS", "CacheFigures", "Settings", "SettingsSaveError", "SettingsService"]

EDITABLE = (
    "central_url",
    "language",
    "cti_host",
    "cti_port",
    "detail_window_days",
    "cti_source",
    "cti_bridge_address",
    "cti_bridge_tls",
    "cti_bridge_ca_file",
    "phone_region",
    "pause_reasons",
    "wrapup_seconds",
    "wrapup_queue_seconds",
)


@dataclass(frozen=True, slots=True)
class CacheFigures:
    path: Path
    size_bytes: int  # file + write-ahead log
    customers: int
    orders: int
    pending_writes: int
    conflicts: int  # unresolved
    last_sync_at: datetime | None  # last successful pull in this session


class SettingsService:
    def __init__(
        self,
        settings: Settings,
        store: CacheStore,
        *,
        config_file: Path | None = None,
        last_sync_at: Callable[[], datetime | None] = lambda: None,
        env: dict[str, str] | None = None,
        cti_token: str = "",
    ) -> None:
        self.settings = settings
        self.cti_token = cti_token  # the local CTI socket's token, shown (read-only) in Settings > CTI
        self.config_file = config_file or user_config_path()
        self._store = store
        self._last_sync_at = last_sync_at
        self._env = env

    def figures(self) -> CacheFigures:
        counts = self._store.counts()
        return CacheFigures(
            path=self._store.path,
            size_bytes=self._store.file_size_bytes(),
            customers=counts["customers"],
            orders=counts["orders"],
            pending_writes=self._store.outbox_count(),
            conflicts=len(self._store.conflicts()),
            last_sync_at=self._last_sync_at(),
        )

    def overridden(self) -> list[str]:
        """Editable settings an environment variable fixes (saving them has no effect)."""
        return [key for key in environment_overrides(self._env) if key in EDITABLE]

    def save(self, changes: dict[str, Any]) -> Settings:
        """Save to the user's file and return the new settings; raises SettingsSaveError
        (nothing written) for a refused value or an unwritable/unreadable file."""
        if changes:
            save_user_settings(changes, self.config_file)
            self.settings = replace(self.settings, **validated_changes(changes))
        return self.settings
