"""Run by test_wheel.py with the fresh venv's Python, outside the source tree: prints JSON about what
the installed wheel carries and what a zh_CN login dialog shows."""

import json
import re
import sys

from PySide6.QtWidgets import QApplication

from desktop.views.i18n import install_translator
from desktop.views.login_dialog import LoginDialog
from desktop.views.paths import resources_dir, themes_dir, translations_dir
from desktop.views.theme import apply_theme

app = QApplication(sys.argv)
translated = install_translator(app, "zh_CN")
themed = apply_theme(app)
dialog = LoginDialog(server_url="https://crm.example")
dialog.resize(1366, 768)
dialog.show()
app.processEvents()
labels = [dialog._server_label.text(), dialog._user_label.text(), dialog._password_label.text()]
dialog.grab().save(sys.argv[1])
print(
    json.dumps(
        {
            "resources": str(resources_dir()),
            "qm": sorted(p.name for p in translations_dir().glob("*.qm")),
            "themes": sorted(p.name for p in themes_dir().glob("*.qss")),
            "icons": sorted(p.name for p in (resources_dir() / "icons").glob("*")),
            "translated": translated,
            "themed": themed,
            "labels": labels,
            "all_chinese": all(re.search(r"[\u4e00-\u9fff]", text) for text in labels),
        },
        ensure_ascii=False,
    )
)
