"""Transfers in AMI (BlindTransfer, AttendedTransfer; Asterisk 11's Transfer) -> call.transferred,
as a mixin of AmiNormalizer (an AttendedTransfer into a three-way conference is none). The event
names the agent who transferred (the transferring channel's interface) so that the bridge ends
that agent's ring leg, not the one the transfer reached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.cti.ami_fields import TrackedAmiCall, channel_interface, numeric_exten
from desktop.cti.ami_parser import AmiMessage
from desktop.cti.events import CallEventKind, CtiEvent, call_event


class TransfersMixin:
    """Needs from its host: `_members`, `_call_of_any`, `_is_agent_interface`."""

    _members: dict[str, str]
    _call_of_any: Callable[..., TrackedAmiCall | None]
    _is_agent_interface: Callable[[str], bool]

    def _on_blind_transfer(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        if m.headers.get("Result", "Success") != "Success":
            return []
        call = self._call_of_any(m, "Transferee", "Transferer")
        if call is None:
            return []
        target = m.headers.get("Extension") or None
        extra = {"transfer": "blind", "context": m.headers.get("Context", "")}
        agent = self._transferer(m.headers.get("TransfererChannel", ""), extra)
        return [call_event(CallEventKind.TRANSFERRED, call, ts, agent=agent, target=target, extra=extra)]

    def _transferer(self, channel: str, extra: dict[str, Any]) -> str | None:
        """The agent who transferred (not the call's latest agent: after an attended transfer that
        is the consulted one), when the transferring channel is an agent's."""
        interface = channel_interface(channel)
        if not self._is_agent_interface(interface):
            return None
        extra["interface"] = interface
        return self._members.get(interface, interface)

    def _on_attended_transfer(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        if m.headers.get("Result", "Success") != "Success":
            return []
        if m.headers.get("DestType") == "Threeway":
            # `*3` during a consult (atxferthreeway): caller, agent and target share one bridge
            # and the agent is still on the call, so nothing was transferred away; the call ends
            # as any other (tests/traces/ami-lab/conference.ami).
            return []
        call = self._call_of_any(m, "OrigTransferer", "OrigBridge", "SecondTransferer", "TransferTarget")
        if call is None:
            return []
        h = m.headers
        target = (
            numeric_exten(h.get("TransferTargetCallerIDNum", ""))
            or numeric_exten(h.get("SecondTransfererConnectedLineNum", ""))
            or numeric_exten(h.get("SecondTransfererExten", ""))
            or h.get("TransferTargetChannel")
            or None
        )
        extra = {"transfer": "attended", "dest_type": h.get("DestType", "")}
        agent = self._transferer(h.get("OrigTransfererChannel", ""), extra)
        return [call_event(CallEventKind.TRANSFERRED, call, ts, agent=agent, target=target, extra=extra)]

    def _on_transfer_11(self, m: AmiMessage, ts: float) -> list[CtiEvent]:
        call = self._call_of_any(m, "", "Target")
        if call is None:
            return []
        kind = m.headers.get("TransferType", "").lower() or "blind"
        extra = {"transfer": kind, "context": m.headers.get("TransferContext", "")}
        target = m.headers.get("TransferExten") or None
        return [call_event(CallEventKind.TRANSFERRED, call, ts, target=target, extra=extra)]
