"""AdminUsers: the admin's user management over `/api/v1/admin/users` (docs/security.md).

Headless: list, add, disable/enable, set role, set PBX interface / queues / team, reset a
password. Each call goes to the central server (accounts are never cached); a refusal comes
back as `AdminError` with the server's message and the field it names, so the screen can put
the message next to the input. Writes are not retried on a 5xx: a retried "add" whose first
attempt landed would answer "already exists".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from desktop.services.api import ApiError, CentralApi

log = logging.getLogger(__name__)

ROLES = ("agent", "supervisor", "admin")
_SPLIT = re.compile(r"[\s,;，；]+")


class AdminError(Exception):
    """The server (or the input check before it) refused; `field` names the input, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str
    role: str
    agent_id: str
    display_name: str
    active: bool
    pbx_interface: str = ""
    queues: tuple[str, ...] = ()
    team: str = ""

    @staticmethod
    def from_api(data: object) -> UserRecord:
        if not isinstance(data, dict) or not isinstance(data.get("username"), str):
            raise AdminError("the server sent a user record this desktop cannot read")
        queues = data.get("queues") or []
        return UserRecord(
            username=data["username"],
            role=str(data.get("role") or ""),
            agent_id=str(data.get("agent_id") or ""),
            display_name=str(data.get("display_name") or ""),
            active=bool(data.get("active")),
            pbx_interface=str(data.get("pbx_interface") or ""),
            queues=tuple(str(q) for q in queues) if isinstance(queues, list) else (),
            team=str(data.get("team") or ""),
        )


def split_queues(text: str) -> list[str]:
    """ "sales, service" / "sales service" / "sales，service" -> ["sales", "service"]."""
    return [part for part in _SPLIT.split(text.strip()) if part]


def _clean(value: str) -> str | None:
    """An empty field clears an optional value (the API takes null, never "")."""
    value = value.strip()
    return value or None


class AdminUsers:
    def __init__(self, api: CentralApi) -> None:
        self.api = api

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return await self.api._request(method, path, json_body=body, retry_statuses=frozenset())
        except ApiError as exc:
            log.warning("admin: %s %s refused: %s", method, path, exc.message)
            raise AdminError(exc.message, exc.field) from exc

    async def list(self) -> list[UserRecord]:
        body = await self._call("GET", "/api/v1/admin/users")
        users = body.get("users")
        if not isinstance(users, list):
            raise AdminError("the server sent a user list this desktop cannot read")
        return [UserRecord.from_api(u) for u in users]

    async def add(
        self,
        username: str,
        password: str,
        role: str,
        *,
        display_name: str = "",
        agent_id: str = "",
        pbx_interface: str = "",
        queues: str = "",
        team: str = "",
    ) -> UserRecord:
        if not username.strip():
            raise AdminError("Enter a user name.", "username")
        if role not in ROLES:
            raise AdminError(f"role must be one of {', '.join(ROLES)}", "role")
        body: dict[str, Any] = {
            "username": username.strip(),
            "password": password,
            "role": role,
            "queues": split_queues(queues),
        }
        for key, value in (
            ("display_name", display_name),
            ("agent_id", agent_id),
            ("pbx_interface", pbx_interface),
            ("team", team),
        ):
            if cleaned := _clean(value):
                body[key] = cleaned
        answer = await self._call("POST", "/api/v1/admin/users", body)
        return UserRecord.from_api(answer.get("user"))

    async def change(self, username: str, **changes: Any) -> UserRecord:
        """PATCH any of active, role, password, display_name, pbx_interface, queues, team.
        Text fields: "" clears pbx_interface / team; queues may be given as text."""
        body: dict[str, Any] = {}
        for key, value in changes.items():
            if key in ("pbx_interface", "team"):
                body[key] = _clean(str(value))
            elif key == "queues":
                body[key] = split_queues(value) if isinstance(value, str) else list(value)
            elif key == "display_name":
                if cleaned := _clean(str(value)):
                    body[key] = cleaned
            else:
                body[key] = value
        answer = await self._call("PATCH", f"/api/v1/admin/users/{quote(username, safe='')}", body)
        return UserRecord.from_api(answer.get("user"))

    async def set_active(self, username: str, active: bool) -> UserRecord:
        return await self.change(username, active=active)

    async def set_role(self, username: str, role: str) -> UserRecord:
        return await self.change(username, role=role)

    async def reset_password(self, username: str, password: str) -> UserRecord:
        return await self.change(username, password=password)
