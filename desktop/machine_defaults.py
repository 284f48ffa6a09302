"""Machine-wide defaults an IT department sets at install time (msiexec ... SERVER_URL=... CTI_BRIDGE=...).

The MSI stores its public properties as string values under HKLM\\Software\\CallDesk; this module
turns those values into settings. They sit beneath the user's config.toml and the command line
(desktop/config.py applies the layers). Off Windows there is no registry and nothing is read.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

REGISTRY_KEY = r"Software\CallDesk"
# registry value name (written by installer/calldesk.wxs) -> Settings field
REGISTRY_SETTINGS: dict[str, str] = {
    "ServerUrl": "central_url",
    "CtiBridge": "cti_bridge",
    "WipeCacheOnLogout": "wipe_cache_on_logout",  # "true" on shared PCs (docs/security.md)
    "EncryptCache": "encrypt_cache",
}

RegistryReader = Callable[[], Mapping[str, object]]


def settings_from_registry(values: Mapping[str, object]) -> dict[str, object]:
    """The settings named by the registry values we know; empty values mean "not set"."""
    settings: dict[str, object] = {}
    for name, field_name in REGISTRY_SETTINGS.items():
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            settings[field_name] = value.strip()
        elif value is not None and not isinstance(value, str):
            log.warning("machine defaults: HKLM\\%s\\%s is not text; ignored", REGISTRY_KEY, name)
    return settings


def read_windows_registry() -> dict[str, object]:
    """String values under HKLM\\Software\\CallDesk (64-bit view); {} off Windows or when absent."""
    if sys.platform != "win32":
        return {}
    import winreg

    values: dict[str, object] = {}
    try:
        access = winreg.KEY_READ | winreg.KEY_WOW64_64KEY
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY, 0, access) as key:
            index = 0
            while True:
                try:
                    name, value, _kind = winreg.EnumValue(key, index)
                except OSError:
                    break
                values[name] = value
                index += 1
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("machine defaults: cannot read HKLM\\%s: %s", REGISTRY_KEY, exc)
        return {}
    return values


def machine_settings(reader: RegistryReader = read_windows_registry) -> dict[str, object]:
    return settings_from_registry(reader())
