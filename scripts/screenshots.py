"""Render the main window offscreen at 1366x768 and save PNGs under docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--size 1366x768]

Per language (zh_CN, en): the customer card with a churn warning, the shared-number chooser, the
new-caller page and the withheld page. Needs a Chinese font (Debian: fonts-wqy-microhei).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication, QWidget

from desktop.views.i18n import install_translator, load_fonts
from desktop.views.login_dialog import LoginDialog
from desktop.views.main_window import MainWindow
from desktop.views.sample_data import family_cards, sample_detail, sample_pop
from desktop.views.sync_dialog import SyncDialog
from desktop.views.theme import apply_theme

ROOT = Path(__file__).resolve().parents[1]
HOTLINE = {"zh_CN": "品牌服务热线 400-812-3456", "en": "Brand hotline 400-812-3456"}
QUEUE = {"zh_CN": "售后服务", "en": "After-sales"}
# The sync desk's notice text (desktop/desks/sync_desk.py), as it reads in each language.
OFFLINE_NOTICE = {
    "zh_CN": "无法与 CRM 服务器同步，正在使用本地缓存。(connection refused)",
    "en": "Could not sync with the CRM server; working from the local cache. (connection refused)",
}


# Error text comes from the caller (the auth service), in the agent's language.
LOGIN_ERROR = {"zh_CN": "用户名或密码错误，请重试。", "en": "Wrong user name or password. Try again."}


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


def populate(window: MainWindow, language: str) -> None:
    now = time.time()
    window.set_connection_state("online")
    window.set_cti_state(True, "127.0.0.1:5070")
    window.set_outbox_count(2)
    calls = [
        ("c1", "139****4321", "李建国", now - 3600 * 3, "answered", "C00012346"),
        ("c2", "021****1234", None, now - 3600 * 2, "missed", None),
        ("c3", "186****0099", "张伟", now - 3000, "answered", "C00020001"),
        ("c4", "010****5678", "陈静", now - 1400, "transferred", "C00020002"),
        ("c5", "400****3456", None, now - 600, "abandoned", None),
    ]
    for call_id, caller, name, ts, outcome, customer_id in calls:
        window.add_recent_call(call_id, caller, name, ts, outcome, customer_id=customer_id)
    window.show_call("138****5678", HOTLINE[language], QUEUE[language], now - 42)


def shoot(window: QWidget, app: QApplication, path: Path) -> None:
    settle(app)
    window.grab().save(str(path))
    print(path)


def shoot_dialogs(app: QApplication, out: Path, language: str) -> None:
    login = LoginDialog(server_url="https://crm.example.com", username="1001")
    login.server.setText("http://crm.example.com")
    login.password.setText("not-the-password")
    login.submit()
    login.set_error(LOGIN_ERROR[language])
    login.show()
    shoot(login, app, out / f"login_{language}.png")
    login.close()
    sync = SyncDialog()
    sync.update_progress(38_000, 112_000, 95)
    sync.show()
    shoot(sync, app, out / f"sync_{language}.png")
    sync.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    load_fonts(app)
    apply_theme(app)
    detail = sample_detail()
    for language in ("zh_CN", "en"):
        if not install_translator(app, language) and language != "zh_CN":
            print(f"no translation for {language}", file=sys.stderr)
            return 1
        window = MainWindow()
        window.set_language(language)
        window.resize(width, height)
        window.show()
        populate(window, language)
        window.card.show_pop(sample_pop(detail), masked=True)
        window.card.show_detail(detail, masked=True)
        shoot(window, app, args.out / f"card_{language}.png")
        window.card._tabs.setCurrentIndex(1)
        shoot(window, app, args.out / f"points_{language}.png")
        window.card._tabs.setCurrentIndex(0)
        window.card.show_pop(sample_pop(detail), masked=True)
        shoot(window, app, args.out / f"pop_loading_{language}.png")
        window.card.show_detail(detail, masked=False, stale=True)
        window.set_connection_state("offline")
        window.show_banner(OFFLINE_NOTICE[language], "warning")
        shoot(window, app, args.out / f"card_offline_{language}.png")
        window.show_call("021****1234", HOTLINE[language], QUEUE[language], time.time() - 12)
        window.card.show_matches(family_cards(), masked=True)
        shoot(window, app, args.out / f"matches_{language}.png")
        window.show_call("159****1111", HOTLINE[language], QUEUE[language], time.time() - 8)
        window.card.show_new_caller("+8615900001111", "15900001111", masked=True)
        shoot(window, app, args.out / f"new_caller_{language}.png")
        window.show_call("", HOTLINE[language], QUEUE[language], time.time() - 75)
        window.card.show_withheld()
        window.search_box.setText("wxy")
        window.show_search_results(family_cards(), masked=True)
        shoot(window, app, args.out / f"withheld_search_{language}.png")
        window.close()
        window.deleteLater()
        shoot_dialogs(app, args.out, language)
        settle(app)
    install_translator(app, "en")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
