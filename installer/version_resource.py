"""Writes the Windows version resource (file properties > Details) for the frozen executable."""

from __future__ import annotations

from pathlib import Path

from desktop.version import app_version


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """'1.2.3' -> (1, 2, 3, 0); anything not a number becomes 0 (a version resource holds 4 ints)."""
    parts: list[int] = []
    for piece in version.split("+")[0].split(".")[:4]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 4:
        parts.append(0)
    return parts[0], parts[1], parts[2], parts[3]


def write_version_file(path: Path) -> Path:
    version = app_version()
    numbers = numeric_version(version)
    text = f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004,
    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080404b0', [
      StringStruct('CompanyName', 'CallDesk'),
      StringStruct('FileDescription', 'CallDesk agent desktop'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'calldesk'),
      StringStruct('OriginalFilename', 'calldesk.exe'),
      StringStruct('ProductName', 'CallDesk'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [0x0804, 1200])])
  ]
)
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
