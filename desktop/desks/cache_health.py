"""Before the desktop opens its cache: the admin's encryption setting is applied
(desktop/cache/cipher.py), and a damaged file (desktop/cache/damage.py) is reported in
DamagedCacheDialog with "Rebuild cache"; the rebuild keeps the unsent work, and the desktop's
first pull and background push (DesktopApp.start) refill the cache and send that work."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget

from desktop.cache import cipher, damage
from desktop.cache.unsent import unsent_path
from desktop.views.damaged_cache_dialog import DamagedCacheDialog

log = logging.getLogger(__name__)


async def ensure_usable_cache(
    cache_path: Path, parent: QWidget | None = None, *, shown: list[DamagedCacheDialog] | None = None
) -> bool:
    """True when the cache can be opened (it was fine, or it was rebuilt); False when the agent
    chose Quit or the rebuild failed. `shown` receives the dialog (tests click its buttons)."""
    problem = await asyncio.to_thread(damage.check, cache_path)
    if problem is None:
        return True
    log.error("cache %s is damaged (%s): asking the agent", cache_path, problem)
    dialog = DamagedCacheDialog(problem, str(cache_path), parent)
    if shown is not None:
        shown.append(dialog)
    await open_and_wait(dialog)
    if not dialog.rebuild_chosen():
        log.info("cache %s is damaged; the agent quit", cache_path)
        return False
    try:
        report = await asyncio.to_thread(damage.rebuild, cache_path)
    except Exception as exc:  # disk full, permissions: the unsent file is untouched
        log.exception("cache %s: rebuild failed", cache_path)
        dialog.show_failure(str(exc) or type(exc).__name__, str(unsent_path(cache_path)))
        await open_and_wait(dialog)
        return False
    log.info(
        "cache %s rebuilt; %d unsent writes kept in %s", cache_path, report.outbox, unsent_path(cache_path)
    )
    return True


async def open_and_wait(dialog: QDialog) -> None:
    """Open a (window-modal) dialog and wait until it is closed, without a nested event loop."""
    answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def done(_code: int) -> None:
        if not answered.done():
            answered.set_result(None)

    dialog.finished.connect(done)
    dialog.open()
    await answered


def _apply_encryption(cache_path: Path, wanted: bool) -> str | None:
    if not wanted:
        cipher.configure(False)
        encrypted = cipher.is_encrypted(cache_path) or cipher.is_encrypted(unsent_path(cache_path))
        if encrypted and cipher.dbapi() is not None and cipher.stored_key() is not None:
            try:
                cipher.convert(cache_path, encrypt=False)
            except (cipher.CipherUnavailable, OSError, *cipher.errors()) as exc:  # type: ignore[misc]
                log.warning("cache %s left encrypted: %s", cache_path, exc)
        return None
    try:
        cipher.ensure_key()
    except cipher.CipherUnavailable as exc:
        cipher.configure(False)
        log.warning("cache encryption refused: %s", exc)
        return str(exc)
    cipher.configure(True)
    try:
        cipher.convert(cache_path, encrypt=True)
    except (cipher.CipherUnavailable, OSError, *cipher.errors()) as exc:  # type: ignore[misc]
        log.warning("cache %s not encrypted: %s", cache_path, exc)  # a damaged file: checked next
        return str(exc)
    return None


async def apply_cache_encryption(cache_path: Path, wanted: bool) -> str | None:
    """Settings.encrypt_cache: new cache files are encrypted and an existing plain cache (and its
    unsent-work file) is converted; switched off, an encrypted cache is decrypted. Returns why
    encryption could not be switched on (no keyring, no SQLCipher), None otherwise."""
    return await asyncio.to_thread(_apply_encryption, cache_path, wanted)
