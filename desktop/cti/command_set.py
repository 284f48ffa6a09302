"""What every PBX's command set shares (AmiCommands, EslCommands): one handler per Action, the
actions it cannot do, and one mapping of its client's errors to a CommandOutcome, so a timeout,
a lost link or a refusal reads the same on the call bar whatever the PBX."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from desktop.cti.pbx_commands import Action, CommandOutcome, OutcomeStatus, PbxCommand

Handler = Callable[[Any, str], Awaitable[CommandOutcome]]


class PbxCommandSet:
    """Subclasses set the client's error classes and `unsupported_actions`, and fill `_handlers`."""

    timeout_error: ClassVar[type[Exception]]
    connection_error: ClassVar[type[Exception]]
    link_error: ClassVar[type[Exception]]  # any other error of the client: a refusal
    unsupported_actions: ClassVar[Mapping[Action, str]] = {}

    _handlers: dict[Action, Handler]

    def unsupported(self) -> dict[Action, str]:
        """Actions this PBX cannot do, each with why and what to do instead (for the call bar)."""
        return dict(self.unsupported_actions)

    async def run(self, command: PbxCommand, identity: str) -> CommandOutcome:
        """Run `command` for agent `identity`; never raises for a PBX-side problem."""
        try:
            return await self._handlers[command.action](command, identity)
        except self.timeout_error as exc:
            return CommandOutcome(OutcomeStatus.TIMEOUT, str(exc))
        except self.connection_error as exc:
            return CommandOutcome(OutcomeStatus.DISCONNECTED, f"{command.action.value}: {exc}")
        except self.link_error as exc:
            return self.refusal(command, exc)

    def refusal(self, command: PbxCommand, exc: Exception) -> CommandOutcome:
        """The outcome of a refused command (a PBX may word it its own way)."""
        return CommandOutcome(OutcomeStatus.REFUSED, str(exc))
