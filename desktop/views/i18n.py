"""Languages and fonts: install the zh_CN / en translator at runtime and make Chinese text render.

`en` is the source language (no translator). Switching language removes the previous translators
and installs the new ones; Qt then sends every widget a LanguageChange event and the views
re-translate themselves.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop.views.paths import fonts_dir, translations_dir

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
# First installed family wins for Latin text; Qt falls back through the list for CJK glyphs.
FONT_FAMILIES = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Segoe UI",
    "DejaVu Sans",
)
DEFAULT_POINT_SIZE = 10  # readable all day at 1366x768; Windows' 9 pt default is small for this

_installed: list[QTranslator] = []


def _remove_installed(app: QCoreApplication) -> None:
    while _installed:
        app.removeTranslator(_installed.pop())


def install_translator(app: QCoreApplication, language: str) -> bool:
    """Switch the UI language. Returns False (and stays on English) if the language's .qm is missing."""
    language = language.replace("-", "_")
    _remove_installed(app)
    if language == SOURCE_LANGUAGE or language.split("_")[0] == SOURCE_LANGUAGE:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return True
    ours = QTranslator(app)
    path = translations_dir() / f"calldesk_{language}.qm"
    if not ours.load(str(path)):
        log.warning("no translation for %r at %s; showing English", language, path)
        return False
    app.installTranslator(ours)
    _installed.append(ours)
    # Qt's own strings (OK/Cancel, context menus) from the translations shipped with Qt.
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qtbase = QTranslator(app)
    if qtbase.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qtbase)
        _installed.append(qtbase)
    QLocale.setDefault(QLocale(language))
    return True


def load_fonts(app: QApplication | None = None, point_size: int = DEFAULT_POINT_SIZE) -> list[str]:
    """Register fonts shipped under resources/fonts and set the application font with a CJK fallback
    list. Returns the families of the application font, first choice first."""
    app = app or QApplication.instance()
    bundled: list[str] = []
    directory = fonts_dir()
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() not in (".ttf", ".otf", ".ttc"):
                continue
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id < 0:
                log.warning("could not load font %s", path)
                continue
            bundled.extend(QFontDatabase.applicationFontFamilies(font_id))
    installed = set(QFontDatabase.families())
    families = [f for f in FONT_FAMILIES if f in installed] + [f for f in bundled if f not in FONT_FAMILIES]
    if not any(
        QFontDatabase.writingSystems(f).count(QFontDatabase.WritingSystem.SimplifiedChinese) for f in families
    ):
        log.warning(
            "no Chinese font found: zh_CN text may render as boxes (install Microsoft YaHei, Noto Sans "
            "CJK SC or WenQuanYi Micro Hei)"
        )
    if app is not None and families:
        font = QFont(app.font())
        font.setFamilies(families)
        font.setPointSize(point_size)
        app.setFont(font)
    return families
