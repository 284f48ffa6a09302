"""The installed CallDesk version, from the package metadata (a frozen build carries it too:
installer/calldesk.spec copies the metadata)."""

from __future__ import annotations

from importlib import metadata

UNKNOWN_VERSION = "0+unknown"


def app_version() -> str:
    try:
        return metadata.version("calldesk")
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION
