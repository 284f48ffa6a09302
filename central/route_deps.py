"""What a central module's `install_routes(app, deps)` is handed by central.app.create_app: one
bundle, built once there, instead of a parameter list each module spells its own way.

The principal dependency and ApiError are made inside create_app (they close over the signing
key and the engine), so the route modules cannot import them; they get them here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from central import policy


@dataclass(frozen=True)
class Caller:
    """A request whose token verified; `signed_in(conn)` is the principal dependency's database
    half (sign-in still valid, account active, role allowed the route: else ApiError 401/403),
    read on the route's own connection. Call it before anything else."""

    signed_in: Callable[[Connection], Any]  # -> central.auth.Principal


@dataclass(frozen=True)
class RouteDeps:
    engine: Engine
    # Annotated[auth.Principal, Depends(principal)]: the signed-in caller, role checked against
    # central.policy.ENDPOINTS before the route runs
    principal: Any
    api_error: Callable[..., Exception]  # central.app.ApiError(status, code, message, field=None)
    errors: dict[int | str, dict[str, Any]]  # the 401/403/422 answers every route documents
    load_actor: Callable[[Connection, Any], policy.Actor]  # the caller's role, team and reach
    # a time bound as UTC; out of range is a 422 naming the field (central.app.to_utc)
    to_utc: Callable[[datetime | None, str], datetime | None]
    # Annotated[Caller, Depends(...)]: the token checked, the sign-in left to the route
    caller: Any
