"""Render the Settings dialog offscreen over a real cache and save PNGs under docs/screenshots/.

    .venv/bin/python scripts/settings_screenshots.py [--out docs/screenshots] [--customers 2000]

A temporary central API is seeded, the cache is filled by the real initial sync and two writes
are left unsent, so the "Local cache" figures are real. Per language (zh_CN, en):
settings_<lang>.png (the dialog) and settings_rebuild_<lang>.png (its confirmation), each over
a 1366x768 main window.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from central.seed import seed_database
from central.server import start_in_thread
from desktop.cache.outbox import new_id
from desktop.cache.store import CacheStore
from desktop.config import Settings
from desktop.services.api import CentralApi
from desktop.services.settings_service import SettingsService
from desktop.services.sync import PullSync
from desktop.services.worker import shutdown_worker
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.main_window import MainWindow
from desktop.views.settings_dialog import SettingsDialog
from desktop.views.theme import apply_theme

ROOT = Path(__file__).resolve().parents[1]


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


async def fill_cache(url: str, path: Path) -> None:
    api = CentralApi(url)
    try:
        await api.login("1001", "demo")
        await PullSync(api, path).run()
    finally:
        await api.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="calldesk-settings-shots-"))
    db_url = f"sqlite:///{work / 'central.sqlite3'}"
    seed_database(db_url, customers=args.customers, seed=3)
    server = start_in_thread(db_url)
    cache = work / "cache.sqlite3"
    try:
        asyncio.run(fill_cache(server.url, cache))
    finally:
        server.stop()
        shutdown_worker()
    store = CacheStore(cache)
    store.write_local("note", {"id": new_id(), "customer_id": "C0000001", "text": "回访"})
    store.write_local("note", {"id": new_id(), "customer_id": "C0000002", "text": "回访"})

    app = QApplication.instance() or QApplication(sys.argv[:1])
    load_fonts(app)
    apply_theme(app)
    synced = datetime.now(UTC)
    for language in ("zh_CN", "en"):
        install_translator(app, language)
        window = MainWindow()
        window.set_language(language)
        window.resize(1366, 768)
        window.show()
        settings = Settings(central_url="https://crm.example.cn", language=language, cache_path=str(cache))
        service = SettingsService(
            settings, store, config_file=work / "config.toml", last_sync_at=lambda: synced
        )
        dialog = SettingsDialog(service, window)
        dialog.show()
        settle(app)
        size = dialog.size()
        print(f"{language}: dialog {size.width()}x{size.height()}")
        assert size.width() <= 1366 and size.height() <= 728, "the dialog must fit a 1366x768 screen"
        path = args.out / f"settings_{language}.png"
        dialog.grab().save(str(path))
        print(path)
        dialog.rebuild_button.click()
        settle(app)
        assert dialog.confirm_box is not None
        path = args.out / f"settings_rebuild_{language}.png"
        dialog.confirm_box.grab().save(str(path))
        print(path)
        dialog.confirm_box.reject()
        dialog.close()
        window.close()
        settle(app)
    store.close()
    install_translator(app, "en")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
