"""Update the translation sources from the views and build the binary catalogues.

    .venv/bin/python scripts/build_translations.py          # lupdate -> .ts, lrelease -> .qm
    .venv/bin/python scripts/build_translations.py --check  # fail if anything is untranslated

1. `pyside6-lupdate` scans desktop/views/*.py (and the wiring modules in WIRING) and merges
   new/changed source strings into resources/translations/calldesk_<lang>.ts (existing
   translations are kept, vanished ones dropped);
2. every message must have a finished translation: new strings are listed and the exit code is 1
   until someone translates them (Qt Linguist: `pyside6-linguist <file.ts>`, or edit the XML);
3. `pyside6-lrelease` compiles the .ts into the .qm the application loads.
Commit both files.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ROOT / "desktop" / "views"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN",)


@dataclass(frozen=True, slots=True)
class Message:
    context: str
    source: str
    comment: str
    translation: str
    kind: str  # "" when finished, else unfinished / vanished / obsolete


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"calldesk_{language}.ts"


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"calldesk_{language}.qm"


# Modules outside views/ that put text on screen (app.py and the desks): scanned too, so zh_CN covers
# every notice the agent can see. Their strings must use tr() on their own QObject class or
# QCoreApplication.translate("<Context>", ...): `other_object.tr(...)` is filed by lupdate under a
# context that never matches at runtime.
WIRING = ("app.py",)
DESKS = VIEWS.parent / "desks"  # the application layer: every desk may put a notice on screen


def view_sources() -> list[Path]:
    views = sorted(p for p in VIEWS.glob("*.py") if p.name != "__init__.py")
    wiring = [VIEWS.parent / name for name in WIRING if (VIEWS.parent / name).is_file()]
    desks = sorted(p for p in DESKS.glob("*.py") if p.name != "__init__.py")
    return views + wiring + desks


def tool(name: str) -> str:
    """A pyside6-* tool from this interpreter's environment (venv bin/ or Scripts/), else PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6-Essentials in this environment")
    return found


def run_lupdate(target: Path, language: str) -> None:
    cmd = [
        tool("pyside6-lupdate"),
        *map(str, view_sources()),
        "-no-obsolete",
        "-locations",
        "none",
        "-target-language",
        language,
        "-ts",
        str(target),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def run_lrelease(source: Path, target: Path) -> None:
    subprocess.run(
        [tool("pyside6-lrelease"), str(source), "-qm", str(target)],
        check=True,
        capture_output=True,
        text=True,
    )


def parse_ts(path: Path) -> list[Message]:
    messages = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            forms = translation.findall("numerusform") if translation is not None else []
            text = forms[0].text if forms else (translation.text if translation is not None else "")
            messages.append(
                Message(
                    context=name,
                    source=message.findtext("source") or "",
                    comment=message.findtext("comment") or "",
                    translation=text or "",
                    kind=(translation.get("type") or "") if translation is not None else "unfinished",
                )
            )
    return messages


def untranslated(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.kind or not m.translation.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Update .ts from desktop/views and build .qm.")
    parser.add_argument("--check", action="store_true", help="only report; do not build the .qm")
    args = parser.parse_args(argv)
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    status = 0
    for language in LANGUAGES:
        ts = ts_path(language)
        run_lupdate(ts, language)
        messages = parse_ts(ts)
        missing = untranslated(messages)
        for m in missing:
            print(f"{ts.name}: untranslated [{m.context}] {m.source!r}", file=sys.stderr)
        if missing:
            status = 1
        if not args.check:
            run_lrelease(ts, qm_path(language))
        print(f"{ts.name}: {len(messages)} messages, {len(missing)} untranslated")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
