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


class PbxCommandSet:
    """Subclasses set the client's error classes and `unsupported_actions`, write the handlers
    below, and build `_handlers` with `_handler_table(<the call-leg actions' own handlers>)`."""

    timeout_error: ClassVar[type[Exception]]
    connection_error: ClassVar[type[Exception]]
    link_error: ClassVar[type[Exception]]  # any other error of the client: a refusal
    unsupported_actions: ClassVar[Mapping[Action, str]] = {}

    _handlers: dict[Action, Handler]

    # ---- what a PBX supplies (each takes the typed command and the agent's identity) ----------
    async def _hangup(self, command: Any, identity: str) -> CommandOutcome:
        raise NotImplementedError

    async def _transfer(self, command: Any, identity: str) -> CommandOutcome:
        raise NotImplementedError

    async def _consult(self, command: Any, identity: str) -> CommandOutcome:
        raise NotImplementedError

    async def _dial(self, command: Any, identity: str) -> CommandOutcome:
        raise NotImplementedError

    async def _dtmf(self, command: Any, identity: str) -> CommandOutcome:
        raise NotImplementedError

    async def _pause(self, command: Any, identity: str) -> CommandOutcome:
        """Every action of PAUSE_ACTIONS."""
        raise NotImplementedError

    async def _spy(self, command: Any, identity: str) -> CommandOutcome:
        """Every action of SPY_ACTIONS."""
        raise NotImplementedError

    def _handler_table(self, own: Mapping[Action, Handler]) -> dict[Action, Handler]:
        """The common handlers plus `own` (answer, hold, the consult steps: where PBXs differ);
        every Action must have one, so a new Action cannot be forgotten by one PBX."""
        table: dict[Action, Handler] = {
            Action.HANGUP: self._hangup,
            Action.TRANSFER: self._transfer,
            Action.CONSULT: self._consult,
            Action.DIAL: self._dial,
            Action.DTMF: self._dtmf,
            **dict.fromkeys(PAUSE_ACTIONS, self._pause),
            **dict.fromkeys(SPY_ACTIONS, self._spy),
            **own,
        }
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
