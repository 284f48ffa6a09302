"""Fixtures for the CTI socket tests: a real listener on 127.0.0.1, port 0, and what it received."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from cti_socket_helpers import TOKEN

from desktop.cti.events import CtiEvent
from desktop.cti.listener import CommandResult, CtiListener


def pytest_addoption(parser: pytest.Parser) -> None:
    # Only honoured when this conftest is an initial one (pytest tests/cti_socket --cti-soak);
    # CALLDESK_CTI_SOAK=1 works from anywhere.
    parser.addoption("--cti-soak", action="store_true", default=False, help="run the 1M-frame CTI soak")


def soak_enabled(config: pytest.Config) -> bool:
    try:
        flag = bool(config.getoption("--cti-soak"))
    except ValueError:
        flag = False
    return flag or os.environ.get("CALLDESK_CTI_SOAK") == "1"


class Received:
    """What the listener handed to its callbacks."""

    def __init__(self) -> None:
        self.events: list[tuple[CtiEvent, str]] = []
        self.results: list[CommandResult] = []

    def on_event(self, event: CtiEvent, agent: str) -> None:
        self.events.append((event, agent))

    def call_ids(self) -> list[str | None]:
        return [getattr(event, "call_id", None) for event, _ in self.events]


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
async def listener(received: Received) -> AsyncIterator[CtiListener]:
    server = CtiListener(
        port=0,
        token=TOKEN,
        on_event=received.on_event,
        on_command_result=received.results.append,
        hello_timeout_s=0.5,
    )
    await server.start()
    yield server
    await server.stop()
