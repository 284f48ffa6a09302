"""What every PBX's command set shares (AmiCommands, EslCommands): one handler per Action (the
table's common part: hang up, transfer, consult, dial, DTMF, the pause family, the spy family),
the actions it cannot do, and one mapping of its client's errors to a CommandOutcome, so a
timeout, a lost link or a refusal reads the same on the call bar whatever the PBX."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from desktop.cti.pbx_commands import Action, CommandOutcome, OutcomeStatus, PbxCommand

Handler = Callable[[Any, str], Awaitable[CommandOutcome]]

PAUSE_ACTIONS = (Action.PAUSE, Action.UNPAUSE, Action.FORCE_PAUSE, Action.FORCE_READY)
SPY_ACTIONS = (Action.LISTEN, Action.WHISPER, Action.BARGE)
# What every PBX's command set handles alike, with the name of its method (command, identity) that
# does it: one `_pause` for every action of PAUSE_ACTIONS, one `_spy` for SPY_ACTIONS.
COMMON_HANDLERS: Mapping[Action, str] = {
    Action.HANGUP: "_hangup",
    Action.TRANSFER: "_transfer",
    Action.CONSULT: "_consult",
    Action.DIAL: "_dial",
    Action.DTMF: "_dtmf",
    **dict.fromkeys(PAUSE_ACTIONS, "_pause"),
    **dict.fromkeys(SPY_ACTIONS, "_spy"),
}


class PbxCommandSet:
    """Subclasses set the client's error classes and `unsupported_actions`, write the methods
    COMMON_HANDLERS names, and build `_handlers` with `_handler_table(<their other handlers>)`."""

    timeout_error: ClassVar[type[Exception]]
    connection_error: ClassVar[type[Exception]]
    link_error: ClassVar[type[Exception]]  # any other error of the client: a refusal
    unsupported_actions: ClassVar[Mapping[Action, str]] = {}

    _handlers: dict[Action, Handler]

    def _handler_table(self, own: Mapping[Action, Handler]) -> dict[Action, Handler]:
        """The common handlers plus `own` (answer, hold, the consult steps: where PBXs differ);
        every Action must have one, so a new Action cannot be forgotten by one PBX."""
        table: dict[Action, Handler] = {
            action: getattr(self, name) for action, name in COMMON_HANDLERS.items()
        } | dict(own)
        missing = [action.value for action in Action if action not in table]
        if missing:
            raise TypeError(f"{type(self).__name__} has no handler for {', '.join(missing)}")
        return table

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
