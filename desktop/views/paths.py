"""Where the bundled resources (themes, translations, fonts, icons) live.

Order: the CALLDESK_RESOURCES environment variable, a PyInstaller bundle (`sys._MEIPASS/resources`),
an installed wheel (`desktop/resources`, copied there by setup.py), then the source tree
(`<repo>/resources`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("CALLDESK_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    installed = Path(__file__).resolve().parents[1] / "resources"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "resources"


def translations_dir() -> Path:
    return resources_dir() / "translations"


def themes_dir() -> Path:
    return resources_dir() / "themes"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"
