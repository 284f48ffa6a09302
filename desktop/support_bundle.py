"""`calldesk support-bundle`: one zip for the help desk with the logs, versions and the effective
settings, and no secrets. Tokens and passwords live in keyring and are never read here; URLs lose
any user:password part, and log lines are scrubbed of bearer tokens and password/token values.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import re
import sys
import zipfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from desktop.config import Settings, load_settings, user_config_path
from desktop.logging_setup import log_file_path
from desktop.private_files import open_private
from desktop.version import app_version

log = logging.getLogger(__name__)

MAX_LOG_BYTES = 20_000_000  # the rotating log keeps 6 x 5 MB; the newest files first
_SECRET_IN_TEXT = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+)?|bearer\s+"
    r"|(?:password|passwd|secret|token)[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"',;&]+"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, help="zip to write (default: ./calldesk-support-<time>.zip)")
    parser.add_argument("--config", type=Path, help="settings file (default: user config folder)")
    parser.add_argument("--log-dir", type=Path, help="log folder (default: the user log folder)")


def scrub(text: str) -> str:
    """Replaces the value after a bearer/password/token marker with [removed]."""
    return _SECRET_IN_TEXT.sub(lambda match: match.group(1) + "[removed]", text)


def _without_credentials(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "[unparseable URL removed]"
    host = parts.hostname or ""
    netloc = parts.netloc
    if parts.username or parts.password:
        netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def settings_report(settings: Settings) -> dict[str, Any]:
    data = asdict(settings)
    data["central_url"] = _without_credentials(settings.central_url)
    data["problems"] = [scrub(problem) for problem in settings.problems]
    return data


def versions_report() -> dict[str, str]:
    report = {
        "calldesk": app_version(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "frozen": str(bool(getattr(sys, "frozen", False))),
    }
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        report["pyside6"] = PySide6.__version__
        report["qt"] = qVersion()
    except ImportError as exc:  # a broken install is exactly what support needs to see
        report["pyside6"] = f"not importable: {exc}"
    return report


def _log_files(log_dir: Path) -> list[Path]:
    if not log_dir.is_dir():
        return []
    files = sorted(log_dir.glob("calldesk.log*"), key=lambda p: p.stat().st_mtime, reverse=True)
    chosen: list[Path] = []
    total = 0
    for path in files:
        size = path.stat().st_size
        if total + size > MAX_LOG_BYTES:
            break
        chosen.append(path)
        total += size
    return chosen


def write_bundle(output: Path, settings: Settings, log_dir: Path, config_file: Path) -> list[str]:
    """Writes the zip; returns the names stored in it."""
    names: list[str] = []
    output.parent.mkdir(parents=True, exist_ok=True)
    with (
        open_private(output, "wb") as raw,
        zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as bundle,
    ):
        bundle.writestr("versions.json", json.dumps(versions_report(), indent=2))
        names.append("versions.json")
        report = settings_report(settings)
        report["config_file"] = str(config_file)
        report["cache_file_bytes"] = _size(settings.resolved_cache_path())
        bundle.writestr("settings.json", json.dumps(report, indent=2, ensure_ascii=False))
        names.append("settings.json")
        for path in _log_files(log_dir):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                log.warning("support bundle: cannot read %s: %s", path, exc)
                continue
            name = f"logs/{path.name}"
            bundle.writestr(name, scrub(text))
            names.append(name)
    return names


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def run(args: argparse.Namespace) -> int:
    config_file = args.config or user_config_path()
    settings = load_settings(config_file=config_file)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    output = args.output or Path.cwd() / f"calldesk-support-{stamp}.zip"
    log_dir = args.log_dir or log_file_path().parent
    try:
        names = write_bundle(output, settings, log_dir, config_file)
    except OSError as exc:
        print(f"calldesk support-bundle: cannot write {output}: {exc}", file=sys.stderr)
        return 1
    print(f"{output} ({len(names)} files: {', '.join(names)})")
    return 0
