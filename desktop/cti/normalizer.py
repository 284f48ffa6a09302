"""What the AMI and ESL normalisers share: a malformed message is counted and logged, never
allowed to stop the stream, and a batch is the events of each message in order."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from desktop.cti.events import CtiEvent

log = logging.getLogger(__name__)

M = TypeVar("M")


class EventNormalizer(Generic[M]):
    """Base of AmiNormalizer and EslNormalizer (`M`: the PBX's message type)."""

    link_name = "PBX"
    unhandled: int  # messages that could not be normalised (logged, skipped)

    def feed(self, message: M) -> list[CtiEvent]:
        raise NotImplementedError

    def flush(self) -> list[CtiEvent]:
        """The events held back until the stream ends (the connection dropped, a recording's end)."""
        return []

    def feed_all(self, messages: Iterable[M]) -> list[CtiEvent]:
        out: list[CtiEvent] = []
        for message in messages:
            out.extend(self.feed(message))
        return out

    def _guarded(self, normalise: Callable[[], list[CtiEvent]], what: str) -> list[CtiEvent]:
        """`normalise()`, or no events when the message is malformed (counted and logged)."""
        try:
            return normalise()
        except Exception:  # a malformed event must not stop the stream
            self.unhandled += 1
            log.exception("%s: could not normalise %s", self.link_name, what)
            return []
