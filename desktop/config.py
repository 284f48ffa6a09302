"""Settings: defaults <- machine-wide defaults <- user TOML file <- CALLDESK_* environment.

Machine-wide defaults come from the installer: HKLM\\Software\\CallDesk on Windows (the MSI's
SERVER_URL and CTI_BRIDGE properties, desktop/machine_defaults.py), then a `defaults.toml` beside
the executable. The command line (desktop/app.py) overrides all of them.

A bad value never stops the desktop: it is logged, reported in `Settings.problems` (shown to the
user once) and the default is kept. Secrets (API tokens, the CTI token) live in keyring, not here.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs
import tomlkit
from tomlkit.exceptions import TOMLKitError

from calldesk_domain.phone import check_region
from calldesk_domain.vocabulary import DISPOSITION_CODES, LANGUAGES
from calldesk_domain.wrapup import WrapupPolicy
from desktop.private_files import private_dir

log = logging.getLogger(__name__)

APP_NAME = "CallDesk"
ENV_PREFIX = "CALLDESK_"
_DISPOSITION_CODE = re.compile(r"[a-z0-9][a-z0-9_\-]{0,39}")
MAX_DISPOSITION_CODES = 50
MAX_DETAIL_WINDOW_DAYS = 3650
# What an agent may pick in "Not ready" (Asterisk's pause reason, FreeSWITCH's status); "acw" is
# the after-call work the desktop sets itself and is accepted always (ACW_REASON).
PAUSE_REASONS = ("break", "lunch", "training", "meeting")
ACW_REASON = "acw"
CTI_SOURCES = ("local", "bridge")
DEFAULT_BRIDGE_PORT = 5013
_BRIDGE_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\]")


def bridge_address(text: str) -> tuple[str, int]:
    """`host[:port]` of the CTI bridge (IPv6 in brackets) -> (host, port); port 5013 by default."""
    text = text.strip()
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text.partition("]")
        host += "]"
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{text!r} is not host:port")
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not _BRIDGE_HOST.fullmatch(host):
        raise ValueError(f"{host[:60]!r} is not a host name or address")
    port = DEFAULT_BRIDGE_PORT
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"{port_text[:10]!r} is not a TCP port (1-65535)")
        port = int(port_text)
    return host.strip("[]"), port


@dataclass(frozen=True, slots=True)
class Settings:
    central_url: str = "http://127.0.0.1:8765"
    username: str = ""
    language: str = "zh_CN"
    cti_host: str = "127.0.0.1"
    cti_port: int = 7390
    # "local": PBX events come to the CTI socket; "bridge": from the CTI bridge (the default when
    # a site bridge, cti_bridge, is set and no layer chose a source)
    cti_source: str = "local"
    cti_bridge_address: str = ""  # host:port of `calldesk cti bridge` (port 5013 when left out)
    cti_bridge: str = ""  # host:port of the site's CTI bridge (MSI property CTI_BRIDGE); "" = none
    cti_bridge_tls: bool = True
    cti_bridge_ca_file: str = ""  # empty = the system's trust store
    cache_path: str = ""  # empty = platformdirs user data dir
    ca_bundle: str = ""  # empty = system/certifi store; TLS verification is always on
    # Admin settings (issue #17): plain http:// to a non-loopback server (only behind a trusted
    # network / TLS proxy), and how long a last online sign-in allows signing in offline.
    allow_insecure_http: bool = False
    offline_grace_hours: int = 72
    # Shared PCs (issue #17): signing out deletes the local cache and attachments (never while
    # unsent work exists). An admin sets it in HKLM\Software\CallDesk or defaults.toml.
    wipe_cache_on_logout: bool = False
    # Encrypt the cache with SQLCipher, the key in the OS keyring (needs calldesk[encrypted]).
    encrypt_cache: bool = False
    # Hold the central API's change-notification stream (issue #18) and pull when it says the feed
    # moved; the poll below is the fallback while the stream is down (and a slow safety net).
    feed_notifications: bool = True
    sync_poll_seconds: int = 15  # background push + pull interval without the stream (1 or more)
    detail_window_days: int = 180
    wrapup_seconds: int = 30
    wrapup_queue_seconds: dict[str, int] = field(default_factory=dict)  # {"vip": 60}: per queue
    phone_region: str = "CN"  # where a number without a country code is from (E.164 parsing)
    pause_reasons: tuple[str, ...] = PAUSE_REASONS  # env: comma-separated
    timezone: str = "Asia/Shanghai"
    dnis_names: dict[str, str] = field(default_factory=dict)  # "4008123456" -> "品牌服务热线"
    disposition_codes: tuple[str, ...] = DISPOSITION_CODES  # env: comma-separated
    require_contact_before_ready: bool = True  # no "Ready" while a finished call's contact is unsaved
    # [supervisor]: sl_threshold_s, teams = {agent = "team"}, [supervisor.thresholds]; read by the
    # supervisor desk, which reports its bad entries (this keeps the table as written)
    supervisor: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # human-readable config errors found while loading

    def resolved_cache_path(self) -> Path:
        if self.cache_path:
            return Path(self.cache_path).expanduser()
        return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "cache.sqlite3"

    def agent_pause_reasons(self) -> tuple[str, ...]:
        """The reasons a pause may carry: the configured ones, then after-call work."""
        return self.pause_reasons + (() if ACW_REASON in self.pause_reasons else (ACW_REASON,))

    def hotline_name(self, dnis: str | None) -> str:
        if not dnis:
            return ""
        return self.dnis_names.get(dnis, dnis)


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def msi_defaults_path() -> Path:
    """The installer drops `defaults.toml` beside the executable (frozen) or the package."""
    base = Path(sys.executable).parent if getattr(sys, "frozen", False) else Path(__file__).parent
    return base / "defaults.toml"


def load_settings(
    config_file: Path | None = None,
    env: dict[str, str] | None = None,
    defaults_file: Path | None = None,
    machine_values: dict[str, Any] | None = None,
) -> Settings:
    """`machine_values`: settings from the machine's registry (None = read it now; tests pass them)."""
    env = dict(os.environ) if env is None else env
    settings = Settings()
    problems: list[str] = []
    if machine_values is None:
        from desktop.machine_defaults import machine_settings

        machine_values = machine_settings()
    settings = _merge(settings, machine_values, "machine defaults (HKLM\\Software\\CallDesk)", problems)
    layers: list[dict[str, Any]] = [machine_values]
    for path in (defaults_file or msi_defaults_path(), config_file or user_config_path()):
        layers.append(_read_toml(path, problems))
        settings = _merge(settings, layers[-1], str(path), problems)
    overrides = {
        f.name: env[ENV_PREFIX + f.name.upper()]
        for f in fields(Settings)
        if f.name not in ("problems", "dnis_names", "supervisor") and ENV_PREFIX + f.name.upper() in env
    }
    layers.append(overrides)
    settings = _merge(settings, overrides, "environment", problems)
    return replace(_site_bridge_source(settings, layers), problems=tuple(problems))


def _site_bridge_source(settings: Settings, layers: list[dict[str, Any]]) -> Settings:
    """A site bridge (the MSI's CTI_BRIDGE, or `cti_bridge` in a file) is where calls come from,
    unless some layer chose a CTI source itself (the agent's "local" in Settings wins)."""
    chosen = any(layer.get("cti_source") in CTI_SOURCES for layer in layers)
    if chosen or not settings.cti_bridge or settings.cti_source == "bridge":
        return settings
    log.info(
        "settings: the site's CTI bridge %s is set and no CTI source is chosen: using the bridge",
        settings.cti_bridge,
    )
    return replace(settings, cti_source="bridge")


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        message = f"{path}: cannot read settings ({exc}); using defaults"
        log.warning(message)
        problems.append(message)
        return {}
    section = data.get("calldesk", data)
    if not isinstance(section, dict):
        return {}
    if section is not data and "supervisor" in data and "supervisor" not in section:
        section = {**section, "supervisor": data["supervisor"]}  # [supervisor] beside [calldesk]
    return section


def _merge(settings: Settings, values: dict[str, Any], origin: str, problems: list[str]) -> Settings:
    known = {f.name: f for f in fields(Settings) if f.name != "problems"}
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in known:
            message = f"{origin}: unknown setting '{key}' ignored"
            log.warning(message)
            problems.append(message)
            continue
        try:
            changes[key] = _coerce(key, getattr(settings, key), raw)
        except ValueError as exc:
            message = f"{origin}: setting '{key}': {exc}; keeping {getattr(settings, key)!r}"
            log.warning(message)
            problems.append(message)
    return replace(settings, **changes)


def _disposition_codes(raw: Any) -> tuple[str, ...]:
    """A TOML list of codes or (environment) comma-separated text; lower-case words, no repeats."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ValueError("must be a list of code strings")
    codes = tuple(item.strip() for item in items if item.strip())
    if not codes:
        raise ValueError("needs at least one code")
    if len(codes) > MAX_DISPOSITION_CODES:
        raise ValueError(f"at most {MAX_DISPOSITION_CODES} codes")
    bad = [code for code in codes if not _DISPOSITION_CODE.fullmatch(code)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a code (lower-case letters, digits, _ or -)")
    if len(set(codes)) != len(codes):
        raise ValueError("a code is listed twice")
    return codes


def _coerce(key: str, current: Any, raw: Any) -> Any:
    if isinstance(current, bool):
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("1", "true", "yes", "on"):
            return True
        if str(raw).lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{raw!r} is not true/false")
    if isinstance(current, int):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{raw!r} is not a whole number") from None
        if key == "cti_port" and not 0 <= value <= 65535:
            raise ValueError(f"{value} is not a TCP port (0-65535)")
        if key == "detail_window_days" and not 1 <= value <= MAX_DETAIL_WINDOW_DAYS:
            raise ValueError(f"{value} is not a number of days from 1 to {MAX_DETAIL_WINDOW_DAYS}")
        if key == "sync_poll_seconds" and value < 1:
            raise ValueError(f"{value} is not a number of seconds (1 or more)")
        if value < 0:
            raise ValueError(f"{value} must not be negative")
        return value
    if isinstance(current, tuple):
        return _disposition_codes(raw)
    if key == "wrapup_queue_seconds":
        return _queue_seconds(raw)
    if key == "supervisor":
        if not isinstance(raw, dict):
            raise ValueError("must be a table ([supervisor])")
        return dict(raw)
    if isinstance(current, dict):
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise ValueError('must be a table of "number" = "name" strings')
        return {str(k): v for k, v in raw.items()}
    if not isinstance(raw, str):
        raise ValueError(f"{raw!r} is not text")
    if key == "language" and raw not in LANGUAGES:
        raise ValueError(f"{raw!r} is not one of {', '.join(LANGUAGES)}")
    if key == "cti_host" and raw not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the CTI socket listens on loopback only (127.0.0.1 or ::1)")
    if key == "cti_source" and raw not in CTI_SOURCES:
        raise ValueError(f"{raw!r} is not one of {', '.join(CTI_SOURCES)}")
    if key == "cti_bridge_address" and raw:
        bridge_address(raw)  # raises ValueError saying what is wrong
    if key == "central_url" and not raw.startswith(("http://", "https://")):
        raise ValueError(f"{raw!r} is not an http(s) URL")
    if key == "cti_bridge":
        return _bridge_address(raw)
    if key == "phone_region":
        return check_region(raw)
    return raw


def _queue_seconds(raw: Any) -> dict[str, int]:
    """A TOML table of queue = seconds, or (environment, the dialog) "vip=60, support=45"."""
    if isinstance(raw, str):
        table: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in raw.split(","))):
            queue, sep, seconds = item.partition("=")
            if not sep or not seconds.strip().isdigit():
                raise ValueError(f"{item[:60]!r} is not queue=seconds")
            table[queue.strip()] = int(seconds)
        raw = table
    if not isinstance(raw, dict):
        raise ValueError("must be a table of queue = seconds")
    return dict(WrapupPolicy.from_settings(0, raw).per_queue)


_BRIDGE_ADDRESS = re.compile(r"(?P<host>[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:]{2,45}\]):(?P<port>[0-9]{1,5})")


def _bridge_address(raw: str) -> str:
    """ "host:port" (IPv6 in brackets); "" or "none" (the MSI's default) means no bridge."""
    text = raw.strip()
    if text.lower() in ("", "none"):
        return ""
    match = _BRIDGE_ADDRESS.fullmatch(text)
    if match is None or not 1 <= int(match["port"]) <= 65535:
        raise ValueError(f"{raw!r} is not host:port (for example cti.example:7391)")
    return text


# ---- saving (the Settings dialog) -----------------------------------------------------------


class SettingsSaveError(Exception):
    """The settings could not be saved; nothing was written. `key` names a refused setting."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def validated_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes checked and converted like values read from a file; SettingsSaveError names
    the first refused key."""
    known = {f.name for f in fields(Settings) if f.name != "problems"}
    defaults = Settings()
    out: dict[str, Any] = {}
    for key, raw in changes.items():
        if key not in known:
            raise SettingsSaveError(f"unknown setting '{key}'", key)
        try:
            out[key] = _coerce(key, getattr(defaults, key), raw)
        except ValueError as exc:
            raise SettingsSaveError(f"setting '{key}': {exc}", key) from None
    return out


def save_user_settings(changes: dict[str, Any], config_file: Path | None = None) -> Path:
    """Write `changes` into the user's TOML file, keeping every other key and table in it.

    The file is replaced atomically (a temporary file in the same folder, then os.replace), so
    a crash leaves the old file or the new one, never half of one. A file that exists but
    cannot be read is not overwritten (its other keys would be lost). Returns the path."""
    path = config_file or user_config_path()
    values = validated_changes(changes)
    try:
        original = path.read_text(encoding="utf-8")
        tomllib.loads(original)  # the reader the desktop loads with must accept it
        document = tomlkit.parse(original)  # edited in place: the admin's comments and layout stay
    except FileNotFoundError:
        document = tomlkit.document()
    except (OSError, tomllib.TOMLDecodeError, TOMLKitError, UnicodeDecodeError) as exc:
        log.warning("settings: %s not saved, the existing file cannot be read: %s", path, exc)
        raise SettingsSaveError(f"{path} cannot be read ({exc}); fix or remove it first") from exc
    section = document.get("calldesk")
    target = section if isinstance(section, dict) else document
    for key, value in values.items():
        target[key] = list(value) if isinstance(value, tuple) else value
    text = tomlkit.dumps(document)
    try:
        private_dir(path.parent)
        # mkstemp makes the file 0600 whatever the umask; os.replace keeps that mode
        fd, temp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("settings: cannot write %s: %s", path, exc)
        raise SettingsSaveError(f"{path} cannot be written ({exc})") from exc
    log.info("settings: saved %s to %s", ", ".join(sorted(values)), path)
    return path


def environment_overrides(env: dict[str, str] | None = None) -> list[str]:
    """Settings fixed by CALLDESK_* environment variables (a saved value would not apply)."""
    env = dict(os.environ) if env is None else env
    return [
        f.name
        for f in fields(Settings)
        if f.name not in ("problems", "dnis_names") and ENV_PREFIX + f.name.upper() in env
    ]
