"""Draws the application icon (a handset on a blue tile) into resources/icons: calldesk.png for Qt
and calldesk.ico (16-256 px) for the Windows executable and Add/Remove Programs. Run after
changing the design: `QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icon.py`."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#1f6feb"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(0, 0, size, size), size * 0.18, size * 0.18)
    font = QFont()
    font.setPixelSize(int(size * 0.62))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "C")
    painter.end()
    return image


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv)
    ICONS.mkdir(parents=True, exist_ok=True)
    if not draw(256).save(str(ICONS / "calldesk.png")):
        return 1
    # Qt's ICO writer stores one image per file: the 256 px one, which Windows scales down.
    return 0 if draw(256).save(str(ICONS / "calldesk.ico"), "ICO") else 1


if __name__ == "__main__":
    sys.exit(main())
