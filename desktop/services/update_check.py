"""Asks the central API which CallDesk version is current and what the admin's policy is, and
turns the answer into a notice for the agent. Nothing here downloads or installs anything: the
agent is told (notify) or told that an update is required (require), never replaced mid-shift;
the installation goes through the IT department's MSI deployment."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from desktop.version import app_version

log = logging.getLogger(__name__)

NoticeKind = Literal["none", "available", "required"]
_VERSION = re.compile(r"[0-9]{1,5}(?:\.[0-9]{1,5}){0,3}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_MESSAGE = 500


class UpdatePolicySource(Protocol):
    async def update_policy(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class UpdateNotice:
    kind: NoticeKind
    installed: str
    current: str = ""
    download_url: str = ""
    message: str = ""


class UpdatePolicyError(ValueError):
    """The server's answer is not a policy we can act on."""


def version_key(text: str) -> tuple[int, ...] | None:
    """'0.10.1' -> (0, 10, 1, 0); None for anything that is not a plain dotted version."""
    core = text.split("+", 1)[0]
    if not _VERSION.fullmatch(core):
        return None
    parts = [int(piece) for piece in core.split(".")]
    return tuple(parts + [0] * (4 - len(parts)))


def notice_for(policy: Mapping[str, Any], installed: str) -> UpdateNotice:
    """The notice for this desktop; UpdatePolicyError when the policy is malformed."""
    if not isinstance(policy, Mapping):
        raise UpdatePolicyError("the update policy is not an object")
    mode = policy.get("mode")
    if mode not in ("off", "notify", "require"):
        raise UpdatePolicyError(f"unknown update mode {mode!r}")
    current = policy.get("current_version")
    if not isinstance(current, str) or version_key(current) is None:
        raise UpdatePolicyError(f"current_version {current!r} is not a version")
    url = policy.get("download_url", "")
    if (
        not isinstance(url, str)
        or _CONTROL.search(url)
        or (url and not url.startswith(("https://", "http://")))
    ):
        raise UpdatePolicyError("download_url is not an http(s) address")
    message = policy.get("message", "")
    if not isinstance(message, str):
        raise UpdatePolicyError("message is not text")
    message = _CONTROL.sub(" ", message)[:MAX_MESSAGE]
    installed_key = version_key(installed)
    if mode == "off" or installed_key is None or installed_key >= (version_key(current) or ()):
        return UpdateNotice("none", installed)
    kind: NoticeKind = "required" if mode == "require" else "available"
    return UpdateNotice(kind, installed, current, url, message)


class UpdateCheckService:
    """`check()` once at sign-in and then every few hours (the desks layer schedules it)."""

    def __init__(self, api: UpdatePolicySource, installed: str | None = None) -> None:
        self._api = api
        self.installed = installed or app_version()
        self.last: UpdateNotice = UpdateNotice("none", self.installed)

    async def check(self) -> UpdateNotice:
        """The notice now; on any failure (offline, refused, malformed) the last one is kept and logged."""
        from desktop.services.api import ApiError

        try:
            policy = await self._api.update_policy()
            self.last = notice_for(policy, self.installed)
        except ApiError as exc:
            log.info("update check: cannot ask the server (%s); keeping the last answer", exc)
        except UpdatePolicyError as exc:
            log.warning("update check: the server's update policy is unusable: %s", exc)
        return self.last
