"""Test helpers: build an MSI with installer/build-msi.sh, read it with msiinfo, and install it
into a throw-away Wine prefix, reading HKLM back from the prefix's system.reg."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UNINSTALL_KEY = r"Software\Microsoft\Windows\CurrentVersion\Uninstall"


def tools_missing(*tools: str) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None]


def build_msi(frozen_dir: Path, out: Path, version: str) -> Path:
    env = dict(
        os.environ,
        CALLDESK_FROZEN_DIR=str(frozen_dir),
        CALLDESK_MSI_OUT=str(out),
        CALLDESK_MSI_VERSION=version,
    )
    result = subprocess.run(
        ["bash", str(REPO / "installer" / "build-msi.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def msi_table(msi: Path, table: str) -> list[dict[str, str]]:
    """Rows of one table as dicts (msiinfo export: header, types, table name, then rows)."""
    text = subprocess.run(
        ["msiinfo", "export", str(msi), table], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    lines = text.splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[3:] if line]


_KEY_LINE = re.compile(r"^\[(?P<key>.+?)\](?: \d+)?$")
_VALUE_LINE = re.compile(r'^(?P<name>@|"(?:[^"\\]|\\.)*")=(?P<value>.*)$')


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "x":
                match = re.match(r"\\x\{?([0-9a-fA-F]{1,4})\}?", text[i:])
                if match:
                    out.append(chr(int(match.group(1), 16)))
                    i += len(match.group(0))
                    continue
            out.append({"n": "\n", "r": "\r", "t": "\t", "0": "\0"}.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def read_wine_hive(path: Path) -> dict[str, dict[str, str]]:
    """Wine's system.reg (HKLM) as {lower-cased key path: {value name: text}}; "" is (Default).
    Only string values are decoded; other kinds keep their raw text (dword:..., hex:...)."""
    keys: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key = _KEY_LINE.match(line)
        if key:
            current = keys.setdefault(_unescape(key["key"]).lower(), {})
            continue
        value = _VALUE_LINE.match(line)
        if value and current is not None:
            name = "" if value["name"] == "@" else _unescape(value["name"][1:-1])
            raw = value["value"]
            string = re.fullmatch(r'(?:str\(\d\):)?"(.*)"', raw)
            current[name] = _unescape(string.group(1)) if string else raw
    return keys


@dataclass
class WinePrefix:
    path: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ, WINEPREFIX=str(self.path), WINEDEBUG="-all", DISPLAY="")
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def msiexec(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["wine", "msiexec", *args], env=self.env(), capture_output=True, text=True, timeout=600
        )

    def install(self, msi: Path, **properties: str) -> None:
        result = self.msiexec("/i", str(msi), "/qn", *(f"{k}={v}" for k, v in properties.items()))
        assert result.returncode == 0, f"msiexec /i exit {result.returncode}: {result.stderr[-2000:]}"

    def uninstall(self, msi: Path) -> None:
        result = self.msiexec("/x", str(msi), "/qn")
        assert result.returncode == 0, f"msiexec /x exit {result.returncode}: {result.stderr[-2000:]}"

    def wait_for_registry_flush(self) -> None:
        # wineserver writes system.reg when it exits; -w waits for it.
        subprocess.run(["wineserver", "-w"], env=self.env(), timeout=120, check=False)

    def hklm(self) -> dict[str, dict[str, str]]:
        self.wait_for_registry_flush()
        return read_wine_hive(self.path / "system.reg")

    @property
    def program_files(self) -> Path:
        return self.path / "drive_c" / "Program Files"

    def calldesk_uninstall_entries(self) -> list[str]:
        """Add/Remove Programs entries named CallDesk (64-bit and 32-bit views)."""
        prefixes = (
            UNINSTALL_KEY.lower() + "\\",
            "software\\wow6432node\\" + UNINSTALL_KEY[9:].lower() + "\\",
        )
        return [
            key
            for key, values in self.hklm().items()
            if key.startswith(prefixes) and values.get("DisplayName") == "CallDesk"
        ]

    def start_menu_shortcuts(self) -> list[Path]:
        return sorted(p for p in (self.path / "drive_c").rglob("CallDesk.lnk") if "Start Menu" in str(p))
